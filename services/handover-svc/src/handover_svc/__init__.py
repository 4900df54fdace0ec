"""Continuum handover-svc: Handovers from projects to services: service acceptance criteria, readiness, acceptance and early life support."""
