"""The work queue between web processes and workers: in order, at most once, without Slack's token."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from storage import work_queue
from tests.support.queued import enqueue

NOW = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)


def test_commands_come_out_oldest_first_and_only_once(engine: Engine) -> None:
    for number in range(5):
        enqueue(engine, "command", "T111", {"text": f"status {number}"}, now=NOW + timedelta(seconds=number))
    first = work_queue.take(engine, 3)
    rest = work_queue.take(engine, 10)
    assert [q.payload["text"] for q in first] == ["status 0", "status 1", "status 2"]
    assert [q.payload["text"] for q in rest] == ["status 3", "status 4"]
    assert work_queue.take(engine, 10) == []
    assert (first[0].kind, first[0].team_id, first[0].enqueued_at) == ("command", "T111", NOW)


def test_slacks_verification_token_is_not_stored(engine: Engine) -> None:
    enqueue(engine, "command", "T111", {"token": "secret-verification-token", "text": "status"}, now=NOW)
    (queued,) = work_queue.take(engine, 1)
    assert queued.payload == {"text": "status"}


def test_the_backlog_counts_what_waits_and_since_when(engine: Engine) -> None:
    assert work_queue.backlog(engine) == (0, None)
    enqueue(engine, "command", "T111", {"text": "status"}, now=NOW)
    enqueue(engine, "command", "T222", {"text": "status"}, now=NOW + timedelta(minutes=1))
    assert work_queue.backlog(engine) == (2, NOW)


def test_takers_racing_each_other_never_get_the_same_command(engine: Engine) -> None:
    for number in range(300):
        enqueue(engine, "command", "T111", {"n": number}, now=NOW)
    taken: list[int] = []
    lock = threading.Lock()

    def taker() -> None:
        while batch := work_queue.take(engine, 7):
            with lock:
                taken.extend(q.payload["n"] for q in batch)

    threads = [threading.Thread(target=taker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == list(range(300))
