"""The KPI projections: compact facts in PostgreSQL, written by the consumer, read by the KPI routes."""
