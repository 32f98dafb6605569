"""The delivery outbox in the database: triage of due rows, atomic claims, and recording what happened.

A row's life: `planned` → (claimed) `sending` → `sent` | `failed` | `skipped`, or back to `planned` when a sender
gives up for now. Every change a sender makes is conditional on the row still being in the state it expects, so
two senders (two processes, or a sender and a coach re-planning) never both act on one row:

- PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` picks rows no other transaction holds, and the same statement flips
  them to `sending` with `claimed_by`/`claimed_at`.
- SQLite: a conditional `UPDATE … WHERE id IN (<due ids>) AND <still due> RETURNING …`: SQLite runs one writer
  at a time and the UPDATE re-checks each row, so the rows it returns are ours.

A row left in `sending` (its sender died) is claimed again once its lease has run out. `claimed_by` stays set on a
row that may already be in the mentor's DM, so whoever claims it next looks there before posting (`check_first`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, bindparam, or_, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from bot.planning import mentor_context, replan_member, update_open
from bot.work_calendar import next_slot
from storage.models import Cohort, CohortStatus, Delivery, DeliveryStatus, Member, MemberStatus, Role

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
LATE = "late"  # last_error of a prompt skipped because it could no longer go out within the cohort's grace
TABLE = Delivery.__table__  # type: ignore[attr-defined]


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
    created_at: datetime
    claimed_at: datetime
    attempts: int
    check_first: bool  # it may already be in the DM: look before posting


@dataclass(frozen=True)
class Outcome:
    """What became of a claim; `planned` gives it back (with `keep_claim` when it may have been posted)."""

    delivery_id: int
    status: str
    channel_id: str | None = None
    message_ts: str | None = None
    error: str | None = None
    keep_claim: bool = False


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
            paused[member.id] = member  # type: ignore[index]
            continue
        slot = next_slot(now, policy)
        if slot - next_slot(delivery.not_before, policy) > grace(cohort):
            done.late += update_open(session, delivery, status=DeliveryStatus.SKIPPED, last_error=LATE)
        elif slot > now:
            done.deferred += update_open(session, delivery, not_before=slot)
    for member in paused.values():
        done.replanned += replan_member(session, cohorts[member.cohort_id], member, now)
    return done


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


def claim_due(engine: Engine, *, worker: str, now: datetime, limit: int, lease: timedelta = LEASE) -> list[Claim]:
    """Take up to `limit` due rows (planned and due, or stale in `sending`) for `worker`, atomically."""
    if limit <= 0:
        return []
    due = or_(
        and_(TABLE.c.status == DeliveryStatus.PLANNED, TABLE.c.not_before <= now),
        and_(TABLE.c.status == DeliveryStatus.SENDING, TABLE.c.claimed_at < now - lease),
    )
    if engine.dialect.name == "postgresql":
        return _claim_skip_locked(engine, due, worker, now, limit)
    return _claim_conditionally(engine, due, worker, now, limit)


_RETURNED = ("id", "team_id", "cohort_id", "member_id", "step_id", "block", "due_at", "not_before", "created_at",
             "claimed_at", "attempts")  # fmt: skip


def _claim_skip_locked(engine: Engine, due: Any, worker: str, now: datetime, limit: int) -> list[Claim]:
    picked = (
        core_select(TABLE.c.id, TABLE.c.claimed_by.label("previous"))
        .where(due)
        .order_by(TABLE.c.not_before, TABLE.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("picked")
    )
    statement = (
        update(TABLE)
        .where(TABLE.c.id == picked.c.id)
        .values(status=DeliveryStatus.SENDING, claimed_by=worker, claimed_at=now, attempts=TABLE.c.attempts + 1)
        .returning(*(TABLE.c[name] for name in _RETURNED), picked.c.previous)
    )
    with engine.begin() as connection:
        rows = connection.execute(statement).all()
    claims = [_claim(row._mapping, previous=row.previous) for row in rows]
    return sorted(claims, key=lambda claim: (claim.not_before, claim.id))


def _claim_conditionally(engine: Engine, due: Any, worker: str, now: datetime, limit: int) -> list[Claim]:
    claimed = []
    # Each UPDATE re-checks `due` for the rows it changes, and SQLite runs one writer at a time: the rows it
    # returns are this worker's alone. A transaction that starts with a write takes the write lock before reading,
    # so it always sees the newest committed state. Taken-over rows (claimed_by set) are told apart from fresh ones
    # by doing them in their own statement.
    with engine.begin() as connection:
        for earlier, first in ((TABLE.c.claimed_by.is_not(None), True), (TABLE.c.claimed_by.is_(None), False)):
            wanted = limit - len(claimed)
            if wanted <= 0:
                break
            picked = (
                core_select(TABLE.c.id).where(due, earlier).order_by(TABLE.c.not_before, TABLE.c.id).limit(wanted)
            )
            rows = connection.execute(
                update(TABLE)
                .where(TABLE.c.id.in_(picked.scalar_subquery()), due, earlier)
                .values(
                    status=DeliveryStatus.SENDING, claimed_by=worker, claimed_at=now, attempts=TABLE.c.attempts + 1
                )
                .returning(*(TABLE.c[name] for name in _RETURNED))
            ).all()
            claimed += [_claim(row._mapping, previous=worker if first else None) for row in rows]
    return sorted(claimed, key=lambda claim: (claim.not_before, claim.id))


def _claim(row: Any, *, previous: str | None) -> Claim:
    return Claim(**{name: row[name] for name in _RETURNED}, check_first=previous is not None)


# -- recording -----------------------------------------------------------------------------------------------------


def record(engine: Engine, outcomes: Sequence[Outcome], *, worker: str, now: datetime) -> int:
    """Store outcomes in one transaction, each only if the row is still this worker's claim; returns rows changed."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for outcome in outcomes:
        values = _values(outcome, worker, now)
        shapes.setdefault(tuple(sorted(values)), []).append({"b_id": outcome.delivery_id,
                                                              **{f"b_{k}": v for k, v in values.items()}})  # fmt: skip
    changed = 0
    with engine.begin() as connection:
        for keys, rows in shapes.items():
            statement = (
                update(TABLE)
                .where(
                    TABLE.c.id == bindparam("b_id"),
                    TABLE.c.status == DeliveryStatus.SENDING,
                    TABLE.c.claimed_by == worker,
                )
                .values({key: bindparam(f"b_{key}") for key in keys})
            )
            changed += max(0, connection.execute(statement, rows).rowcount or 0)
    if changed < len(outcomes):
        log.warning("%d of %d outcomes were not stored: those deliveries were no longer this sender's claim",
                    len(outcomes) - changed, len(outcomes))  # fmt: skip
    return changed


def _values(outcome: Outcome, worker: str, now: datetime) -> dict[str, Any]:
    if outcome.status == DeliveryStatus.SENT:
        return {"status": DeliveryStatus.SENT, "sent_at": now, "channel_id": outcome.channel_id,
                "message_ts": outcome.message_ts, "last_error": None}  # fmt: skip
    if outcome.status == DeliveryStatus.PLANNED:
        return {"status": DeliveryStatus.PLANNED, "claimed_by": worker if outcome.keep_claim else None,
                "last_error": _clip(outcome.error)}  # fmt: skip
    values: dict[str, Any] = {"status": outcome.status, "last_error": _clip(outcome.error)}
    if outcome.channel_id:
        values["channel_id"] = outcome.channel_id
    return values


def _clip(error: str | None) -> str | None:
    return error[:200] if error else None


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
