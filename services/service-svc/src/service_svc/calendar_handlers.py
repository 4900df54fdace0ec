"""Handlers of the Calendar commands, and how SLAs and incident clocks read calendars (in a unit of work)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from uuid import UUID

from continuum.domain import NotFound
from continuum.eventstore.uow import UnitOfWork
from continuum.http.problems import ProblemError

from service_svc import read_model
from service_svc.domain import commands as c
from service_svc.domain.calendar import Calendar
from service_svc.domain.incident import AppliedSla, Incident
from service_svc.domain.service import Service, Sla


async def applied_sla(uow: UnitOfWork, service: Service, priority: str, at: datetime, *,
                      loaded: dict[UUID, Calendar] | None = None) -> AppliedSla:
    """The targets of the service's SLA for `priority`, with their calendar's revisions in force from `at` on
    (`loaded` keeps the calendars read so far, for a command applying the SLA to many incidents)."""
    target = service.sla.target_for(priority) if service.sla else None
    if target is None:
        return AppliedSla()
    if target.calendar_id is None:
        return AppliedSla(target.response_minutes, target.resolution_minutes)
    loaded = {} if loaded is None else loaded
    if target.calendar_id not in loaded:  # a revision in flight waits for the service's lock (_recount_clocks)
        loaded[target.calendar_id] = await calendar_as_committed(uow, target.calendar_id,
                                                                 known=target.calendar_revision)
    calendar = loaded[target.calendar_id]
    return AppliedSla(target.response_minutes, target.resolution_minutes, calendar.id, calendar.revisions_from(at))


# Calendars as last read, by id: their events are only ever appended, so a copy is the calendar now once it has
# the events recorded since (read alone, not the holidays again), or without a read when it holds the revision
# the service's SLA last heard of (every revision is noted on the services counting on it, under their lock, so
# a service read under its own lock never names a revision newer than committed). Bounded; per process.
_READ: dict[UUID, Calendar] = {}
_READ_LIMIT = 1024


async def calendar_as_committed(uow: UnitOfWork, calendar_id: UUID, *, known: int | None = None) -> Calendar:
    """The calendar with every committed revision, for reading only (never changed through this copy)."""
    calendar = _READ.get(calendar_id) or Calendar(calendar_id)
    if known is not None and calendar.version and calendar.current.revision >= known:
        return calendar
    for recorded in await uow.store.load(uow.connection, calendar_id, after_version=calendar.version):
        if recorded.stream_type != Calendar.stream_type:
            raise NotFound(Calendar.stream_type, calendar_id)
        if recorded.version <= calendar.version:  # another request brought the copy this far meanwhile
            continue
        calendar.replay(uow.store.decode(recorded), version=recorded.version, occurred_at=recorded.occurred_at)
    if calendar.version == 0:
        raise NotFound(Calendar.stream_type, calendar_id)
    if len(_READ) >= _READ_LIMIT:
        _READ.clear()
    _READ[calendar_id] = calendar
    return calendar


async def with_calendar_revisions(uow: UnitOfWork, sla: Sla) -> Sla:
    """The SLA with each calendar's latest revision noted, once every calendar it names exists and is not
    deleted: else a 422 naming the field (the caller holds the calendars' locks: lock_calendars_of)."""
    errors, targets = [], dict(sla.targets)
    for priority, target in sorted(sla.targets.items()):
        if target.calendar_id is None:
            continue
        try:
            calendar = await calendar_as_committed(uow, target.calendar_id)
        except NotFound:
            calendar = None
        if calendar is None or calendar.deleted:
            errors.append({"field": f"body.targets.{priority}.calendar_id", "type": "unknown_reference",
                           "message": f"calendar {target.calendar_id} does not exist (or was deleted)"})
        else:
            targets[priority] = dataclasses.replace(target, calendar_revision=calendar.current.revision)
    if errors:
        raise ProblemError(422, "unknown-reference", "Unknown reference", "; ".join(e["message"] for e in errors),
                           rule="calendar-known", errors=errors)
    return dataclasses.replace(sla, targets=targets)


async def lock_calendars_of(uow: UnitOfWork, sla: Sla) -> None:
    """Before the service's own lock (calendars first, always): a deletion waits for this SLA, or it sees the
    deletion; a revision waits for it, or it reads the revision."""
    for calendar_id in sorted(sla.calendar_ids):
        await read_model.lock_calendar(uow.connection, calendar_id, exclusive=False)


async def create_calendar(command: c.CreateCalendar, uow: UnitOfWork) -> Calendar:
    calendar = Calendar.create(name=command.name, owner=command.owner, time_zone=command.time_zone,
                               week=command.week, holidays=command.holidays, by=command.acting_owner, at=command.at)
    uow.add(calendar)
    await uow.commit()
    return calendar


async def _changed_calendar(uow: UnitOfWork, calendar_id: UUID) -> Calendar:
    await read_model.lock_calendar(uow.connection, calendar_id, exclusive=True)
    return await uow.get(Calendar, calendar_id)


async def revise_calendar(command: c.ReviseCalendar, uow: UnitOfWork) -> Calendar:
    calendar = await _changed_calendar(uow, command.calendar_id)
    calendar.revise(time_zone=command.time_zone, week=command.week, holidays=command.holidays,
                    effective_from=command.effective_from or command.at, reason=command.reason,
                    by=command.acting_owner, at=command.at)
    await _recount_clocks(uow, calendar, command.at)
    await uow.commit()
    return calendar


async def add_holidays(command: c.AddHolidays, uow: UnitOfWork) -> tuple[Calendar, int]:
    calendar = await _changed_calendar(uow, command.calendar_id)
    added = calendar.add_holidays(command.holidays, effective_from=command.effective_from or command.at,
                                  reason=command.reason, by=command.acting_owner, at=command.at)
    await _recount_clocks(uow, calendar, command.at)
    await uow.commit()
    return calendar, added


async def delete_calendar(command: c.DeleteCalendar, uow: UnitOfWork) -> Calendar:
    calendar = await _changed_calendar(uow, command.calendar_id)
    used_by = await read_model.services_counting_on(uow.connection, calendar.id)
    calendar.delete(command.reason, used_by=used_by, by=command.acting_owner, at=command.at)
    await uow.commit()
    return calendar


async def _recount_clocks(uow: UnitOfWork, calendar: Calendar, at: datetime) -> None:
    """Unclosed incidents counting on the calendar take its new revision, in the same transaction: what they
    counted so far stays, the revision applies from its effective time (or from their latest event, if later)."""
    services = sorted(await read_model.services_counting_on(uow.connection, calendar.id))
    for service_id in services:  # incidents being opened meanwhile commit first, and are recounted too
        await read_model.lock_service_sla(uow.connection, service_id, exclusive=True)
    for service_id in services:
        service = await uow.get(Service, service_id)
        service.calendar_revised(calendar.id, calendar.current.revision, at=at)
        for incident_id in await read_model.unclosed_incident_ids(uow.connection, service_id):
            incident = await uow.get(Incident, incident_id)
            target = service.sla.target_for(incident.priority) if service.sla else None
            if target is not None and target.calendar_id == calendar.id:
                when = max(at, incident.last_at)
                incident.apply_sla(AppliedSla(target.response_minutes, target.resolution_minutes, calendar.id,
                                              calendar.revisions_from(when)), at=when)


CALENDAR_HANDLERS = {
    c.CreateCalendar: create_calendar, c.ReviseCalendar: revise_calendar, c.AddHolidays: add_holidays,
    c.DeleteCalendar: delete_calendar,
}
