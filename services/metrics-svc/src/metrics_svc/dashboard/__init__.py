"""The KPI dashboard: a static page (public shell, no data) and the read model behind its authenticated APIs."""
