"""Workers' heartbeats: which worker processes are alive and which of them leads the scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from storage.models import WorkerBeat

TABLE = WorkerBeat.__table__  # type: ignore[attr-defined]  # SQLModel leaves __table__ untyped
ALIVE_WITHIN = timedelta(seconds=60)  # a worker beats every ELECT_EVERY (10 s); a minute of silence means it died


@dataclass(frozen=True)
class Workers:
    alive: int
    leader: str | None  # the alive worker that leads the scheduler, if any


def beat(engine: Engine, worker: str, *, leader: bool, now: datetime) -> None:
    """Record that `worker` is alive now (and whether it leads)."""
    with engine.begin() as connection:
        changed = connection.execute(
            update(TABLE).where(TABLE.c.worker == worker).values(leader=leader, beat_at=now)
        ).rowcount
    if changed:
        return
    try:
        with engine.begin() as connection:
            connection.execute(TABLE.insert().values(worker=worker, leader=leader, started_at=now, beat_at=now))
    except IntegrityError:
        beat(engine, worker, leader=leader, now=now)  # inserted meanwhile by this worker's other thread


def stopped(engine: Engine, worker: str) -> None:
    """A worker that shuts down cleanly leaves no heartbeat behind."""
    with engine.begin() as connection:
        connection.execute(delete(TABLE).where(TABLE.c.worker == worker))


def workers(engine: Engine, *, now: datetime, within: timedelta = ALIVE_WITHIN) -> Workers:
    """The workers heard from within `within`, and the leader among them."""
    with engine.connect() as connection:
        rows = connection.execute(select(TABLE.c.worker, TABLE.c.leader).where(TABLE.c.beat_at >= now - within)).all()
    leaders = sorted(row.worker for row in rows if row.leader)
    return Workers(alive=len(rows), leader=leaders[0] if leaders else None)


def forget_silent(engine: Engine, *, now: datetime, older_than: timedelta = timedelta(days=1)) -> int:
    """Drop the beats of workers silent for a day (killed, never stopped cleanly)."""
    with engine.begin() as connection:
        return int(connection.execute(delete(TABLE).where(TABLE.c.beat_at < now - older_than)).rowcount or 0)
