"""The `web` role in tests: a queue writer, and a worker's pass over what was queued."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.app import queued_work_runner
from bot.deps import Deps
from bot.queue_writer import QueueWriter
from storage import work_queue


@pytest.fixture
def writer(engine: Engine) -> Iterator[QueueWriter]:
    """What a web process hands its queued work to."""
    started = QueueWriter(engine, retry_wait=0).start()
    yield started
    started.close()


def run_queue(deps: Deps, writer: QueueWriter) -> int:
    """What a worker does: take everything web queued so far and carry it out; returns how many items."""
    writer.flush()
    run = queued_work_runner(deps)
    taken = work_queue.take(deps.engine, 1000)
    for queued in taken:
        run(queued)
    return len(taken)


def enqueue(engine: Engine, kind: str, team_id: str, payload: dict[str, Any], *, now: datetime) -> None:
    """Queue one item, as a web process's writer would."""
    work_queue.enqueue_many(engine, [work_queue.Item(kind, team_id, payload, now)])
