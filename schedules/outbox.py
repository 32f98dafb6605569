"""Prompts in the outbox (the `delivery` table): triage of due rows, and claims of them (see schedules.claims).

Lateness has one rule for every message: a message is no use after its latest-useful moment and is then skipped,
never sent. For a prompt that moment is its grace (`Cohort.grace_hours`) after the first working moment at or after
the moment its plan set (`planned_at`: its due time, or the next week when two prompts already fill this one);
deferring it into working hours after downtime moves `not_before`, never that moment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.planning import mentor_context, replan_member, update_open
from bot.work_calendar import WorkPolicy, next_slot
from schedules.claims import EVERYTHING, LEASE, Scope, claim_rows
from storage.models import Cohort, CohortStatus, Delivery, DeliveryStatus, Member, MemberStatus, Role

log = logging.getLogger(__name__)

LATE = "late"  # last_error of a prompt skipped because it could no longer go out within the cohort's grace
TABLE = Delivery.__table__  # type: ignore[attr-defined]  # SQLModel leaves __table__ untyped


@dataclass(frozen=True)
class Claim:
    """A delivery this sender now holds (status `sending`)."""

    id: int
    team_id: str
    cohort_id: int
    member_id: int
    step_id: str
    block: int
    due_at: datetime
    not_before: datetime
    planned_at: datetime | None
    created_at: datetime
    claimed_at: datetime
    attempts: int
    check_first: bool  # it may already be in the DM: look before posting


@dataclass
class Triage:
    """What the triage of due rows did before claiming."""

    late: int = 0
    deferred: int = 0
    replanned: int = 0
    cancelled: int = 0


# -- triage --------------------------------------------------------------------------------------------------------


def triage_due(session: Session, *, now: datetime, limit: int = 20000) -> Triage:
    """Settle due rows that must not go out now: too late (skipped), outside working hours (deferred to the next
    slot), a paused mentor (re-planned), a removed mentor or archived cohort (cancelled)."""
    rows = list(
        session.exec(
            select(Delivery)
            .where(col(Delivery.status) == DeliveryStatus.PLANNED, col(Delivery.not_before) <= now)
            .order_by(col(Delivery.not_before), col(Delivery.id))
            .limit(limit)
        )
    )
    done = Triage()
    if not rows:
        return done
    cohorts = by_id(session, Cohort, {row.cohort_id for row in rows})
    members = by_id(session, Member, {row.member_id for row in rows})
    policies: dict[int, Any] = {}
    for cohort in cohorts.values():
        mine = [m for m in members.values() if m.cohort_id == cohort.id]
        policies.update(mentor_context(session, cohort, mine))
    paused: dict[int, Member] = {}
    for delivery in rows:
        cohort, member = cohorts.get(delivery.cohort_id), members.get(delivery.member_id)
        if not reachable(cohort, member):
            done.cancelled += update_open(session, delivery, status=DeliveryStatus.CANCELLED)
            continue
        assert cohort is not None and member is not None
        policy = policies[member.id]
        if policy.paused_until is not None and now.astimezone(ZoneInfo(policy.tz)).date() <= policy.paused_until:
            paused[member.id] = member
            continue
        slot = next_slot(now, policy)
        if slot > latest_useful(delivery.planned_at or delivery.not_before, policy, cohort):
            done.late += update_open(session, delivery, status=DeliveryStatus.SKIPPED, last_error=LATE)
        elif slot > now:
            done.deferred += update_open(session, delivery, not_before=slot)
    for member in paused.values():
        done.replanned += replan_member(session, cohorts[member.cohort_id], member, now)
    return done


def latest_useful(planned_at: datetime, policy: WorkPolicy, cohort: Cohort) -> datetime:
    """The last moment a prompt planned for `planned_at` may still go out (see the module docstring)."""
    return next_slot(planned_at, policy) + grace(cohort)


def grace(cohort: Cohort) -> timedelta:
    """How late a prompt may still go out after its first possible moment."""
    return timedelta(hours=max(0, cohort.grace_hours if cohort.grace_hours is not None else 24))


def reachable(cohort: Cohort | None, member: Member | None) -> bool:
    """Whether prompts may still go to `member`: an active mentor of an active cohort."""
    return (
        cohort is not None
        and cohort.status == CohortStatus.ACTIVE
        and member is not None
        and member.status == MemberStatus.ACTIVE
        and member.role == Role.MENTOR
    )


def by_id(session: Session, model: Any, ids: Iterable[int]) -> dict[int, Any]:
    """Rows of `model` by primary key, in one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(wanted)))}


# -- claiming ------------------------------------------------------------------------------------------------------


_RETURNED = ("id", "team_id", "cohort_id", "member_id", "step_id", "block", "due_at", "not_before", "planned_at",
             "created_at", "claimed_at", "attempts")  # fmt: skip


def claim_due(
    engine: Engine, *, worker: str, now: datetime, limit: int, lease: timedelta = LEASE, scope: Scope = EVERYTHING
) -> list[Claim]:
    """Take up to `limit` due prompts (planned and due, or stale in `sending`) for `worker`, atomically."""
    rows = claim_rows(engine, TABLE, _RETURNED, worker=worker, now=now, limit=limit, lease=lease, scope=scope)
    return [Claim(**{name: row[name] for name in _RETURNED}, check_first=taken_over) for row, taken_over in rows]


def known_channels(session: Session, member_ids: Iterable[int]) -> dict[int, str]:
    """The DM channel each mentor's earlier prompts went to, so conversations.open is needed once per mentor."""
    wanted = sorted(set(member_ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(Delivery.member_id, Delivery.channel_id)
        .where(col(Delivery.member_id).in_(wanted), col(Delivery.channel_id).is_not(None))
        .distinct()
    ).all()
    return {member_id: channel_id for member_id, channel_id in rows if channel_id}
