"""Atomic claims on an outbox table, and recording what became of them — the same for prompts and other messages.

A row's life: `planned` → (claimed) `sending` → `sent` | `failed` | `skipped`, or back to `planned` when a sender
gives up for now. Every change a sender makes is conditional on the row still being in the state it expects, so
two senders (two processes, or a sender and a coach re-planning) never both act on one row:

- PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` picks rows no other transaction holds, and the same statement flips
  them to `sending` with `claimed_by`/`claimed_at`.
- SQLite: a conditional `UPDATE … WHERE id IN (<due ids>) AND <still due> RETURNING …`: SQLite runs one writer
  at a time and the UPDATE re-checks each row, so the rows it returns are ours.

A row left in `sending` (its sender died) is claimed again once its lease has run out. `claimed_by` stays set on a
row that may already be in Slack, so whoever claims it next looks there before posting (`check_first`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, and_, bindparam, or_, select, update

from storage.models import DeliveryStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class Outcome:
    """What became of a claim; `planned` gives it back (with `keep_claim` when it may have been posted)."""

    row_id: int
    status: str
    channel_id: str | None = None
    message_ts: str | None = None
    error: str | None = None
    keep_claim: bool = False


@dataclass(frozen=True)
class Scope:
    """Which due rows a claim may take: not those of paused workspaces; only `ids` when given."""

    paused: Collection[str] = ()
    ids: Collection[int] | None = None


EVERYTHING = Scope()


def claim_rows(
    engine: Engine,
    table: Table,
    columns: Sequence[str],
    *,
    worker: str,
    now: datetime,
    limit: int,
    lease: timedelta = LEASE,
    scope: Scope | None = None,
) -> list[tuple[Any, bool]]:
    """Take up to `limit` due rows of `table` for `worker`, atomically: (row mapping, taken over from a sender)."""
    if limit <= 0:
        return []
    scope = scope or EVERYTHING
    due = or_(
        and_(table.c.status == DeliveryStatus.PLANNED, table.c.not_before <= now),
        and_(table.c.status == DeliveryStatus.SENDING, table.c.claimed_at < now - lease),
    )
    if scope.paused:
        due = and_(due, table.c.team_id.not_in(sorted(scope.paused)))
    if scope.ids is not None:
        due = and_(due, table.c.id.in_(sorted(scope.ids)))
    if engine.dialect.name == "postgresql":
        rows = _skip_locked(engine, table, columns, due, worker, now, limit)
    else:
        rows = _conditionally(engine, table, columns, due, worker, now, limit)
    return sorted(rows, key=lambda row: (row[0]["not_before"], row[0]["id"]))


def _claimed(table: Table, worker: str, now: datetime) -> dict[str, Any]:
    return {"status": DeliveryStatus.SENDING, "claimed_by": worker, "claimed_at": now, "attempts": table.c.attempts + 1}


def _skip_locked(
    engine: Engine, table: Table, columns: Sequence[str], due: Any, worker: str, now: datetime, limit: int
) -> list[tuple[Any, bool]]:
    picked = (
        select(table.c.id, table.c.claimed_by.label("previous"))
        .where(due)
        .order_by(table.c.not_before, table.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("picked")
    )
    statement = (
        update(table)
        .where(table.c.id == picked.c.id)
        .values(_claimed(table, worker, now))
        .returning(*(table.c[name] for name in columns), picked.c.previous)
    )
    with engine.begin() as connection:
        rows = connection.execute(statement).all()
    return [(row._mapping, row.previous is not None) for row in rows]


def _conditionally(
    engine: Engine, table: Table, columns: Sequence[str], due: Any, worker: str, now: datetime, limit: int
) -> list[tuple[Any, bool]]:
    claimed: list[tuple[Any, bool]] = []
    # Each UPDATE re-checks `due` for the rows it changes, and SQLite runs one writer at a time: the rows it
    # returns are this worker's alone. A transaction that starts with a write takes the write lock before reading,
    # so it always sees the newest committed state. Taken-over rows (claimed_by set) are told apart from fresh ones
    # by doing them in their own statement.
    with engine.begin() as connection:
        for earlier, first in ((table.c.claimed_by.is_not(None), True), (table.c.claimed_by.is_(None), False)):
            wanted = limit - len(claimed)
            if wanted <= 0:
                break
            picked = select(table.c.id).where(due, earlier).order_by(table.c.not_before, table.c.id).limit(wanted)
            rows = connection.execute(
                update(table)
                .where(table.c.id.in_(picked.scalar_subquery()), due, earlier)
                .values(_claimed(table, worker, now))
                .returning(*(table.c[name] for name in columns))
            ).all()
            claimed += [(row._mapping, first) for row in rows]
    return claimed


def record(engine: Engine, table: Table, outcomes: Sequence[Outcome], *, worker: str, now: datetime) -> list[Outcome]:
    """Store outcomes in one transaction, each only if the row is still this worker's claim; returns the `sent`
    outcomes whose row was cancelled or deleted meanwhile (its person erased): their messages must not stay."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    clears_payload = "payload" in table.c
    for outcome in outcomes:
        values = _values(outcome, worker, now, clears_payload)
        shapes.setdefault(tuple(sorted(values)), []).append(
            {"b_id": outcome.row_id, **{f"b_{k}": v for k, v in values.items()}}
        )
    changed = 0
    with engine.begin() as connection:
        for keys, rows in shapes.items():
            statement = (
                update(table)
                .where(
                    table.c.id == bindparam("b_id"),
                    table.c.status == DeliveryStatus.SENDING,
                    table.c.claimed_by == worker,
                )
                .values({key: bindparam(f"b_{key}") for key in keys})
            )
            changed += max(0, connection.execute(statement, rows).rowcount or 0)
    if changed == len(outcomes):
        return []
    log.warning(
        "%d of %d outcomes were not stored: those rows were no longer this sender's claim",
        len(outcomes) - changed,
        len(outcomes),
    )
    sent = {outcome.row_id: outcome for outcome in outcomes if outcome.status == DeliveryStatus.SENT}
    if not sent:
        return []
    with engine.connect() as connection:
        status = dict(connection.execute(select(table.c.id, table.c.status).where(table.c.id.in_(sorted(sent)))).all())
    return [
        outcome
        for row_id, outcome in sent.items()
        if status.get(row_id, DeliveryStatus.CANCELLED) == DeliveryStatus.CANCELLED
    ]


def _values(outcome: Outcome, worker: str, now: datetime, clears_payload: bool) -> dict[str, Any]:
    if outcome.status == DeliveryStatus.SENT:
        values = {
            "status": DeliveryStatus.SENT,
            "sent_at": now,
            "channel_id": outcome.channel_id,
            "message_ts": outcome.message_ts,
            "last_error": None,
        }
    elif outcome.status == DeliveryStatus.PLANNED:
        return {
            "status": DeliveryStatus.PLANNED,
            "claimed_by": worker if outcome.keep_claim else None,
            "last_error": _clip(outcome.error),
        }
    else:
        values = {"status": outcome.status, "last_error": _clip(outcome.error)}
        if outcome.channel_id:
            values["channel_id"] = outcome.channel_id
    if clears_payload:  # what was sent (or will never be) need not be kept: it may hold a person's words
        values["payload"] = {}
    return values


def _clip(error: str | None) -> str | None:
    return error[:200] if error else None
