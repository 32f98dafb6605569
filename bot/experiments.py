"""A mentor's learning experiments: registered with an if-then plan, moved through their statuses, decided on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.cohorts import Invalid, visible_name
from bot.numbers import whole_number
from storage.models import Decision, Experiment, ExperimentStatus, Goal, Member, MemberStatus, Role

TITLE_MAX = 150
PLAN_MAX = 500
OUTCOME_MAX = 2000


def goals_for(session: Session, member: Member) -> list[Goal]:
    """The goals the mentor's organisation set for mentoring, in their order."""
    if member.organisation_id is None:
        return []
    return list(
        session.exec(
            select(Goal)
            .where(Goal.organisation_id == member.organisation_id)
            .order_by(col(Goal.position), col(Goal.id))
        )
    )


def _text(value: str | None, field: str, limit: int, *, required: bool = False) -> str | None:
    cleaned = visible_name(value or "", field=field) if field == "title" else (value or "").strip()
    if not cleaned:
        if required:
            raise Invalid("mentor.experiment.error.required", field=field)
        return None
    if len(cleaned) > limit:
        raise Invalid("mentor.experiment.error.too_long", field=field, max=limit, length=len(cleaned))
    return cleaned


def _goal(session: Session, member: Member, goal_id: Any) -> int | None:
    if goal_id in (None, ""):
        return None
    allowed = {goal.id for goal in goals_for(session, member)}
    wanted = whole_number(goal_id)
    if wanted not in allowed:
        raise Invalid("mentor.experiment.error.goal", field="goal")
    return wanted


def create_experiment(
    session: Session,
    member: Member,
    *,
    title: str | None,
    goal_id: Any,
    plan_when: str | None,
    plan_then: str | None,
    now: datetime,
) -> Experiment:
    """A new planned experiment of `member` (the caller has checked the member is the user's own)."""
    experiment = Experiment(
        team_id=member.team_id,
        member_id=int(member.id or 0),
        title=_text(title, "title", TITLE_MAX, required=True) or "",
        goal_id=_goal(session, member, goal_id),
        plan_when=_text(plan_when, "plan_when", PLAN_MAX),
        plan_then=_text(plan_then, "plan_then", PLAN_MAX),
        status=ExperimentStatus.PLANNED,
        created_at=now,
        updated_at=now,
    )
    session.add(experiment)
    session.flush()
    return experiment


def own_experiment(session: Session, *, team_id: str, user_id: str, experiment_id: Any) -> tuple[Experiment, Member]:
    """The experiment, only if it belongs to one of the user's active mentor memberships in this workspace."""
    wanted = whole_number(experiment_id)
    row = session.exec(
        select(Experiment, Member)
        .join(Member, col(Member.id) == col(Experiment.member_id))
        .where(
            Experiment.id == wanted,
            Experiment.team_id == team_id,
            Member.team_id == team_id,
            Member.user_id == user_id,
            Member.role == Role.MENTOR,
            Member.status == MemberStatus.ACTIVE,
        )
    ).first()
    if row is None:
        raise Invalid("mentor.error.not_found")
    return row[0], row[1]


def update_experiment(
    session: Session,
    experiment: Experiment,
    *,
    status: str | None,
    outcome: str | None,
    decision: str | None,
    now: datetime,
) -> Experiment:
    """Change status, outcome and decision; moving to running records when it started."""
    if status not in {s.value for s in ExperimentStatus}:
        raise Invalid("mentor.experiment.error.status", field="status")
    if decision not in (None, "", *(d.value for d in Decision)):
        raise Invalid("mentor.experiment.error.decision", field="decision")
    experiment.status = status
    if status == ExperimentStatus.RUNNING and experiment.started_at is None:
        experiment.started_at = now
    experiment.outcome = _text(outcome, "outcome", OUTCOME_MAX)
    experiment.decision = decision or None
    experiment.updated_at = now
    session.add(experiment)
    session.flush()
    return experiment


def experiments_of(session: Session, member_ids: list[int]) -> list[Experiment]:
    """The experiments of these memberships, running ones first, then the newest."""
    order = {
        ExperimentStatus.RUNNING: 0,
        ExperimentStatus.PLANNED: 1,
        ExperimentStatus.DONE: 2,
        ExperimentStatus.DROPPED: 3,
    }
    rows = session.exec(
        select(Experiment).where(col(Experiment.member_id).in_(member_ids)).order_by(col(Experiment.created_at).desc())
    ).all()
    return sorted(rows, key=lambda e: order.get(ExperimentStatus(e.status), 9))
