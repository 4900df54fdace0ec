"""The platform's business-time rule and the calendar every API date is held to (docs/business-time.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import singledispatchmethod
from types import SimpleNamespace
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from continuum.domain import (EARLIEST_BUSINESS_TIME, FUTURE_SKEW, LATEST_BUSINESS_TIME, Aggregate,
                              BusinessTimeRefused, DomainEvent, require_business_time)
from continuum.eventstore.store import ConcurrencyError
from continuum.eventstore.uow import _check_business_time, hold_to_business_time
from continuum.http.dates import BusinessDate, BusinessDateTime, OccurredAt, UtcDateTime
from continuum.http.history import AsOf
from continuum.kafka.cloudevents import decode, encode_headers

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
any_time = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets)


def broken_rule(at: datetime, *, last: datetime | None, now: datetime = NOW) -> str | None:
    try:
        require_business_time(at, last=last, now=now)
    except BusinessTimeRefused as refused:
        assert refused.field == "occurred_at" and "occurred_at" in refused.detail
        return refused.rule
    return None


@given(at=any_time, last=st.none() | any_time)
def test_a_business_time_is_accepted_exactly_when_in_the_calendar_in_order_and_not_ahead(at, last):
    expected = ("business-time-in-calendar" if not EARLIEST_BUSINESS_TIME <= at <= LATEST_BUSINESS_TIME
                else "time-in-order" if last is not None and at < last
                else "business-time-not-in-future" if at > NOW + FUTURE_SKEW
                else None)
    assert broken_rule(at, last=last) == expected


@given(skew=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3650)))
def test_up_to_the_skew_ahead_of_now_is_accepted_and_beyond_it_refused(skew):
    rule = broken_rule(NOW + skew, last=NOW)
    assert rule == (None if skew <= FUTURE_SKEW else "business-time-not-in-future")


@pytest.mark.parametrize("at", [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
                                datetime(9999, 1, 1, tzinfo=UTC), datetime(1899, 12, 31, 23, 59, tzinfo=UTC),
                                datetime(2999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))])
def test_what_postgresql_would_store_as_infinity_or_later_windows_cannot_hold_is_out_of_the_calendar(at):
    assert broken_rule(at, last=None, now=datetime(9999, 12, 31, tzinfo=UTC)) == "business-time-in-calendar"


@pytest.mark.parametrize("value", ["0.5", "1700000000", 1700000000, 0.5, "now", "20260301T090000Z"])
def test_only_rfc_3339_text_is_a_business_time_never_a_unix_time(value):
    """pydantic alone reads `?as_of=0.5` as 1970-01-01T00:00:00.5Z (found by schemathesis' negative checks)."""
    with pytest.raises(ValidationError):
        TypeAdapter(BusinessDateTime).validate_python(value)
    assert TypeAdapter(BusinessDateTime).validate_python("2026-03-01T09:00:00Z") == datetime(2026, 3, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize("value", ["20260301", 20260301, "2026-03-01T00:00:00Z", "1.5"])
def test_only_an_iso_date_is_a_business_date(value):
    with pytest.raises(ValidationError):
        TypeAdapter(BusinessDate).validate_python(value)
    assert TypeAdapter(BusinessDate).validate_python("2026-03-01") == date(2026, 3, 1)


def test_a_naive_business_time_is_refused():
    assert broken_rule(datetime(2026, 1, 1), last=None) == "business-time-aware"


@dataclass(frozen=True)
class Noted(DomainEvent):
    text: str


class Note(Aggregate):
    stream_type = "Note"

    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError

    @apply.register
    def _(self, event: Noted) -> None:
        self.text = event.text

    def write(self, text: str, *, at: datetime) -> None:
        self._record(Noted(text), at=at)


def test_no_event_is_recorded_outside_the_calendar_whatever_the_path():
    note = Note(uuid4())
    with pytest.raises(BusinessTimeRefused) as refused:
        note.write("ancient", at=datetime(1, 1, 1, tzinfo=UTC))
    assert refused.value.rule == "business-time-in-calendar" and note.pending == []
    note.write("fine", at=NOW)
    assert [p.occurred_at for p in note.pending] == [NOW]


def test_a_loaded_aggregate_knows_its_latest_business_time_even_when_its_events_are_not_in_order():
    note = Note(uuid4())
    for version, at in enumerate([NOW, NOW + timedelta(hours=2), NOW + timedelta(hours=1)], start=1):
        note.replay(Noted("x"), version=version, occurred_at=at)
    assert note.last_occurred_at == NOW + timedelta(hours=2)


@pytest.mark.parametrize("stamped_now, last_ahead, outcome", [
    (True, timedelta(milliseconds=2), ConcurrencyError),  # a concurrent request stamped later committed first
    (True, timedelta(hours=1), BusinessTimeRefused),  # the aggregate's last time is still ahead: a retry won't do
    (False, timedelta(milliseconds=2), BusinessTimeRefused)])  # the caller's own occurred_at is out of order
def test_a_server_stamped_time_behind_a_concurrent_commit_is_a_conflict_not_a_refusal(stamped_now, last_ahead,
                                                                                     outcome):
    now = datetime.now(UTC)
    stamped = now - timedelta(milliseconds=5)
    note = Note(uuid4())
    note.replay(Noted("first"), version=1, occurred_at=stamped + last_ahead)
    hold_to_business_time(stamped, stamped_now=stamped_now)
    note.write("second", at=stamped)
    with pytest.raises(outcome) as raised:
        _check_business_time(target=note, changed=[note])
    assert outcome is ConcurrencyError or raised.value.rule == "time-in-order"


class Body(BaseModel):
    occurred_at: OccurredAt
    on: BusinessDate | None = None
    at: BusinessDateTime | None = None


@pytest.mark.parametrize("field, value", [
    ("occurred_at", "0001-01-01T00:00:00Z"), ("occurred_at", "9999-12-31T00:00:00Z"),
    ("occurred_at", "9999-01-01T00:00:00Z"), ("occurred_at", "2026-01-01T00:00:00"),
    ("on", "0001-01-01"), ("on", "9999-12-31"), ("on", "1899-12-31"), ("at", "3000-01-01T00:00:00Z"),
])
def test_dates_outside_the_calendar_and_naive_date_times_are_invalid_input(field, value):
    with pytest.raises(ValidationError) as invalid:
        Body.model_validate({field: value})
    assert invalid.value.errors()[0]["loc"] == (field,)


def test_dates_at_the_edges_of_the_calendar_are_valid():
    body = Body.model_validate({"on": "1900-01-01", "at": "2999-12-31T23:59:59.999999Z"})
    assert body.on == date(1900, 1, 1) and body.occurred_at is None
    assert TypeAdapter(AsOf).validate_python("2999-12-31T23:59:59Z").year == 2999
    with pytest.raises(ValidationError):
        TypeAdapter(AsOf).validate_python("9000-01-01T00:00:00Z")


def test_the_calendar_is_in_the_openapi_schema():
    schema = Body.model_json_schema()["properties"]
    on = schema["on"]["anyOf"][0]
    assert on["format"] == "date" and (on["formatMinimum"], on["formatMaximum"]) == ("1900-01-01", "2999-12-31")
    assert "1900-01-01 to 2999-12-31" in schema["occurred_at"]["description"]
    assert schema["occurred_at"]["anyOf"][0]["format"] == "date-time"


class Answer(BaseModel):
    at: UtcDateTime


def test_answers_are_timezone_aware_even_for_what_postgresql_reads_back_as_naive_infinity():
    assert Answer(at=datetime.max).model_dump_json() == '{"at":"9999-12-31T23:59:59.999999Z"}'
    assert Answer(at=NOW).at == NOW


def test_ce_time_carries_an_offset_even_for_a_naive_stored_time():
    stored = SimpleNamespace(event_id=uuid4(), stream_id=uuid4(), event_type="Noted", schema_version=1, version=1,
                             occurred_at=datetime.max, metadata={})
    headers = encode_headers(stored, context="note", source="/continuum/note-svc")
    time = dict(headers)["ce_time"].decode()
    assert datetime.fromisoformat(time).tzinfo is not None
    assert decode(headers, b"{}").time.tzinfo is not None
