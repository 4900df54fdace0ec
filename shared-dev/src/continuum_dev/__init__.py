"""Continuum's development tools, never installed in a service image: the local PostgreSQL and Kafka (`infra`,
`stack`), the `continuum run|infra|import` commands (`cli`, `importers`), the demo seeder (`demo`), the pytest
plugin (`testing.plugin`) and the fault-injection failpoints (`failpoints`)."""
