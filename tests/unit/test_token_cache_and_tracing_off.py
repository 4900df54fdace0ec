"""Two per-request savings of issue #7 that must not change what a request is allowed or what it hands on:
the verified-token cache and the no-span path when tracing is off."""

from __future__ import annotations

import jwt
import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from continuum.config import AuthSettings
from continuum.http.auth import TokenVerifier, issue_dev_token
from continuum import observability
from continuum.observability import current_traceparent, parent_context, span


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(tmp_path) -> AuthSettings:
    return AuthSettings(dev_signing_key_path=tmp_path / "key.pem", verified_cache_s=60, verified_cache_size=2)


def counting(verifier: TokenVerifier) -> list[str]:
    """The tokens that reached the signature check."""
    checked: list[str] = []
    verify = verifier._verify

    async def spy(token: str):
        checked.append(token)
        return await verify(token)

    verifier._verify = spy
    return checked


async def test_a_verified_token_is_not_checked_again_until_its_time_is_up(settings):
    clock = Clock()
    verifier = TokenVerifier(settings, clock=clock)
    checked = counting(verifier)
    token = issue_dev_token(settings, subject="ann", roles=["viewer"])
    assert (await verifier.verify(token)).subject == "ann"
    clock.now += 59
    assert (await verifier.verify(token)).subject == "ann"
    assert checked == [token]
    clock.now += 2
    await verifier.verify(token)
    assert checked == [token, token]


async def test_a_token_is_remembered_no_longer_than_it_is_valid(settings):
    clock = Clock()
    verifier = TokenVerifier(settings, clock=clock)
    checked = counting(verifier)
    token = issue_dev_token(settings, subject="ann", roles=["viewer"], ttl_s=5)
    await verifier.verify(token)
    clock.now += 4
    await verifier.verify(token)
    assert checked == [token]
    clock.now += 2  # 6 s on: the cache would keep it 60 s, but the token is valid for 5, so it is checked again
    await verifier.verify(token)
    assert checked == [token, token]


async def test_an_expired_token_is_refused_and_not_remembered(settings):
    verifier = TokenVerifier(settings.model_copy(update={"leeway_s": 0}))
    checked = counting(verifier)
    token = issue_dev_token(settings, subject="ann", roles=["viewer"], ttl_s=-1)
    for _ in range(2):
        with pytest.raises(jwt.ExpiredSignatureError):
            await verifier.verify(token)
    assert checked == [token, token] and not verifier._verified


async def test_a_tampered_token_is_checked_and_refused_even_while_the_original_is_remembered(settings):
    verifier = TokenVerifier(settings)
    token = issue_dev_token(settings, subject="ann", roles=["viewer"])
    await verifier.verify(token)
    header, payload, signature = token.split(".")
    admin = issue_dev_token(settings, subject="ann", roles=["admin"]).split(".")[1]
    with pytest.raises(jwt.InvalidSignatureError):
        await verifier.verify(f"{header}.{admin}.{signature}")


async def test_the_cache_holds_at_most_its_size_dropping_the_oldest(settings):
    verifier = TokenVerifier(settings)
    checked = counting(verifier)
    tokens = [issue_dev_token(settings, subject=name, roles=["viewer"]) for name in ("a", "b", "c")]
    for token in tokens:
        await verifier.verify(token)
    assert len(verifier._verified) == 2
    await verifier.verify(tokens[2])
    await verifier.verify(tokens[0])
    assert checked == [*tokens, tokens[0]]


async def test_a_cache_of_zero_seconds_checks_every_request(settings):
    verifier = TokenVerifier(settings.model_copy(update={"verified_cache_s": 0}))
    checked = counting(verifier)
    token = issue_dev_token(settings, subject="ann", roles=["viewer"])
    await verifier.verify(token)
    await verifier.verify(token)
    assert checked == [token, token]


TRACEPARENTS = [
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
    "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "00-00000000000000000000000000000000-b7ad6b7169203331-01",
    "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
    "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
    "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
    " 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-ff\t",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\n",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g",
    "00-0af7651916cd43dd8448eb211c80319cb7ad6b7169203331-01",
    "garbage",
    "",
    None,
]


@pytest.mark.parametrize("incoming", TRACEPARENTS)
def test_with_tracing_off_a_request_hands_on_what_a_no_op_span_would(incoming, monkeypatch):
    monkeypatch.setattr(observability, "tracing_on", lambda: False)  # another test may have installed a provider
    with trace.NoOpTracer().start_as_current_span("reference", context=parent_context(incoming)):
        expected = current_traceparent()
    with span("request", traceparent=incoming, kind=SpanKind.SERVER) as (current, handed_on):
        assert not current.is_recording()
    assert handed_on == expected
