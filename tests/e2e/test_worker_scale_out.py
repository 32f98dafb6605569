"""Two `python -m bot worker` processes on one PostgreSQL database, against the fake Slack as a process: together
they send a kickoff to 1,000 mentors exactly once each, and when the leader is killed the standby takes over."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from schedules.scheduler import ELECT_EVERY, LOCK_KEY
from storage.db import make_engine
from storage.models import Delivery, DeliveryStatus
from tests.support import outbox_world as world
from tests.support import waiting
from tests.support.process import ROOT, fake_slack_process

pytestmark = pytest.mark.e2e
KICKOFF = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)  # Monday, 14:00 in Helsinki
SESSIONS = (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8))
MENTORS = [f"U{number:07d}" for number in range(1, 1001)]  # the users the fake Slack process creates
# The workers' clock in the takeover test: post_summaries, a job only the leader runs, is due 25 s after the start.
BEFORE_SUMMARIES = datetime(2027, 1, 11, 12, 14, 35, tzinfo=UTC)
RUNNING = re.compile(r"Mentori worker (\S+) running \((leader|standby)\)")
# A standby that takes over adds the stored jobs to the database job store; the log's time is the worker's clock.
TOOK_STORED_JOBS = re.compile(r'^(\S+ \S+) INFO \S+: Added job "post_summaries" to job store "database"', re.M)
ONLY_POSTGRES = "scaling workers out is checked on PostgreSQL: its advisory leader lock and SKIP LOCKED claims"


@dataclass
class Worker:
    """One `python -m bot worker` process; its connections are named mentori-worker-`label` in pg_stat_activity."""

    label: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def started(self) -> re.Match[str] | None:
        return RUNNING.search(self.output())

    @property
    def name(self) -> str:
        """Its `claimed_by` (host:pid:random), as it says when it starts."""
        started = self.started()
        assert started, self.output()
        return started.group(1)

    def took_stored_jobs(self) -> str | None:
        """When (by its clock) it added the stored jobs to the database job store, if it has."""
        found = TOOK_STORED_JOBS.search(self.output())
        return found.group(1) if found else None

    @property
    def role(self) -> str:
        started = self.started()
        assert started, self.output()
        return started.group(2)


@contextmanager
def workers(database_url: str, api: str, at: datetime, folder: Path) -> Iterator[list[Worker]]:
    """Workers "a" and "b", started together with their clocks at `at`; stopped with SIGTERM at the end."""
    started: list[Worker] = []
    try:
        for label in ("a", "b"):
            env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "MENTORI_"))}
            env.update(
                {
                    "SLACK_BOT_TOKEN": "xoxb-test",
                    "SLACK_API_URL": f"{api}/api/",
                    "DATABASE_URL": database_url,
                    "PYTHONUNBUFFERED": "1",
                    "LOG_LEVEL": "INFO",
                }
            )
            env["PGAPPNAME"] = f"mentori-worker-{label}"  # libpq's application_name, seen in pg_stat_activity
            log = folder / f"worker-{label}.log"
            with log.open("ab") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "tests.support.clocked", "--at", at.isoformat(), "worker"],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            started.append(Worker(label, process, log))
        yield started
    finally:
        for worker in started:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        for worker in started:
            try:
                worker.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()


def read(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def wait_for(
    what: str, condition: Callable[[], bool], pool: list[Worker], *, progress: Callable[[], object] = lambda: None
) -> None:
    """Until `condition()`, as long as something moves: `progress`, or what the workers write."""

    def said() -> str:
        return "the workers said:\n" + "\n".join(f"--- worker {w.label}:\n{w.output()[-3000:]}" for w in pool)

    def moving() -> object:
        return progress(), tuple(len(w.output()) for w in pool)

    waiting.wait_for(what, condition, progress=moving, said=said)


def lock_holders(engine: Engine) -> list[str]:
    """The application names of the sessions holding the leader lock (pg_locks splits a bigint key in two)."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    "SELECT activity.application_name FROM pg_locks JOIN pg_stat_activity activity USING (pid) "
                    "WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database "
                    "WHERE datname = current_database()) AND classid = :high AND objid = :low AND objsubid = 1"
                ),
                {"high": LOCK_KEY >> 32, "low": LOCK_KEY & 0xFFFFFFFF},
            ).scalars()
        )


def require_postgres(database_url: str) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip(ONLY_POSTGRES)


def test_two_workers_share_a_fan_out_to_1000_mentors_and_each_mentor_gets_one_prompt(
    database_url: str, tmp_path: Path
) -> None:
    require_postgres(database_url)
    engine = make_engine(database_url)
    seeded = world.seed(engine, dates=SESSIONS, mentors=MENTORS, coach=None, checked_at=KICKOFF)
    assert world.plan(engine, seeded.cohort, 1, KICKOFF) > len(MENTORS)
    kickoff = Delivery.step_id == "s1-kickoff"

    def unsent() -> int:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count()).select_from(Delivery).where(kickoff, Delivery.status != DeliveryStatus.SENT)
                ).scalar_one()
            )

    with ExitStack() as stack:
        api = stack.enter_context(fake_slack_process("--latency", "0.02", "--users", str(len(MENTORS))))
        pool = stack.enter_context(workers(database_url, api, KICKOFF, tmp_path))
        wait_for("every kickoff sent", lambda: unsent() == 0, pool, progress=unsent)
        messages = read(f"{api}/_fake/messages")
        stats = read(f"{api}/_fake/stats")
    for worker in pool:
        assert worker.process.returncode == 0, worker.output()[-3000:]
        assert "were not stored" not in worker.output()

    rows = world.deliveries(engine, kickoff)
    assert len(rows) == len(MENTORS) and {row.status for row in rows} == {DeliveryStatus.SENT}
    later = world.deliveries(engine, Delivery.step_id != "s1-kickoff")
    assert {(row.status, row.claimed_by) for row in later} == {(DeliveryStatus.PLANNED, None)}  # not due yet
    assert Counter(m["channel"] for m in messages) == Counter({f"D{user[1:]}": 1 for user in MENTORS})
    assert {(m["channel"], m["ts"]) for m in messages} == {(row.channel_id, row.message_ts) for row in rows}
    assert stats["invalid"] == [] and stats["calls"]["chat.postMessage"] == len(MENTORS)
    # Both processes sent a fair share: a test where one worker idled while the other sent everything would fail.
    per_worker = Counter(row.claimed_by for row in rows)
    assert set(per_worker) == {worker.name for worker in pool}, per_worker
    assert min(per_worker.values()) >= len(MENTORS) // 10, per_worker
    assert sorted(worker.role for worker in pool) == ["leader", "standby"]
    engine.dispose()


def test_when_the_leader_is_killed_the_standby_takes_the_lock_and_runs_the_stored_jobs(
    database_url: str, tmp_path: Path
) -> None:
    require_postgres(database_url)
    engine = make_engine(database_url)
    with ExitStack() as stack:
        api = stack.enter_context(fake_slack_process())
        pool = stack.enter_context(workers(database_url, api, BEFORE_SUMMARIES, tmp_path))
        wait_for("both workers running", lambda: all(w.started() for w in pool), pool)
        leader, standby = sorted(pool, key=lambda w: w.role)
        assert (leader.role, standby.role) == ("leader", "standby")
        assert lock_holders(engine) == [f"mentori-worker-{leader.label}"]

        leader.process.send_signal(signal.SIGKILL)
        leader.process.wait(timeout=10)
        killed = time.monotonic()
        wait_for(
            "the standby holding the leader lock",
            lambda: lock_holders(engine) == [f"mentori-worker-{standby.label}"],
            pool,
        )
        took_over = time.monotonic() - killed
        wait_for("the new leader taking the stored jobs", lambda: standby.took_stored_jobs() is not None, pool)
        assert str(standby.took_stored_jobs()) < "2027-01-11 12:15:00", "the takeover came too late for this test"
        wait_for(
            "post_summaries run by the new leader", lambda: 'Running job "post_summaries' in standby.output(), pool
        )
    assert took_over < ELECT_EVERY + 5, f"the standby took {took_over:.1f} s to take over"
    assert 'Running job "post_summaries' not in leader.output()
    assert standby.process.returncode == 0, standby.output()[-3000:]
    engine.dispose()
