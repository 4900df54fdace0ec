"""Pure HTTP helpers: cursors, If-Match, database URL derivation, settings guards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from continuum.config import DatabaseSettings, ServiceSettings
from continuum.http.conditional import check_version, parse_if_match
from continuum.http.pagination import decode_cursor, encode_cursor
from continuum.http.problems import ProblemError


@given(st.dictionaries(st.text(max_size=10), st.one_of(st.integers(0, 2**63 - 1), st.text(max_size=200)), max_size=4))
def test_a_cursor_holds_its_position(position):
    assert decode_cursor(encode_cursor(position)) == position


@pytest.mark.parametrize("cursor", ["!!!", "bm90IGpzb24", "WzEsMl0",  # junk, "not json", "[1,2]"
                                    encode_cursor({"after": 2**63}), encode_cursor({"after": -1}),
                                    encode_cursor({"after": True}), encode_cursor({"after": [1]})])
def test_a_foreign_cursor_is_a_422(cursor):
    with pytest.raises(ProblemError) as raised:
        decode_cursor(cursor)
    assert raised.value.status == 422


@pytest.mark.parametrize(("header", "version"), [(None, None), ("*", None), ('"4"', 4), ('W/"4"', 4), ("4", 4)])
def test_if_match_names_a_version(header, version):
    assert parse_if_match(header) == version


@pytest.mark.parametrize("header", ['"²"', '"' + "9" * 5000 + '"', '"-1"', '""'])
def test_if_match_that_is_no_version_number_is_a_412(header):
    with pytest.raises(ProblemError) as raised:
        parse_if_match(header)
    assert raised.value.status == 412


def test_if_match_without_a_version_or_with_a_stale_one_is_a_412():
    with pytest.raises(ProblemError) as no_version:
        parse_if_match('"abc"')
    with pytest.raises(ProblemError) as stale:
        check_version(3, 4)
    assert no_version.value.status == stale.value.status == 412
    check_version(4, 4)
    check_version(None, 4)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@db:5432/", "postgresql+asyncpg://u:p@db:5432/continuum_project"),
        ("postgresql+asyncpg://u@db/postgres", "postgresql+asyncpg://u@db/continuum_project"),
        ("postgresql+asyncpg://u@db/projects", "postgresql+asyncpg://u@db/projects"),
    ],
)
def test_a_server_url_derives_the_service_database(url, expected):
    assert DatabaseSettings(url=url).url_for("continuum_project") == expected


def test_the_development_signing_key_is_refused_in_production():
    with pytest.raises(ValidationError, match="JWKS_URL is required"):
        ServiceSettings(environment="production")
    assert ServiceSettings(environment="production", auth={"jwks_url": "https://idp.example/jwks"})


def test_well_known_variables_override_the_nested_settings(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@h/")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092")
    settings = ServiceSettings()
    assert settings.database.url == "postgresql://x@h/" and settings.kafka.bootstrap_servers == "k1:9092,k2:9092"
