"""Continuum metrics-svc: KPI projections over every Continuum topic and the continuous improvement loop."""
