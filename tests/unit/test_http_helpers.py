"""Pure HTTP helpers: cursors, If-Match, database URL derivation, settings guards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from continuum.config import DatabaseSettings, ServiceSettings
from continuum.http.conditional import none_match, parse_if_match
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


@pytest.mark.parametrize(("header", "versions"), [(None, None), ("*", None), ('"4"', {4}), (' "4" ', {4}),
                                                  ('"3", "4"', {3, 4}), ('"3",W/"5", "x"', {3})])
def test_if_match_names_the_versions_it_accepts(header, versions):
    assert parse_if_match(header) == (None if versions is None else frozenset(versions))


@pytest.mark.parametrize("header", ['W/"4"', '"²"', '"' + "9" * 5000 + '"', '"-1"', '""', '"abc"', 'W/"1", W/"2"'])
def test_if_match_that_can_match_no_version_is_a_412(header):
    """RFC 9110 §13.1.1: If-Match uses the strong comparison, so a weak tag never matches."""
    with pytest.raises(ProblemError) as raised:
        parse_if_match(header)
    assert raised.value.status == 412


@pytest.mark.parametrize("header", ["4", '"4', '"4" "5"', '"4",,', "W/4"])
def test_if_match_that_is_no_list_of_entity_tags_is_a_422_naming_the_header(header):
    with pytest.raises(ProblemError) as raised:
        parse_if_match(header)
    assert raised.value.status == 422 and raised.value.extra["errors"][0]["field"] == "header.If-Match"


@pytest.mark.parametrize(("header", "current", "matches"), [
    ('"4"', '"4"', True), ('W/"4"', '"4"', True), ('"3", "4"', '"4"', True), ("*", '"9"', True),
    ('"3"', '"4"', False), ("junk", '"4"', False), ('"40"', '"4"', False)])
def test_if_none_match_uses_the_weak_comparison(header, current, matches):
    assert none_match(header, current) is matches


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
