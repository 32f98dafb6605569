"""The queue between `web` processes, which acknowledge Slack's requests, and workers, which carry them out.

What is queued: `/mentori` commands (kind "command") and Events API events (kind "event"). An item is taken at
most once: taking deletes the row and returns it in one statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
workers never wait for each other; SQLite runs one writer at a time). A worker that dies while running an item
loses it, as a web process dying after its ack would: for a command the user sees nothing and can run it again,
which is safer than running a kickoff or a `forget` twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, text

from storage.models import QueuedWork

TABLE = QueuedWork.__table__  # type: ignore[attr-defined]  # SQLModel leaves __table__ untyped
PRIVATE_FIELDS = frozenset({"token"})  # Slack's legacy verification token is a secret: it is not stored
COMMAND, EVENT = "command", "event"


@dataclass(frozen=True)
class Queued:
    id: int
    kind: str
    team_id: str
    payload: dict[str, Any]
    enqueued_at: datetime


@dataclass(frozen=True)
class Item:
    """Something to queue: what Slack sent (`payload`) for one workspace."""

    kind: str
    team_id: str
    payload: dict[str, Any]
    enqueued_at: datetime


def enqueue_many(engine: Engine, items: list[Item]) -> None:
    """Store several in one transaction (one statement)."""
    rows = [
        {
            "kind": item.kind,
            "team_id": item.team_id,
            "enqueued_at": item.enqueued_at,
            "payload": {key: value for key, value in item.payload.items() if key not in PRIVATE_FIELDS},
        }
        for item in items
    ]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Not waiting for the disk: an item lost in a database crash is like one lost by a web process dying
            # after its ack, and the wait would hold up the process that acknowledges.
            connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
        connection.execute(insert(TABLE), rows)


def take(engine: Engine, limit: int) -> list[Queued]:
    """Remove and return up to `limit` of the oldest items; another taker never gets the same ones."""
    oldest = select(TABLE.c.id).order_by(TABLE.c.id).limit(limit)
    if engine.dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    statement = delete(TABLE).where(TABLE.c.id.in_(oldest.scalar_subquery())).returning(*TABLE.c)
    with engine.begin() as connection:
        rows = connection.execute(statement).all()
    queued = (Queued(row.id, row.kind, row.team_id, row.payload, row.enqueued_at) for row in rows)
    return sorted(queued, key=lambda item: item.id)


def anything_waiting(engine: Engine) -> bool:
    """A cheap read: looking at an empty queue takes no write lock on SQLite."""
    with engine.connect() as connection:
        return connection.execute(select(TABLE.c.id).limit(1)).first() is not None


def by_person(connection: Connection, team_id: str, user_id: str) -> list[int]:
    """The ids of queued items sent by this person (a command they typed, an event of theirs)."""
    rows = connection.execute(select(TABLE.c.id, TABLE.c.payload).where(TABLE.c.team_id == team_id)).all()
    return [row.id for row in rows if sender(row.payload) == user_id]


def sender(payload: dict[str, Any]) -> str | None:
    """Who sent what Slack delivered: the user who typed a command or wrote a DM."""
    event = payload.get("event")
    return str(event.get("user")) if isinstance(event, dict) else payload.get("user_id")


def backlog(engine: Engine) -> tuple[int, datetime | None]:
    """How many items wait, and since when the oldest has waited."""
    with engine.connect() as connection:
        count, oldest = connection.execute(select(func.count(), func.min(TABLE.c.enqueued_at))).one()
    return int(count), oldest
