"""Continuum service-svc: Live IT services: catalog, SLAs, incidents, problems, changes, service requests, CSAT and operating cost."""
