"""The web process's queue writer: batches, a bounded buffer, and what happens when the database fails."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event

import storage.work_queue
from bot.queue_writer import Pending, QueueWriter
from storage import work_queue

NOW = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)


def pending(number: int, lost: Any = None) -> Pending:
    return Pending(work_queue.Item(work_queue.COMMAND, "T111", {"n": number}, NOW), lost)


def test_items_from_many_threads_are_written_in_a_few_batches_in_order_of_arrival(engine: Engine) -> None:
    inserts: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def count(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT"):
            inserts.append(statement)

    writer = QueueWriter(engine, every=0.02).start()
    gate = threading.Barrier(8)

    def put_many(offset: int) -> None:
        gate.wait()
        for number in range(offset, offset + 50):
            assert writer.put(pending(number))

    threads = [threading.Thread(target=put_many, args=(offset,)) for offset in range(0, 400, 50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    taken = [queued.payload["n"] for queued in work_queue.take(engine, 1000)]
    assert sorted(taken) == list(range(400))
    for offset in range(0, 400, 50):  # each thread's items keep their order
        mine = [n for n in taken if offset <= n < offset + 50]
        assert mine == sorted(mine)
    assert len(inserts) < 400 / 4


def test_a_full_buffer_refuses_more(engine: Engine) -> None:
    writer = QueueWriter(engine, capacity=2)  # not started: nothing empties it
    assert writer.put(pending(1)) and writer.put(pending(2))
    assert writer.put(pending(3)) is False


def test_items_the_database_never_takes_are_reported_lost_one_by_one(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    attempts: list[int] = []

    def database_down(_engine: Engine, items: list[work_queue.Item]) -> None:
        attempts.append(len(items))
        raise OSError("connection refused")

    monkeypatch.setattr(storage.work_queue, "enqueue_many", database_down)
    lost: list[int] = []
    writer = QueueWriter(engine, retry_wait=0).start()
    for number in range(3):
        writer.put(pending(number, lost=lambda number=number: lost.append(number)))
    writer.flush()
    writer.close()
    assert sorted(lost) == [0, 1, 2]
    assert len(attempts) >= 3 and "queued items were lost: the database did not take them" in caplog.text


def test_closing_writes_what_is_still_buffered(engine: Engine) -> None:
    writer = QueueWriter(engine, every=1.0).start()
    for number in range(5):
        writer.put(pending(number))
    writer.close()
    assert [queued.payload["n"] for queued in work_queue.take(engine, 10)] == [0, 1, 2, 3, 4]
