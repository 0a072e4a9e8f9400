# (fragment)
