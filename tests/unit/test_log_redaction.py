"""Issue #14: a token in a query string never reaches a service's logs — uvicorn's access log included."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time

import pytest
import uvicorn

from continuum.observability import ObservabilitySettings, configure_logging, redact_url_secrets
from continuum_dev.testing.plugin import free_port

SECRET = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2ln"


@pytest.fixture
def process_logging():
    """configure_logging changes the process's logging: put it back afterwards (pytest's own handlers too)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    loggers = {name: logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")}
    saved_loggers = {name: (lg.handlers[:], lg.propagate, lg.filters[:], lg.level) for name, lg in loggers.items()}
    for logger in loggers.values():
        logger.setLevel(logging.INFO)  # as `uvicorn --log-level info` leaves them (another test's server may not)
    yield
    root.handlers[:], level = saved
    root.setLevel(level)
    for name, (handlers, propagate, filters, level) in saved_loggers.items():
        loggers[name].handlers[:], loggers[name].propagate, loggers[name].filters[:] = handlers, propagate, filters
        loggers[name].setLevel(level)


@pytest.mark.parametrize("parameter", ["access_token", "token", "id_token", "api_key", "apikey", "key", "secret",
                                       "client_secret", "password", "signature", "X-Amz-Signature", "sig", "code"])
def test_token_like_parameters_are_redacted(parameter):
    redacted = redact_url_secrets(f"GET /counters?limit=5&{parameter}={SECRET}&cursor=abc HTTP/1.1")
    assert SECRET not in redacted
    assert redacted == f"GET /counters?limit=5&{parameter}=[REDACTED]&cursor=abc HTTP/1.1"


@pytest.mark.parametrize("text", ["GET /counters?limit=5&cursor=abc", "monkey=1", "/kpis/portfolio", "a=b"])
def test_other_parameters_are_left_alone(text):
    assert redact_url_secrets(text) == text


@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_no_log_line_carries_a_query_token(process_logging, capfd, log_format):
    configure_logging(ObservabilitySettings(log_format=log_format), service="test-svc")
    access = logging.getLogger("uvicorn.access")
    access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/counters?access_token={SECRET}", "1.1", 200)
    logging.getLogger("httpx").warning("HTTP Request: GET https://idp.example.com/keys?api_key=%s", SECRET)
    try:
        raise ValueError(f"cannot fetch https://hooks.example.com/in?signature={SECRET}")
    except ValueError:
        logging.getLogger("continuum.webhooks").exception("delivery failed")
    lines = capfd.readouterr().err.strip().splitlines()
    assert SECRET not in "\n".join(lines)
    assert "access_token=[REDACTED]" in lines[0] and "api_key=[REDACTED]" in lines[1]
    if log_format == "json":
        assert json.loads(lines[0])["message"].startswith('127.0.0.1:5000 - "GET /counters?access_token=')


def test_the_uvicorn_access_log_of_a_real_request_is_redacted(process_logging, capfd):
    async def app(scope, receive, send):
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", access_log=True)
    configure_logging(ObservabilitySettings(), service="test-svc")  # as a service's factory does, after uvicorn's
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(f"GET /events?access_token={SECRET}&limit=2 HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            assert connection.recv(1024).startswith(b"HTTP/1.1 204")
        time.sleep(0.1)
    finally:
        server.should_exit = True
        thread.join(10)
    err = capfd.readouterr().err
    assert "GET /events?access_token=[REDACTED]&limit=2" in err and SECRET not in err
