"""Holidays from outside: an iCalendar file (RFC 5545, parsed by `icalendar`) or the `holidays` package."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import holidays as holiday_tables
import icalendar
from dateutil.rrule import rrulestr

from continuum.domain import EARLIEST_BUSINESS_DATE, LATEST_BUSINESS_DATE

from service_svc.domain.business_hours import CalendarInvalid
from service_svc.domain.calendar import holiday
from service_svc.domain.events import Holiday

MAX_EVENTS = 1_000


def ical_holidays(text: bytes, *, recur_until: date | None = None) -> list[Holiday]:
    """Each VEVENT is a holiday: its days from DTSTART up to DTEND (exclusive) or DURATION, in its own zone. A
    recurring one (RRULE, with its EXDATEs left out) is each of its occurrences up to its own end or `recur_until`
    (default: the end of the fifth year after this one), whichever comes first."""
    until = recur_until or date(date.today().year + 5, 12, 31)
    try:
        parsed = icalendar.Calendar.from_ical(text)
    except (ValueError, TypeError, KeyError, IndexError) as error:  # icalendar's parser says it in several ways
        raise CalendarInvalid("body", f"not an iCalendar file: {error}") from None
    events = list(parsed.walk("VEVENT"))
    if not events:
        raise CalendarInvalid("body", "the iCalendar file holds no VEVENT")
    if len(events) > MAX_EVENTS:
        raise CalendarInvalid("body", f"at most {MAX_EVENTS} events in one file")
    found = [day for number, event in enumerate(events, start=1) for day in _event_days(number, event, until)]
    if len(found) > MAX_EVENTS:
        raise CalendarInvalid("body", f"at most {MAX_EVENTS} holidays in one file (its recurring events expand to "
                                      f"{len(found)} up to {until}; set recur_until earlier)")
    return found


def _event_days(number: int, event: icalendar.Event, until: date) -> list[Holiday]:
    try:
        once = _days_of(number, event)
        return [once] if event.get("RRULE") is None else _occurrences(number, event, once, until)
    except CalendarInvalid:
        raise
    except (TypeError, ValueError, AttributeError, OverflowError) as error:  # a value of the wrong kind
        raise CalendarInvalid("body", f"event {number}: its dates cannot be read ({error})") from None


def _occurrences(number: int, event: icalendar.Event, first: Holiday, until: date) -> list[Holiday]:
    """The days of each occurrence of a recurring event, as long as the first, up to `until` (RFC 5545 §3.8.5)."""
    rule = event["RRULE"]
    if isinstance(rule, list):
        raise CalendarInvalid("body", f"event {number}: more than one RRULE")
    recurrence = rrulestr(rule.to_ical().decode(), dtstart=datetime.combine(first.first_day, time()), ignoretz=True)
    excluded = {_day(moment.dt) for exdate in _listed(event.get("EXDATE")) for moment in exdate.dts}
    length, days = first.last_day - first.first_day, []
    for start in recurrence:
        day = start.date()
        if day > until or len(days) > MAX_EVENTS:
            break
        if day not in excluded:
            _require_in_calendar(number, day, day + length)
            days.append(holiday(day, day + length, first.name))
    return days


def _listed(value) -> list:
    return [] if value is None else value if isinstance(value, list) else [value]


def _days_of(number: int, event: icalendar.Event) -> Holiday:
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
