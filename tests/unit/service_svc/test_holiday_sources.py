"""Holidays from an iCalendar file and from the `holidays` package; what cannot be read names the field."""

from __future__ import annotations

from datetime import date

import pytest

from service_svc.domain.business_hours import CalendarInvalid
from service_svc.holiday_sources import ical_holidays, public_holidays


def ics(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\nUID:{n}\r\n{event}END:VEVENT\r\n" for n, event in enumerate(events))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n{body}END:VCALENDAR\r\n".encode()


def test_all_day_and_timed_events_become_holidays():
    found = ical_holidays(ics("DTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas\r\n",
                              "DTSTART;VALUE=DATE:20261231\r\nSUMMARY:Eve\r\n",
                              "DTSTART;TZID=Europe/Berlin:20260501T000000\r\nDURATION:P1D\r\n"))
    assert [(h.first_day, h.last_day, h.name) for h in found] == [
        (date(2026, 12, 24), date(2026, 12, 26), "Christmas"), (date(2026, 12, 31), date(2026, 12, 31), "Eve"),
        (date(2026, 5, 1), date(2026, 5, 1), "")]


@pytest.mark.parametrize("text", [
    b"", b"not a calendar", ics("DTSTART;VALUE=DATE:18991231\r\n"), ics("SUMMARY:no start\r\n"),
    ics("DTSTART;VALUE=DATE:20260101\r\nRRULE:FREQ=SOMETIMES\r\n"), ics("DTSTART:T120000\r\n"),
    ics("DTSTART;VALUE=DATE:20260101\r\nRRULE:FREQ=DAILY\r\n"),  # thousands of days: more than one file holds
    ics("DTSTART;VALUE=DATE:20260102\r\nDTEND;VALUE=DATE:20250101\r\n"),
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
])
def test_a_file_that_cannot_be_read_is_refused_naming_the_body(text):
    with pytest.raises(CalendarInvalid) as refused:
        ical_holidays(text)
    assert refused.value.field == "body"


def test_a_recurring_event_is_each_of_its_occurrences_less_its_exceptions_up_to_its_end_or_the_bound():
    found = ical_holidays(ics(
        "DTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Christmas\r\n",
        "DTSTART;VALUE=DATE:20260501\r\nRRULE:FREQ=YEARLY;COUNT=3\r\nEXDATE;VALUE=DATE:20270501\r\n"
        "SUMMARY:May Day\r\n",
        "DTSTART;TZID=Europe/Berlin:20260106T000000\r\nDURATION:P1D\r\nRRULE:FREQ=YEARLY;UNTIL=20270106T000000Z\r\n",
        "DTSTART;VALUE=DATE:20261001\r\nSUMMARY:once\r\n"), recur_until=date(2028, 12, 31))
    assert [(h.first_day, h.last_day, h.name) for h in found] == [
        (date(2026, 12, 24), date(2026, 12, 26), "Christmas"), (date(2027, 12, 24), date(2027, 12, 26), "Christmas"),
        (date(2028, 12, 24), date(2028, 12, 26), "Christmas"),
        (date(2026, 5, 1), date(2026, 5, 1), "May Day"), (date(2028, 5, 1), date(2028, 5, 1), "May Day"),
        (date(2026, 1, 6), date(2026, 1, 6), ""), (date(2027, 1, 6), date(2027, 1, 6), ""),
        (date(2026, 10, 1), date(2026, 10, 1), "once")]


def test_public_holidays_of_a_country_and_its_subdivision():
    berlin = public_holidays("DE", "BE", [2026])
    assert (date(2026, 3, 8), "Women's Day") in [(h.first_day, h.name) for h in berlin]
    assert len(public_holidays("DE", None, [2026])) < len(berlin)
    for country, subdivision, years, field in [("ZZ", None, [2026], "country"), ("DE", "ZZ", [2026], "subdivision"),
                                               ("DE", None, [2999], "years")]:
        with pytest.raises(CalendarInvalid) as refused:
            public_holidays(country, subdivision, years)
        assert refused.value.field == field
