pytest_plugins = ["continuum.testing.plugin"]
