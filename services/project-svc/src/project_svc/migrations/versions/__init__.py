"""This service's own revisions; the platform's (0001, 0002) live in continuum/platform_migrations."""
