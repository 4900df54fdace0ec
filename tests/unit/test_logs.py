"""JSON log lines carry the service, correlation and trace ids."""

from __future__ import annotations

import json
import logging

from continuum.context import CausationContext, causation
from continuum.observability import JsonFormatter


def test_a_json_log_line_names_the_request_it_belongs_to():
    formatter = JsonFormatter("project-svc")
    record = logging.LogRecord("continuum.test", logging.WARNING, __file__, 1, "charter %s", ("approved",), None)
    context = CausationContext(correlation_id="corr-9", traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    with causation(context):
        line = json.loads(formatter.format(record))
    assert line["message"] == "charter approved" and line["level"] == "WARNING"
    assert line["service"] == "project-svc" and line["correlation_id"] == "corr-9"
    assert line["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert "correlation_id" not in json.loads(formatter.format(record))  # outside a request: none invented
