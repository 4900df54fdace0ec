pytest_plugins = ["continuum_dev.testing.plugin"]
