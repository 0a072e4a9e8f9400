# Example configuration and policies (each key commented), and the operator reference. Shipped in the tarball;
# not installed: packagers copy conf/cgmeter.ini to /etc/cgmeter/ and pick policies for /etc/cgmeter/policies.d/.
dist_noinst_DATA += \
	conf/cgmeter.ini \
	conf/policies/web.ini \
	conf/policies/batch.ini \
	conf/policies/everything.ini \
	docs/policy.md \
	docs/config.md
