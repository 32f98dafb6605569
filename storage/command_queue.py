"""The queue between `web` processes, which acknowledge `/mentori` commands, and workers, which carry them out.

A command is taken at most once: taking deletes the row and returns it in one statement (`FOR UPDATE SKIP LOCKED`
on PostgreSQL, so workers never wait for each other; SQLite runs one writer at a time). A worker that dies while
running a command loses it, as a web process dying after its ack would: Slack shows the user nothing and they
can run it again, which is safer than running a kickoff or a `forget` twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

from storage.models import QueuedCommand

TABLE = QueuedCommand.__table__  # type: ignore[attr-defined]
PRIVATE_FIELDS = frozenset({"token"})  # Slack's legacy verification token is a secret: it is not stored


@dataclass(frozen=True)
class Queued:
    id: int
    team_id: str
    payload: dict[str, Any]
    enqueued_at: datetime


def enqueue(engine: Engine, team_id: str, payload: dict[str, Any], *, now: datetime) -> None:
    """Store a command for a worker."""
    kept = {key: value for key, value in payload.items() if key not in PRIVATE_FIELDS}
    with engine.begin() as connection:
        connection.execute(insert(TABLE).values(team_id=team_id, payload=kept, enqueued_at=now))


def take(engine: Engine, limit: int) -> list[Queued]:
    """Remove and return up to `limit` of the oldest commands; another taker never gets the same ones."""
    oldest = select(TABLE.c.id).order_by(TABLE.c.id).limit(limit)
    if engine.dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    statement = delete(TABLE).where(TABLE.c.id.in_(oldest.scalar_subquery())).returning(*TABLE.c)
    with engine.begin() as connection:
        rows = connection.execute(statement).all()
    return sorted((Queued(row.id, row.team_id, row.payload, row.enqueued_at) for row in rows), key=lambda q: q.id)


def backlog(engine: Engine) -> tuple[int, datetime | None]:
    """How many commands wait, and since when the oldest has waited."""
    with engine.connect() as connection:
        count, oldest = connection.execute(select(func.count(), func.min(TABLE.c.enqueued_at))).one()
    return int(count), oldest
