"""Who may act on which project (DESIGN §4, Ownership), on top of the roles the routes check.

A project's sponsor decides: the charter, its team, hold, resume and cancel, change requests and formal
acceptance. Its project manager plans and executes: planning, milestones, risks, the baseline, progress,
costs, change requests raised, closing. `admin` may act on any project and `integration` imports decisions
taken elsewhere, for anyone; the event's actor then says so (`admin:<sub>`, `integration:<sub>`).

Who names the first sponsor: a proposed project has none, so any sponsor may approve its charter, but only
naming themselves as its sponsor; from then on only that sponsor (or admin/integration) changes the team,
which is how sponsorship is handed on. Before a charter names a sponsor, any sponsor may cancel the proposal.
"""

from __future__ import annotations

from enum import Enum

from continuum.domain import NotAllowed

from project_svc.domain import commands as c
from project_svc.domain.entities import Actor, Authority
from project_svc.domain.state import ProjectState


class Duty(Enum):
    """Whose a command is; the value is the rule a refusal names."""

    decide = "decided-by-the-projects-sponsor"
    plan_and_execute = "run-by-the-projects-manager"


DUTIES: dict[type, Duty] = {
    c.ApproveCharter: Duty.decide,
    c.AssignTeam: Duty.decide,
    c.PutOnHold: Duty.decide,
    c.Resume: Duty.decide,
    c.CancelProject: Duty.decide,
    c.ApproveChangeRequest: Duty.decide,
    c.RejectChangeRequest: Duty.decide,
    c.AcceptProject: Duty.decide,
    c.StartPlanning: Duty.plan_and_execute,
    c.AddMilestone: Duty.plan_and_execute,
    c.IdentifyRisk: Duty.plan_and_execute,
    c.ReassessRisk: Duty.plan_and_execute,
    c.BaselinePlan: Duty.plan_and_execute,
    c.RecordProgress: Duty.plan_and_execute,
    c.CompleteMilestone: Duty.plan_and_execute,
    c.RecordActualCost: Duty.plan_and_execute,
    c.RaiseChangeRequest: Duty.plan_and_execute,
    c.EnterClosing: Duty.plan_and_execute,
    c.CloseProject: Duty.plan_and_execute,
}


def owner_of(project: ProjectState, command: object) -> str:
    """Who the command belongs to ("" when nobody is named yet); for a charter, the sponsor it names."""
    if DUTIES[type(command)] is Duty.plan_and_execute:
        return project.team.project_manager
    if isinstance(command, c.ApproveCharter):
        return command.team.sponsor
    return project.team.sponsor


def authorize(project: ProjectState, command: object) -> None:
    """Refuse (403, naming the rule) a command on `project` by anyone but its owner, admin or integration."""
    actor: Actor = command.actor  # type: ignore[attr-defined]  # every command in DUTIES has one
    if actor.authority is not Authority.in_person:
        return
    owner = owner_of(project, command)
    if owner and actor.subject != owner:
        duty = DUTIES[type(command)]
        whose = "sponsor" if duty is Duty.decide else "project manager"
        raise NotAllowed(duty.value, f"{actor.subject!r} is not the {whose} ({owner!r}) of project {project.id}; "
                                     f"only they (or admin, or an integration import) may do this")
