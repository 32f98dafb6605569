"""Workers' heartbeats: who is alive, who leads, and what a minute of silence means."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from storage import worker_beats

NOW = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)


def test_a_beating_leader_and_standby_are_both_alive(engine: Engine) -> None:
    worker_beats.beat(engine, "host-a:1", leader=True, now=NOW)
    worker_beats.beat(engine, "host-b:2", leader=False, now=NOW)
    worker_beats.beat(engine, "host-b:2", leader=False, now=NOW + timedelta(seconds=10))
    assert worker_beats.workers(engine, now=NOW + timedelta(seconds=30)) == worker_beats.Workers(2, "host-a:1")


def test_a_leader_silent_for_a_minute_is_no_longer_counted(engine: Engine) -> None:
    worker_beats.beat(engine, "host-a:1", leader=True, now=NOW)
    worker_beats.beat(engine, "host-b:2", leader=False, now=NOW + timedelta(seconds=50))
    assert worker_beats.workers(engine, now=NOW + timedelta(seconds=61)) == worker_beats.Workers(1, None)


def test_a_standby_that_takes_over_is_reported_as_the_leader(engine: Engine) -> None:
    worker_beats.beat(engine, "host-a:1", leader=True, now=NOW)
    worker_beats.beat(engine, "host-b:2", leader=False, now=NOW)
    worker_beats.stopped(engine, "host-a:1")
    worker_beats.beat(engine, "host-b:2", leader=True, now=NOW + timedelta(seconds=10))
    assert worker_beats.workers(engine, now=NOW + timedelta(seconds=15)) == worker_beats.Workers(1, "host-b:2")


def test_beats_of_workers_silent_for_a_day_are_dropped(engine: Engine) -> None:
    worker_beats.beat(engine, "old:1", leader=False, now=NOW - timedelta(days=2))
    worker_beats.beat(engine, "new:2", leader=False, now=NOW)
    assert worker_beats.forget_silent(engine, now=NOW) == 1
    assert worker_beats.workers(engine, now=NOW, within=timedelta(days=7)).alive == 1
