# Man pages, written in roff (man(7) macros); installed by make install, checked by tests/integration/t-conf.sh
# (man --warnings renders each without a warning).
dist_man_MANS = man/cgmeterd.8 man/cgmeter.1 man/cgmeter.ini.5 man/cgmeter-policy.5
