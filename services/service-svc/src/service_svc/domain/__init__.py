"""The service domain: pure Python, no framework or I/O (an import-linter contract keeps it so)."""
