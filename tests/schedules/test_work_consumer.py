"""The worker's consumer of the work queue: every queued item runs once, on a bounded number of threads."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from schedules.work_consumer import WorkConsumer, by_sender
from storage import work_queue
from tests.support.queued import enqueue

NOW = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)


def fill(engine: Engine, count: int) -> None:
    for number in range(count):
        enqueue(engine, "command", "T111", {"n": number}, now=NOW)


def wait_until(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_two_consumers_on_one_database_run_every_command_exactly_once(engine: Engine) -> None:
    ran: Counter[int] = Counter()
    lock = threading.Lock()

    def run(queued: work_queue.Queued) -> None:
        time.sleep(0.002)
        with lock:
            ran[queued.payload["n"]] += 1

    fill(engine, 200)
    consumers = [WorkConsumer(engine, run, threads=3, idle_wait=0.01).start() for _ in range(2)]
    try:
        wait_until(lambda: sum(ran.values()) >= 200)
    finally:
        for consumer in consumers:
            consumer.stop()
    assert ran == Counter(range(200))
    assert work_queue.backlog(engine)[0] == 0


def test_a_consumer_takes_no_more_than_it_has_threads_for(engine: Engine) -> None:
    release = threading.Event()
    running: list[int] = []

    def run(queued: work_queue.Queued) -> None:
        running.append(queued.payload["n"])
        release.wait(10)

    fill(engine, 10)
    consumer = WorkConsumer(engine, run, threads=2, idle_wait=0.01).start()
    try:
        wait_until(lambda: len(running) == 2)
        time.sleep(0.1)
        assert work_queue.backlog(engine)[0] == 8  # the rest is left for other workers
    finally:
        release.set()
        consumer.stop()


def test_a_failing_command_does_not_stop_the_ones_after_it(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    done: list[int] = []

    def run(queued: work_queue.Queued) -> None:
        if queued.payload["n"] == 0:
            raise RuntimeError("boom")
        done.append(queued.payload["n"])

    fill(engine, 3)
    consumer = WorkConsumer(engine, run, threads=1, idle_wait=0.01).start()
    try:
        wait_until(lambda: len(done) == 2)
    finally:
        consumer.stop()
    assert sorted(done) == [1, 2]
    assert "queued command failed" in caplog.text


def test_stopping_lets_the_running_command_finish_and_takes_nothing_more(engine: Engine) -> None:
    started, finished = threading.Event(), threading.Event()

    def run(queued: work_queue.Queued) -> None:
        started.set()
        time.sleep(0.3)
        finished.set()

    fill(engine, 5)
    consumer = WorkConsumer(engine, run, threads=1, idle_wait=0.01).start()
    assert started.wait(10)
    consumer.stop()
    assert finished.is_set()
    assert work_queue.backlog(engine)[0] == 4


def test_one_persons_items_run_one_after_the_other_and_different_peoples_apart() -> None:
    def item(number: int, team: str, payload: dict[str, Any]) -> work_queue.Queued:
        return work_queue.Queued(number, "event", team, payload, NOW)

    taken = [
        item(1, "T111", {"event": {"type": "message", "user": "UA"}}),
        item(2, "T111", {"user_id": "UB", "text": "status"}),
        item(3, "T111", {"event": {"type": "message", "user": "UA"}}),
        item(4, "T222", {"event": {"type": "message", "user": "UA"}}),  # another workspace's UA
        item(5, "T111", {"event": {"type": "app_home_opened"}}),  # nobody to keep in order with
    ]
    assert [[queued.id for queued in group] for group in by_sender(taken)] == [[1, 3], [2], [4], [5]]
