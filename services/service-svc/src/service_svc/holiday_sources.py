"""Holidays from outside: an iCalendar file (RFC 5545, parsed by `icalendar`) or the `holidays` package."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays as holiday_tables
import icalendar

from continuum.domain import EARLIEST_BUSINESS_DATE, LATEST_BUSINESS_DATE

from service_svc.domain.business_hours import CalendarInvalid
from service_svc.domain.calendar import holiday
from service_svc.domain.events import Holiday

MAX_EVENTS = 1_000


def ical_holidays(text: bytes) -> list[Holiday]:
    """Each VEVENT is a holiday: its days from DTSTART up to DTEND (exclusive) or DURATION, in its own zone."""
    try:
        parsed = icalendar.Calendar.from_ical(text)
    except (ValueError, TypeError, KeyError, IndexError) as error:  # icalendar's parser says it in several ways
        raise CalendarInvalid("body", f"not an iCalendar file: {error}") from None
    events = list(parsed.walk("VEVENT"))
    if not events:
        raise CalendarInvalid("body", "the iCalendar file holds no VEVENT")
    if len(events) > MAX_EVENTS:
        raise CalendarInvalid("body", f"at most {MAX_EVENTS} events in one file")
    return [_event_days(number, event) for number, event in enumerate(events, start=1)]


def _event_days(number: int, event: icalendar.Event) -> Holiday:
    try:
        return _days_of(number, event)
    except CalendarInvalid:
        raise
    except (TypeError, ValueError, AttributeError, OverflowError) as error:  # a value of the wrong kind
        raise CalendarInvalid("body", f"event {number}: its dates cannot be read ({error})") from None


def _days_of(number: int, event: icalendar.Event) -> Holiday:
    if event.get("RRULE") is not None:
        raise CalendarInvalid("body", f"event {number}: recurring events (RRULE) are not expanded; "
                                      "list each occurrence as its own event")
    start = event.get("DTSTART")
    if start is None:
        raise CalendarInvalid("body", f"event {number} has no DTSTART")
    first = _day(start.dt)
    end = event.get("DTEND")
    if end is not None:
        last = _last_day(end.dt, first)
    elif event.get("DURATION") is not None:
        last = _last_day(start.dt + event.get("DURATION").dt, first)
    else:
        last = first  # RFC 5545: a date without an end is that one day
    _require_in_calendar(number, first, last)
    return holiday(first, last, str(event.get("SUMMARY", ""))[:200])


def _day(moment: date | datetime) -> date:
    if isinstance(moment, datetime):
        return moment.date()
    if isinstance(moment, date):
        return moment
    raise TypeError(f"{moment!r} is not a date or date-time")


def _last_day(end: date | datetime, first: date) -> date:
    """DTEND is exclusive: an all-day event ends the day before; a timed one on the day it ends (unless midnight)."""
    if isinstance(end, datetime):
        last = (end - timedelta(microseconds=1)).date()
    else:
        last = _day(end) - timedelta(days=1)
    if last < first - timedelta(days=1):
        raise CalendarInvalid("body", f"an event ends ({end}) before it starts ({first})")
    return max(last, first)


def _require_in_calendar(number: int, first: date, last: date) -> None:
    if first < EARLIEST_BUSINESS_DATE or last > LATEST_BUSINESS_DATE:
        raise CalendarInvalid("body", f"event {number} ({first} to {last}) is not within {EARLIEST_BUSINESS_DATE} "
                                      f"to {LATEST_BUSINESS_DATE}")


def public_holidays(country: str, subdivision: str | None, years: list[int]) -> list[Holiday]:
    """The public holidays of a country (and subdivision) in those years, from the `holidays` package."""
    try:
        table = holiday_tables.country_holidays(country, subdiv=subdivision, years=sorted(set(years)))
    except NotImplementedError as error:
        field = "subdivision" if subdivision is not None and "subdivision" in str(error) else "country"
        raise CalendarInvalid(field, str(error)) from None
    found = [holiday(day, day, str(name)[:200]) for day, name in sorted(table.items())]
    if not found:
        raise CalendarInvalid("years", f"the holidays package knows no public holidays of {country} in "
                                       f"{', '.join(str(year) for year in sorted(set(years)))}")
    return found
