"""HTTP routes of handover-svc (thin: DTO → command → bus → response)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response

from continuum.context import set_actor
from continuum.http.auth import Principal, Role
from continuum.http.commands import Caller, allowed, business_time, in_person, readable
from continuum.http.conditional import IfMatch
from continuum.http.history import AsOf, History, HistoryLimit
from continuum.http.pagination import Cursor, Limit, Page
from continuum.http.problems import ProblemError
from continuum.http.routes import handled, history_of, listed, loaded, read_one, with_routes

from handover_svc.api import schemas as s
from handover_svc.domain import commands as c
from handover_svc.domain.handover import Handover, HandoverState

CriterionKey = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", examples=["sla-defined"])]
PM = (Role.project_manager, Role.integration)
OWNER = (Role.service_owner,)
FRESH = ("handover-svc knows services and projects from service-svc's and project-svc's events: one created, "
         "or an owner or stage changed, a moment ago may take a moment to be known.")
OWNER_NOTE = ("\n\nOwnership: only the service's own owner (403 `decided-by-the-services-owner` for another "
              "service owner, or while the service has no owner); admin and integration act on any service, and "
              "the event's actor then reads `admin:<sub>` or `integration:<sub>`. " + FRESH)
TEAM_NOTE = ("\n\nOwnership: any project manager (the project's team), or the service's own owner (403 "
             "`decided-by-the-services-owner` for another service owner); admin and integration act on any "
             "handover, recorded as `admin:<sub>` / `integration:<sub>` in the event's actor. " + FRESH)


def acting_owner(caller: Principal, *, team: bool = False) -> str | None:
    """Who acts in person as the service's owner: None for admin and integration (the events' actor then says
    `admin:<sub>` / `integration:<sub>`) and, with `team`, for a project manager acting in their own role."""
    acting = in_person(caller)
    if acting is None:
        capacity = Role.admin if Role.admin in caller.roles else Role.integration
        set_actor(f"{capacity.value}:{caller.subject}")
        return None
    return None if team and Role.project_manager in caller.roles else acting


def _view(handover: Handover) -> s.HandoverView:
    return s.HandoverView.of(handover, at=datetime.now(UTC))


def router() -> APIRouter:
    return with_routes(APIRouter(prefix="/handovers", tags=["handovers"]), _opening_and_reads, _criteria,
                       _criterion_evidence, _decision, _early_life)


def _opening_and_reads(router: APIRouter) -> None:
    @router.post("", status_code=201, **allowed(*PM), description=(
        "Open a handover by hand (at most one awaiting acceptance per project and service). `service_id` and "
        "`project_id` must name a service and a project handover-svc knows (422 `unknown-reference` naming the "
        "field, rule `service-known` / `project-known`). " + FRESH))
    async def open_handover(body: s.OpenHandoverRequest, caller: Caller, request: Request,
                            response: Response) -> s.HandoverView:
        command = c.OpenHandover(service_id=body.service_id, project_id=body.project_id,
                                 at=business_time(caller, body.occurred_at))
        return _view(await handled(request, response, command, created_in="/handovers"))

    @router.get("", **readable())
    async def list_handovers(request: Request, limit: Limit = 50, cursor: Cursor = None,
                             project_id: UUID | None = None, service_id: UUID | None = None,
                             state: Annotated[HandoverState | None, Query()] = None) -> Page[s.HandoverSummary]:
        filters = {"project_id": project_id, "service_id": service_id, "state": state and state.value}
        items, next_cursor = await listed(request, Handover, filters, limit, cursor)
        return Page[s.HandoverSummary](items=[s.HandoverSummary.of_stored(item) for item in items],
                                        next_cursor=next_cursor)

    @router.get("/{handover_id}", **readable())
    async def read_handover(handover_id: UUID, request: Request, response: Response,
                            as_of: AsOf = None) -> s.HandoverView:
        """One handover with its criteria, readiness score and early-life figures (as they stood at `as_of`)."""
        handover = await read_one(request, response, Handover, handover_id, as_of)
        return s.HandoverView.of(handover, at=as_of or datetime.now(UTC))

    @router.get("/{handover_id}/history", **readable())
    async def handover_history(handover_id: UUID, request: Request, cursor: Cursor = None, limit: HistoryLimit = 100
                                   ) -> History:
        return await history_of(request, Handover, handover_id, cursor, limit)


def _criteria(router: APIRouter) -> None:
    @router.post("/{handover_id}/criteria", status_code=201, **allowed(*PM))
    async def add_criterion(handover_id: UUID, body: s.AddCriterionRequest, caller: Caller, request: Request,
                            response: Response, if_match: IfMatch = None) -> s.CriterionView:
        """Add an extra acceptance criterion (optional unless `mandatory`); `ETag` is the handover's version."""
        command = c.AddCriterion(handover_id=handover_id, key=body.key, title=body.title, mandatory=body.mandatory,
                                 at=business_time(caller, body.occurred_at))
        location = f"/handovers/{handover_id}/criteria/{body.key}"
        handover = await handled(request, response, command, if_match=if_match, location=location)
        return s.CriterionView.of(handover.criteria[body.key])

    @router.get("/{handover_id}/criteria", **readable())
    async def list_criteria(handover_id: UUID, request: Request, as_of: AsOf = None) -> list[s.CriterionView]:
        """The handover's acceptance criteria (as they stood at `as_of`)."""
        handover = await loaded(request, Handover, handover_id, as_of)
        return [s.CriterionView.of(criterion) for criterion in handover.criteria.values()]

    @router.get("/{handover_id}/criteria/{key}", **readable())
    async def read_criterion(handover_id: UUID, key: CriterionKey, request: Request,
                             as_of: AsOf = None) -> s.CriterionView:
        handover = await loaded(request, Handover, handover_id, as_of)
        if key not in handover.criteria:
            raise ProblemError(404, "not-found", "Not found", f"handover {handover_id} has no criterion {key!r}")
        return s.CriterionView.of(handover.criteria[key])


def _criterion_evidence(router: APIRouter) -> None:
    @router.post("/{handover_id}/criteria/{key}/meet", **allowed(*PM, *OWNER), description=(
        "Record evidence that a criterion is met (the ELS criterion also takes its days and threshold)."
        + TEAM_NOTE))
    async def meet_criterion(handover_id: UUID, key: CriterionKey, body: s.MeetCriterionRequest, caller: Caller,
                             request: Request, response: Response, if_match: IfMatch = None) -> s.HandoverView:
        command = c.MeetCriterion(handover_id=handover_id, key=key, evidence=body.evidence, by=caller.subject,
                                  at=business_time(caller, body.occurred_at),
                                  early_life_support_days=body.early_life_support_days,
                                  max_incidents_per_week=body.max_incidents_per_week,
                                  acting_owner=acting_owner(caller, team=True))
        return _view(await handled(request, response, command, if_match=if_match))

    @router.post("/{handover_id}/criteria/{key}/waive", **allowed(*OWNER),
                 description="Waive a criterion with a justification." + OWNER_NOTE)
    async def waive_criterion(handover_id: UUID, key: CriterionKey, body: s.WaiveCriterionRequest, caller: Caller,
                              request: Request, response: Response, if_match: IfMatch = None) -> s.HandoverView:
        command = c.WaiveCriterion(handover_id=handover_id, key=key, justification=body.justification,
                                   by=caller.subject, at=business_time(caller, body.occurred_at),
                                   acting_owner=acting_owner(caller))
        return _view(await handled(request, response, command, if_match=if_match))

    @router.post("/{handover_id}/criteria/{key}/reset", **allowed(*PM, *OWNER),
                 description="Put a met or waived criterion back to pending, with a reason." + TEAM_NOTE)
    async def reset_criterion(handover_id: UUID, key: CriterionKey, body: s.ResetCriterionRequest, caller: Caller,
                              request: Request, response: Response, if_match: IfMatch = None) -> s.HandoverView:
        at = business_time(caller, body.occurred_at)
        command = c.ResetCriterion(handover_id=handover_id, key=key, reason=body.reason, by=caller.subject, at=at,
                                   acting_owner=acting_owner(caller, team=True))
        return _view(await handled(request, response, command, if_match=if_match))


def _decision(router: APIRouter) -> None:
    @router.post("/{handover_id}/accept", **allowed(*OWNER), description=(
        "Accept the service (only when no mandatory criterion is pending, 409 `no-mandatory-criterion-pending`), "
        "and only for a service in `transition` (a new service) or `operation` (a changed one): 409 "
        "`service-in-transition-or-operation` otherwise. Early life support starts." + OWNER_NOTE))
    async def accept(handover_id: UUID, caller: Caller, request: Request, response: Response,
                     body: s.DecisionRequest | None = None, if_match: IfMatch = None) -> s.HandoverView:
        command = c.AcceptHandover(handover_id=handover_id, by=caller.subject,
                                   at=business_time(caller, body and body.occurred_at),
                                   acting_owner=acting_owner(caller))
        return _view(await handled(request, response, command, if_match=if_match))

    @router.post("/{handover_id}/reject", **allowed(*OWNER),
                 description="Reject with reasons; the project team addresses them and resubmits." + OWNER_NOTE)
    async def reject(handover_id: UUID, body: s.RejectRequest, caller: Caller, request: Request,
                     response: Response, if_match: IfMatch = None) -> s.HandoverView:
        command = c.RejectHandover(handover_id=handover_id, reasons=tuple(body.reasons), by=caller.subject,
                                   at=business_time(caller, body.occurred_at), acting_owner=acting_owner(caller))
        return _view(await handled(request, response, command, if_match=if_match))

    @router.post("/{handover_id}/resubmit", **allowed(*PM))
    async def resubmit(handover_id: UUID, body: s.ResubmitRequest, caller: Caller, request: Request,
                       response: Response, if_match: IfMatch = None) -> s.HandoverView:
        """Ask for acceptance again after a rejection."""
        command = c.ResubmitHandover(handover_id=handover_id, note=body.note, by=caller.subject,
                                     at=business_time(caller, body.occurred_at))
        return _view(await handled(request, response, command, if_match=if_match))


def _early_life(router: APIRouter) -> None:
    @router.post("/{handover_id}/early-life-support/extend", **allowed(*OWNER),
                 description="Extend early life support by some days, with a reason." + OWNER_NOTE)
    async def extend(handover_id: UUID, body: s.ExtendRequest, caller: Caller, request: Request,
                     response: Response, if_match: IfMatch = None) -> s.HandoverView:
        command = c.ExtendEarlyLifeSupport(handover_id=handover_id, days=body.days, reason=body.reason,
                                           by=caller.subject, at=business_time(caller, body.occurred_at),
                                           acting_owner=acting_owner(caller))
        return _view(await handled(request, response, command, if_match=if_match))

    @router.post("/{handover_id}/early-life-support/evaluate", **allowed(*OWNER, Role.integration), description=(
        "Complete early life support if the period ended and its exit criteria hold (else 409 naming them)."
        + OWNER_NOTE))
    async def evaluate(handover_id: UUID, caller: Caller, request: Request, response: Response,
                       body: s.DecisionRequest | None = None, if_match: IfMatch = None) -> s.HandoverView:
        command = c.CompleteEarlyLifeSupport(handover_id=handover_id,
                                             at=business_time(caller, body and body.occurred_at),
                                             acting_owner=acting_owner(caller))
        return _view(await handled(request, response, command, if_match=if_match))

    @router.post("/{handover_id}/early-life-support/end-early", **allowed(*OWNER), description=(
        "End early life support before its exit criteria hold, with a justification that is recorded on the "
        "handover and in its `HandoverCompleted` event (`ended_early`)." + OWNER_NOTE))
    async def end_early(handover_id: UUID, body: s.EndEarlyRequest, caller: Caller, request: Request,
                        response: Response, if_match: IfMatch = None) -> s.HandoverView:
        command = c.EndEarlyLifeSupportEarly(handover_id=handover_id, justification=body.justification,
                                             by=caller.subject, at=business_time(caller, body.occurred_at),
                                             acting_owner=acting_owner(caller))
        return _view(await handled(request, response, command, if_match=if_match))
