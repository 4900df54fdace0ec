"""Issue #14's token findings: a validly signed token with odd claims is a 401 problem (never a 500), the problem
never carries pyjwt's text, and `continuum token` signs with the project's key wherever it is run from."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI

from continuum import cli
from continuum.config import AuthSettings
from continuum.http.auth import DEV_KEY_ID, Principal, TokenVerifier, authenticate, dev_private_key
from continuum.http.problems import install_problem_handlers

PROBLEM = "application/problem+json"


@pytest.fixture
def settings(tmp_path) -> AuthSettings:
    return AuthSettings(dev_signing_key_path=tmp_path / "key.pem")


@pytest.fixture
async def client(settings):
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = TokenVerifier(settings)

    @app.get("/me")
    async def me(principal: Principal = Depends(authenticate)) -> dict:
        return {"subject": principal.subject, "roles": sorted(principal.roles)}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def signed(settings: AuthSettings, **overrides) -> str:
    """A token signed with the development key: valid claims, with `overrides` (None removes a claim)."""
    claims = {"sub": "ann", "roles": ["viewer"], "aud": settings.audience, "iss": settings.issuer,
              "iat": int(time.time()), "exp": int(time.time()) + 300, **overrides}
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.PyJWS().encode(json.dumps(claims).encode(), dev_private_key(settings.dev_signing_key_path),
                              algorithm="RS256", headers={"kid": DEV_KEY_ID})  # as signed, unchecked by pyjwt


async def me(client, token: str) -> httpx.Response:
    return await client.get("/me", headers={"Authorization": f"Bearer {token}"})


async def test_a_well_formed_token_is_accepted(client, settings):
    response = await me(client, signed(settings, roles=["sponsor", "no-such-role"]))
    assert response.status_code == 200 and response.json() == {"subject": "ann", "roles": ["sponsor"]}


ODD_CLAIMS = {
    "a huge exp": {"exp": 10**400},
    "an exp past year 9999": {"exp": 253_402_300_800},
    "a string exp": {"exp": str(int(time.time()) + 300)},
    "a boolean exp": {"exp": True},
    "an infinite exp": {"exp": float("inf")},
    "a string iat": {"iat": "yesterday"},
    "a huge nbf": {"nbf": -(10**400)},
    "nested roles": {"roles": [["admin"]]},
    "a string for roles": {"roles": "admin"},
    "an object for roles": {"roles": {"admin": True}},
    "a number among roles": {"roles": ["viewer", 7]},
    "a null among roles": {"roles": [None]},
    "an empty sub": {"sub": ""},
    "a numeric sub": {"sub": 42},
    "a list sub": {"sub": ["ann"]},
    "a sub with a NUL": {"sub": "ann\x00"},
    "a sub of 10 000 characters": {"sub": "a" * 10_000},
    "no sub": {"sub": None},
    "no exp": {"exp": None},
    "no iss": {"iss": None},
    "another iss": {"iss": "https://evil.example.com/"},
    "a list iss": {"iss": ["continuum-dev"]},
    "another aud": {"aud": "someone-else"},
    "a numeric aud": {"aud": 5},
}


@pytest.mark.parametrize("overrides", ODD_CLAIMS.values(), ids=ODD_CLAIMS.keys())
async def test_a_signed_token_with_an_odd_claim_is_a_401_problem(client, settings, overrides):
    response = await me(client, signed(settings, **overrides))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def forged_header(header: str, payload: dict) -> str:
    """A token with a header pyjwt reads before any signature check; the signature is garbage."""
    encode = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    return f"{encode(header.encode())}.{encode(json.dumps(payload).encode())}.{encode(b'sig')}"


@pytest.mark.parametrize("header", ['{"alg": "RS256", "x": ' + "[" * 5000 + "]" * 5000 + "}",
                                    '{"alg": "RS256", "kid": 1e400}', "[]", '"RS256"', "{\"alg\": null}"])
async def test_a_malformed_header_is_a_401_problem(client, header):
    response = await me(client, forged_header(header, {"sub": "ann"}))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM


LIBRARY_TEXTS = ("Signature", "Expiration Time", "Invalid payload", "Not enough segments", "must be a string",
                 "Invalid header", "Audience", "Issuer", "Token is missing")


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "eyJhbGciOiJub25lIn0.e30."])
async def test_the_problem_says_why_in_its_own_words(client, settings, token):
    response = await me(client, token)
    detail = response.json()["detail"]
    assert response.status_code == 401 and not any(text in detail for text in LIBRARY_TEXTS), detail


async def test_each_refusal_has_a_fixed_clear_detail(client, settings):
    expired = (await me(client, signed(settings, exp=int(time.time()) - 3600))).json()["detail"]
    stranger = (await me(client, signed(settings, iss="https://evil.example.com/"))).json()["detail"]
    huge = (await me(client, signed(settings, exp=10**400))).json()["detail"]
    assert expired == "the token has expired"
    assert stranger == "the token was not issued by the accepted issuer (iss)"
    assert huge.endswith("(exp)") and "10000" not in huge


async def test_a_refused_claim_is_never_remembered(settings):
    verifier = TokenVerifier(settings)
    token = signed(settings, exp=10**400)
    with pytest.raises(jwt.InvalidTokenError):
        await verifier.verify(token)
    assert not verifier._verified


# `continuum token` outside the repository root


def project(root: Path) -> Path:
    """A Continuum checkout as the token command recognises one."""
    (root / "shared" / "src" / "continuum").mkdir(parents=True)
    (root / "Makefile").write_text("run:\n")
    return root


async def test_the_token_command_signs_with_the_projects_key_from_a_subdirectory(tmp_path, monkeypatch, capsys):
    root = project(tmp_path / "continuum")
    key = root / ".run" / "dev-signing-key.pem"
    dev_private_key(key)  # made by `make run`
    (root / "services" / "project-svc").mkdir(parents=True)
    monkeypatch.chdir(root / "services" / "project-svc")
    monkeypatch.delenv("AUTH__DEV_SIGNING_KEY_PATH", raising=False)
    assert cli.main(["token", "--role", "viewer", "--subject", "bob"]) == 0
    token = capsys.readouterr().out.strip()
    principal = await TokenVerifier(AuthSettings(dev_signing_key_path=key)).verify(token)
    assert principal.subject == "bob"
    assert not (root / "services" / "project-svc" / ".run").exists()


async def test_the_token_command_finds_the_checkout_it_is_installed_from(tmp_path, monkeypatch, capsys):
    root = project(tmp_path / "continuum")
    key = root / ".run" / "dev-signing-key.pem"
    dev_private_key(key)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("AUTH__DEV_SIGNING_KEY_PATH", raising=False)
    monkeypatch.setattr(cli, "_package_checkout", lambda: root)
    assert cli.main(["token", "--role", "viewer"]) == 0
    await TokenVerifier(AuthSettings(dev_signing_key_path=key)).verify(capsys.readouterr().out.strip())
    assert not (elsewhere / ".run").exists()


def test_the_token_command_says_it_cannot_find_the_key_instead_of_making_one(tmp_path, monkeypatch, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("AUTH__DEV_SIGNING_KEY_PATH", raising=False)
    monkeypatch.setattr(cli, "_package_checkout", lambda: tmp_path / "not-a-checkout")
    assert cli.main(["token", "--role", "viewer"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "AUTH__DEV_SIGNING_KEY_PATH" in captured.err
    assert "signing key" in captured.err
    assert not (elsewhere / ".run").exists()
