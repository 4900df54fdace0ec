"""Routes of /calendars: business hours (zone, week, holidays) that SLA targets are counted on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from continuum.http.auth import Role
from continuum.http.commands import Caller, allowed, business_time, readable
from continuum.http.conditional import IfMatch
from continuum.http.dates import BusinessDate, BusinessDateTime
from continuum.http.history import AsOf, History, HistoryLimit
from continuum.http.pagination import Cursor, Limit, Page
from continuum.http.problems import ProblemError
from continuum.http.routes import handled, history_of, listed, read_one, with_routes

from service_svc import holiday_sources
from service_svc.api import calendar_schemas as cs
from service_svc.api import schemas as s
from service_svc.api.calendar_views import CalendarSummary, CalendarView, HolidaysAdded
from service_svc.api.common import acting_owner
from service_svc.domain import commands as c
from service_svc.domain.business_hours import CalendarInvalid
from service_svc.domain.calendar import Calendar

OWNERS = (Role.service_owner, Role.integration)
OWNER_NOTE = ("\n\nOwnership: only the calendar's owner (403 `decided-by-the-calendars-owner` for another service "
              "owner); admin and integration act on any calendar. Unclosed incidents whose SLA counts on the "
              "calendar take the new revision from its effective time on; time already counted stays.")
ICAL_BODY = {"requestBody": {"required": True, "content": {"text/calendar": {"schema": {"type": "string"}, "example": (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//example//EN\r\nBEGIN:VEVENT\r\nUID:xmas-2026\r\n"
    "DTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n")}}}}


def _invalid(invalid: CalendarInvalid) -> ProblemError:
    return ProblemError(422, "validation", "Invalid request", invalid.message, errors=cs.as_problem_errors(invalid))


def _parsed(source: Callable[[], Any]) -> Any:
    try:
        return source()
    except CalendarInvalid as invalid:
        raise _invalid(invalid) from None


async def _holidays_added(request: Request, response: Response, command: c.AddHolidays,
                          if_match: str | None) -> HolidaysAdded:
    calendar, added = await handled(request, response, command, if_match=if_match)
    return HolidaysAdded(calendar=CalendarView.of(calendar), added=added)


async def _ical_text(request: Request) -> bytes:
    """The body of an iCalendar upload; 415 unless it is sent as `text/calendar`."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "text/calendar":
        raise ProblemError(415, "unsupported-media-type", "Unsupported Media Type",
                           f"send the file as text/calendar, not {media_type or 'nothing'}")
    return await request.body()


def calendars_router() -> APIRouter:
    return with_routes(APIRouter(prefix="/calendars", tags=["calendars"]), _revision_routes, _holiday_routes,
                       _deletion_routes, _read_routes)


def _revision_routes(router: APIRouter) -> None:
    @router.post("", status_code=201, **allowed(*OWNERS), description=(
        "Create a calendar: an IANA time zone, working intervals per weekday and holidays. A service owner "
        "creates it for themselves (403 `decided-by-the-calendars-owner` for naming another owner)."))
    async def create(body: cs.CreateCalendarBody, caller: Caller, request: Request,
                     response: Response) -> CalendarView:
        command = c.CreateCalendar(name=body.name, owner=body.owner, time_zone=body.time_zone, week=body.week.minutes(),
                                   holidays=[h.holiday() for h in body.holidays],
                                   at=business_time(caller, body.occurred_at), acting_owner=acting_owner(caller))
        return CalendarView.of(await handled(request, response, command, created_in="/calendars"))

    @router.post("/{calendar_id}/revise", **allowed(*OWNERS), description=(
        "A new revision (zone, week, holidays as a whole), in force from `effective_from` (not before now)."
        + OWNER_NOTE))
    async def revise(calendar_id: UUID, body: cs.ReviseCalendarBody, caller: Caller, request: Request,
                     response: Response, if_match: IfMatch = None) -> CalendarView:
        command = c.ReviseCalendar(calendar_id=calendar_id, time_zone=body.time_zone, week=body.week.minutes(),
                                   holidays=[h.holiday() for h in body.holidays], effective_from=body.effective_from,
                                   reason=body.reason, at=business_time(caller, body.occurred_at),
                                   acting_owner=acting_owner(caller))
        return CalendarView.of(await handled(request, response, command, if_match=if_match))


def _holiday_routes(router: APIRouter) -> None:
    @router.post("/{calendar_id}/holidays", **allowed(*OWNERS),
                 description="Add holidays (dates or ranges) in a new revision." + OWNER_NOTE)
    async def add_holidays(calendar_id: UUID, body: cs.AddHolidaysBody, caller: Caller, request: Request,
                           response: Response, if_match: IfMatch = None) -> HolidaysAdded:
        command = c.AddHolidays(calendar_id=calendar_id, holidays=[h.holiday() for h in body.holidays],
                                effective_from=body.effective_from, reason=body.reason,
                                at=business_time(caller, body.occurred_at), acting_owner=acting_owner(caller))
        return await _holidays_added(request, response, command, if_match)

    ical_options = allowed(*OWNERS, errors=(401, 403, 404, 409, 412, 415, 422))
    ical_options["openapi_extra"] = {**ical_options["openapi_extra"], **ICAL_BODY}

    @router.post("/{calendar_id}/holidays/ical", **ical_options, description=(
                     "Add the events of an iCalendar file (`Content-Type: text/calendar`) as holidays, each from "
                     "DTSTART up to DTEND (exclusive), a recurring event (RRULE, less its EXDATEs) each occurrence "
                     "up to `recur_until`; a file that does not parse is a 422 naming `body`."
                     + OWNER_NOTE))
    async def import_ical(calendar_id: UUID, caller: Caller, request: Request, response: Response,
                          effective_from: Annotated[BusinessDateTime | None, Query()] = None,
                          reason: Annotated[str, Query(min_length=1, max_length=2000)] = "holidays imported",
                          recur_until: Annotated[BusinessDate | None, Query(description=(
                              "The last day a recurring event's occurrences are added for (default: 31 December "
                              "of the fifth year after this one)."))] = None,
                          if_match: IfMatch = None) -> HolidaysAdded:
        text = await _ical_text(request)
        holidays = _parsed(lambda: holiday_sources.ical_holidays(text, recur_until=recur_until))
        command = c.AddHolidays(calendar_id=calendar_id, holidays=holidays, effective_from=effective_from,
                                reason=reason, at=business_time(caller, None), acting_owner=acting_owner(caller))
        return await _holidays_added(request, response, command, if_match)

    @router.post("/{calendar_id}/holidays/generate", **allowed(*OWNERS), description=(
        "Add a country's public holidays for some years (from the `holidays` package); an unknown country or "
        "subdivision is a 422 naming the field." + OWNER_NOTE))
    async def generate_holidays(calendar_id: UUID, body: cs.GenerateHolidaysBody, caller: Caller, request: Request,
                                response: Response, if_match: IfMatch = None) -> HolidaysAdded:
        holidays = _parsed(lambda: holiday_sources.public_holidays(body.country, body.subdivision, body.years))
        command = c.AddHolidays(calendar_id=calendar_id, holidays=holidays, effective_from=body.effective_from,
                                reason=body.reason, at=business_time(caller, body.occurred_at),
                                acting_owner=acting_owner(caller))
        return await _holidays_added(request, response, command, if_match)


def _deletion_routes(router: APIRouter) -> None:
    @router.post("/{calendar_id}/delete", **allowed(*OWNERS), description=(
        "Delete a calendar no SLA counts on (409 `calendar-not-in-use` naming the services otherwise)."
        + OWNER_NOTE))
    async def delete(calendar_id: UUID, body: s.ReasonBody, caller: Caller, request: Request, response: Response,
                     if_match: IfMatch = None) -> CalendarView:
        command = c.DeleteCalendar(calendar_id=calendar_id, reason=body.reason,
                                   at=business_time(caller, body.occurred_at), acting_owner=acting_owner(caller))
        return CalendarView.of(await handled(request, response, command, if_match=if_match))


def _read_routes(router: APIRouter) -> None:
    @router.get("", **readable())
    async def list_(request: Request, limit: Limit = 50, cursor: Cursor = None, owner: str | None = None,
                    time_zone: str | None = None, deleted: bool | None = None) -> Page[CalendarSummary]:
        filters = {"owner": owner, "time_zone": time_zone, "deleted": deleted}
        items, next_cursor = await listed(request, Calendar, filters, limit, cursor)
        return Page[CalendarSummary](items=items, next_cursor=next_cursor)

    @router.get("/24x7", **readable())
    async def built_in() -> CalendarView:
        """The built-in calendar: every instant is business time (what an SLA target without a calendar counts on)."""
        return CalendarView.built_in()

    @router.get("/{calendar_id}", **readable())
    async def read(calendar_id: UUID, request: Request, response: Response, as_of: AsOf = None) -> CalendarView:
        """The calendar now (or as it stood at `as_of`), with every revision."""
        return CalendarView.of(await read_one(request, response, Calendar, calendar_id, as_of))

    @router.get("/{calendar_id}/history", **readable())
    async def history(calendar_id: UUID, request: Request, cursor: Cursor = None, limit: HistoryLimit = 100) -> History:
        return await history_of(request, Calendar, calendar_id, cursor, limit)
