"""Tracing and logs: W3C trace context carried HTTP → event metadata → Kafka `traceparent` → consumer,
and structured JSON log lines carrying the correlation and trace ids."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Literal

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pydantic import BaseModel

from continuum.context import active_context

_propagator = TraceContextTextMapPropagator()


class ObservabilitySettings(BaseModel):
    tracing_exporter: Literal["none", "console", "otlp"] = "none"
    otlp_endpoint: str | None = None
    log_format: Literal["plain", "json"] = "plain"
    log_level: str = "INFO"


@cache
def tracer() -> trace.Tracer:
    """Once per process: a proxy until a tracer provider is installed, then that provider's tracer (getting it
    per span read the environment each time, 2 % of a service's CPU under load)."""
    return trace.get_tracer("continuum")


def parent_context(traceparent: str | None) -> Context | None:
    """The remote parent named by a `traceparent` (None: start a new trace)."""
    return _propagator.extract({"traceparent": traceparent}) if traceparent else None


def current_traceparent(context: Context | None = None) -> str | None:
    """The `traceparent` of the current span (or of `context`), to store in event metadata."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=context)
    return carrier.get("traceparent")


_PLAIN_TRACEPARENT = re.compile(r"00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}")


def handed_on(traceparent: str) -> str | None:
    """With tracing off: what the W3C propagator would read from `traceparent` and write back. A plain valid
    version-00 traceparent comes back as it was, without the propagator's context and span objects (half of
    that path's cost per consumed event); anything else goes through it."""
    if _PLAIN_TRACEPARENT.fullmatch(traceparent):
        return traceparent
    return current_traceparent(parent_context(traceparent))


def tracing_on() -> bool:
    """Whether a tracer provider is installed (configure_tracing, or a test's in-memory exporter)."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


@contextmanager
def span(name: str, *, traceparent: str | None, kind: SpanKind) -> Iterator[tuple[trace.Span, str | None]]:
    """A span continuing the trace of `traceparent`, and the traceparent to hand on: the span's own.

    With tracing off no span is made: the incoming traceparent is read and written back by the W3C propagator,
    which is all a no-op span would do; making one cost ~3 % of a service's CPU per request (issue #7's profile).
    """
    if not tracing_on():
        yield trace.INVALID_SPAN, handed_on(traceparent) if traceparent else None
        return
    with tracer().start_as_current_span(name, context=parent_context(traceparent), kind=kind) as current:
        yield current, current_traceparent()


def configure_tracing(settings: ObservabilitySettings, *, service: str) -> None:
    """Install an SDK tracer provider with the configured exporter (off by default; once per process)."""
    if settings.tracing_exporter == "none":
        return
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if settings.tracing_exporter == "console":
        exporter = ConsoleSpanExporter()
    else:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            raise RuntimeError("tracing_exporter=otlp needs opentelemetry-exporter-otlp-proto-http") from None
        exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, service, correlation and trace ids."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        """One log record as a JSON line, with the active request's or event's context."""
        context = active_context()
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": self.service,
            "correlation_id": context.correlation_id if context else None,
            "trace_id": context.traceparent.split("-")[1] if context and context.traceparent else None,
        }
        if record.exc_info:
            line["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps({key: value for key, value in line.items() if value is not None})


# a query parameter whose name says it carries a credential: access_token, id_token, api_key, client_secret,
# password, X-Amz-Signature, sig, code (OAuth), ... — matched whole or after a `_`/`-`/`.` separated prefix
_SECRET_PARAMETER = re.compile(
    r"(?i)([?&;](?:[\w.-]*[_.-])?(?:access_token|refresh_token|id_token|token|jwt|api_?key|key|secret|password|"
    r"passwd|pwd|signature|sig|auth|authorization|credentials?|code|session|assertion)=)[^&#\s\"'<>]*"
)
REDACTED = "[REDACTED]"


def redact_url_secrets(text: str) -> str:
    """`text` with the values of token-like query parameters replaced by [REDACTED]."""
    return _SECRET_PARAMETER.sub(rf"\1{REDACTED}", text) if "=" in text else text


class RedactUrlSecrets(logging.Filter):
    """Redacts token-like query parameters in a log record's message and exception text.

    An argument holding a whole URL is redacted in place, so a formatter reading the arguments (uvicorn's access
    log formatter) still finds them; a secret only the formatted message shows flattens the message.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, with passwords in URLs among its message and arguments replaced by `***`."""
        if isinstance(record.args, tuple):
            record.args = tuple(redact_url_secrets(a) if isinstance(a, str) else a for a in record.args)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record: logging reports it, as it would without us
            return True
        redacted = redact_url_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_url_secrets(logging.Formatter().formatException(record.exc_info))
        return True


def configure_logging(settings: ObservabilitySettings, *, service: str) -> None:
    """Process-wide logging of a service process (called by its uvicorn factory, never by create_app).

    Every line goes through RedactUrlSecrets: a token in a query string never reaches the logs, whether the
    uvicorn access log (if turned on), a library or we wrote the URL.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactUrlSecrets())
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    access = logging.getLogger("uvicorn.access")  # its own filter too: a handler added later still gets redacted lines
    if not any(isinstance(existing, RedactUrlSecrets) for existing in access.filters):
        access.addFilter(RedactUrlSecrets())
