"""Turning a session's block of programme steps into outbox rows, one per step and mentor."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.programmes import Programme, Step, programme_by_id
from bot.work_calendar import WorkPolicy, next_slot, nominal_moment
from storage.models import (
    Cohort,
    Delivery,
    DeliveryStatus,
    Member,
    MemberStatus,
    Organisation,
    ProgrammeSession,
    Role,
    SlackUser,
)
from storage.types import AwareDateTime

OPEN_STATUSES = (DeliveryStatus.PLANNED,)


@dataclass(frozen=True)
class PlanResult:
    mentors: int
    planned: int  # rows written now (0 when the block was planned before)
    next_step: Step | None
    next_moment: datetime | None


def session_dates(session: Session, cohort_id: int) -> dict[int, date]:
    rows = session.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort_id))
    return {row.number: row.date for row in rows}


def work_policy(
    cohort: Cohort, member: Member, user: SlackUser | None, organisation: Organisation | None
) -> WorkPolicy:
    """When this mentor may be sent something: their time zone, the cohort's hours, their country's holidays."""
    return WorkPolicy(
        tz=(user.tz if user and user.tz and _known_zone(user.tz) else cohort.timezone),
        start=_clock(cohort.work_start),
        end=_clock(cohort.work_end),
        country=(organisation.country if organisation else cohort.country),
        paused_until=member.paused_until,
    )


def _known_zone(tz: str) -> bool:
    """Whether this machine knows the time zone Slack reported (else the cohort's is used, not an error)."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def active_mentors(session: Session, cohort_id: int) -> list[Member]:
    return list(
        session.exec(
            select(Member)
            .where(Member.cohort_id == cohort_id, Member.role == Role.MENTOR, Member.status == MemberStatus.ACTIVE)
            .order_by(col(Member.id))
        )
    )


def mentor_context(session: Session, cohort: Cohort, mentors: Iterable[Member]) -> dict[int, WorkPolicy]:
    """Each mentor's work policy, loading their Slack record and organisation in two queries."""
    mentors = list(mentors)
    users = {
        user.user_id: user
        for user in session.exec(
            select(SlackUser).where(
                SlackUser.team_id == cohort.team_id, col(SlackUser.user_id).in_([m.user_id for m in mentors])
            )
        )
    }
    organisations = {o.id: o for o in session.exec(select(Organisation).where(Organisation.cohort_id == cohort.id))}
    return {
        member.id: work_policy(
            cohort,
            member,
            users.get(member.user_id),
            organisations.get(member.organisation_id),  # type: ignore[arg-type]
        )
        for member in mentors
        if member.id is not None
    }


def step_schedule(step: Step, dates: dict[int, date], policy: WorkPolicy, now: datetime) -> tuple[datetime, datetime]:
    """(due_at, not_before) for one step and mentor: kickoffs go at once, the rest at their nominal moment."""
    if step.kind == "kickoff":
        return now, now
    due = nominal_moment(dates[step.session] + timedelta(days=step.days), step.at, policy.tz)
    return due, next_slot(due, policy)


def plan_block(session: Session, cohort: Cohort, block: int, now: datetime) -> PlanResult:
    """Write a delivery for every prompt step of `block` and every active mentor; already planned ones stay."""
    programme = programme_by_id(cohort.programme)
    dates = session_dates(session, cohort.id)  # type: ignore[arg-type]
    mentors = active_mentors(session, cohort.id)  # type: ignore[arg-type]
    policies = mentor_context(session, cohort, mentors)
    steps = [step for step in programme.steps_in_block(block) if step.is_prompt]
    existing = _existing_keys(session, cohort.id, [step.id for step in steps])  # type: ignore[arg-type]
    planned = 0
    for mentor in mentors:
        for step in steps:
            if (step.id, mentor.id) in existing:
                continue
            due, not_before = step_schedule(step, dates, policies[mentor.id], now)  # type: ignore[index]
            session.add(
                Delivery(
                    team_id=cohort.team_id,
                    cohort_id=cohort.id,  # type: ignore[arg-type]
                    member_id=mentor.id,  # type: ignore[arg-type]
                    step_id=step.id,
                    block=block,
                    due_at=due,
                    not_before=not_before,
                )
            )
            planned += 1
    session.flush()
    next_step, next_moment = upcoming(session, cohort, programme, now)
    return PlanResult(mentors=len(mentors), planned=planned, next_step=next_step, next_moment=next_moment)


def _existing_keys(session: Session, cohort_id: int, step_ids: list[str]) -> set[tuple[str, int]]:
    rows = session.exec(
        select(Delivery.step_id, Delivery.member_id).where(
            Delivery.cohort_id == cohort_id, col(Delivery.step_id).in_(step_ids)
        )
    )
    return {(step_id, member_id) for step_id, member_id in rows}


def upcoming(
    session: Session, cohort: Cohort, programme: Programme, now: datetime
) -> tuple[Step | None, datetime | None]:
    """The next step still waiting to go out to someone in the cohort, and its earliest moment."""
    earliest = func.min(Delivery.not_before, type_=AwareDateTime)
    row = session.exec(
        select(Delivery.step_id, earliest)
        .where(Delivery.cohort_id == cohort.id, Delivery.status == DeliveryStatus.PLANNED)
        .group_by(Delivery.step_id)
        .order_by(earliest)
    ).first()
    if row is None:
        return None, None
    return programme.step(row[0]), row[1]


def replan_cohort(session: Session, cohort: Cohort, now: datetime) -> int:
    """After session dates or hours change: move every delivery not yet sent to its new moment."""
    programme = programme_by_id(cohort.programme)
    dates = session_dates(session, cohort.id)  # type: ignore[arg-type]
    mentors = {m.id: m for m in active_mentors(session, cohort.id)}  # type: ignore[arg-type]
    policies = mentor_context(session, cohort, mentors.values())
    moved = 0
    for delivery in _open_deliveries(session, Delivery.cohort_id == cohort.id):
        policy = policies.get(delivery.member_id)
        if policy is None or delivery.step_id not in {s.id for s in programme.steps}:
            continue
        moved += _reschedule(session, delivery, programme.step(delivery.step_id), dates, policy, now)
    return moved


def replan_member(session: Session, cohort: Cohort, member: Member, now: datetime) -> int:
    """After a pause or resume: prompts due during the pause are skipped, later ones wait for the mentor's return."""
    programme = programme_by_id(cohort.programme)
    dates = session_dates(session, cohort.id)  # type: ignore[arg-type]
    policy = mentor_context(session, cohort, [member])[member.id]  # type: ignore[index]
    known = {step.id for step in programme.steps}
    changed = 0
    for delivery in _open_deliveries(session, Delivery.member_id == member.id):
        if delivery.step_id not in known:
            continue
        changed += _reschedule(session, delivery, programme.step(delivery.step_id), dates, policy, now)
    return changed


def _reschedule(
    session: Session, delivery: Delivery, step: Step, dates: dict[int, date], policy: WorkPolicy, now: datetime
) -> int:
    if step.kind == "kickoff":
        due, not_before = delivery.due_at, next_slot(max(delivery.due_at, now), policy)
    else:
        due, not_before = step_schedule(step, dates, policy, now)
    if policy.paused_until is not None and due.astimezone(ZoneInfo(policy.tz)).date() <= policy.paused_until:
        return update_open(session, delivery, status=DeliveryStatus.SKIPPED, last_error="paused")
    if (due, not_before) == (delivery.due_at, delivery.not_before):
        return 0
    return update_open(session, delivery, due_at=due, not_before=not_before)


def update_open(session: Session, delivery: Delivery, **values: Any) -> int:
    """Change a delivery only while it is still planned: a sender that claimed it meanwhile wins (1 if changed)."""
    result = session.exec(
        update(Delivery)
        .where(col(Delivery.id) == delivery.id, col(Delivery.status) == DeliveryStatus.PLANNED)
        .values(**values)
    )
    return int(result.rowcount or 0)


def cancel_open(session: Session, *criteria: Any) -> int:
    """Cancel every delivery not yet sent that matches `criteria` (a mentor removed, a cohort archived)."""
    return sum(
        update_open(session, delivery, status=DeliveryStatus.CANCELLED)
        for delivery in _open_deliveries(session, *criteria)
    )


def _open_deliveries(session: Session, *criteria: Any) -> list[Delivery]:
    return list(session.exec(select(Delivery).where(Delivery.status == DeliveryStatus.PLANNED, *criteria)))
