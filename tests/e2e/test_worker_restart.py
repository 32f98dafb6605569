"""`python -m bot worker` as a process against the fake Slack as a process: killed with SIGKILL in the middle of a
fan-out to 200 mentors and started again, it leaves every mentor with exactly one kickoff DM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import col

from storage.db import make_engine, session_scope
from storage.models import Delivery, DeliveryStatus
from tests.support import outbox_world as world
from tests.support.process import ROOT, fake_slack_process
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
KICKOFF = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)  # Monday, 14:00 in Helsinki
MENTORS = [f"U{number:07d}" for number in range(1, 201)]  # the users the fake Slack process creates


def read(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def start_worker(database_url: str, api: str, at: datetime, log: Path) -> subprocess.Popen[bytes]:
    """The real `python -m bot worker`, its clock starting at `at`."""
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
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.support.clocked", "--at", at.isoformat(), "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def said(log: Path) -> Callable[[], str]:
    return lambda: "the worker said:\n" + log.read_text()[-4000:]


def kickoff_rows(engine: Engine) -> list[Delivery]:
    return world.deliveries(engine, Delivery.step_id == "s1-kickoff")


def test_a_worker_killed_mid_fan_out_and_started_again_sends_every_mentor_exactly_one_prompt(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    log = tmp_path / "worker.log"
    with fake_slack_process("--latency", "0.2", "--users", str(len(MENTORS))) as api:
        seeded = world.seed(
            engine,
            dates=(date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8)),
            mentors=MENTORS,
            coach=None,
            checked_at=KICKOFF,
        )
        assert world.plan(engine, seeded.cohort, 1, KICKOFF) > len(MENTORS)
        with session_scope(engine) as session:  # the fan-out of the kickoffs alone: the T0 check-ins that follow
            session.exec(  # them two minutes later would be due for the second worker too
                update(Delivery).where(col(Delivery.step_id) != "s1-kickoff").values(status=DeliveryStatus.CANCELLED)
            )

        def posted() -> int:
            return int(read(f"{api}/_fake/stats")["calls"].get("chat.postMessage", 0))

        first = start_worker(database_url, api, KICKOFF, log)
        try:
            wait_for("the first 50 posts", lambda: posted() >= 50, progress=posted, said=said(log))
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        before = posted()
        assert before < len(MENTORS), "the fan-out had finished before the kill: nothing was tested"
        unfinished = [row for row in kickoff_rows(engine) if row.status != DeliveryStatus.SENT]
        assert any(row.status == DeliveryStatus.SENDING for row in unfinished)  # claimed by the dead worker

        second = start_worker(database_url, api, KICKOFF + timedelta(minutes=5), log)  # past the 2-minute lease
        try:
            wait_for(
                "every kickoff sent",
                lambda: all(r.status == DeliveryStatus.SENT for r in kickoff_rows(engine)),
                progress=lambda: sum(r.status == DeliveryStatus.SENT for r in kickoff_rows(engine)),
                said=said(log),
            )
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=20) == 0, log.read_text()[-4000:]

        messages = read(f"{api}/_fake/messages")
        stats = read(f"{api}/_fake/stats")
    rows = kickoff_rows(engine)
    per_delivery = Counter(m["metadata"]["event_payload"]["delivery_id"] for m in messages)
    assert sorted(per_delivery) == sorted(row.id for row in rows) and set(per_delivery.values()) == {1}
    assert Counter(m["channel"] for m in messages) == Counter({f"D{user[1:]}": 1 for user in MENTORS})
    assert {(m["channel"], m["ts"]) for m in messages} == {(row.channel_id, row.message_ts) for row in rows}
    # The killed worker may have sent the headers of a post but not its body: Slack (and the fake) refuse that.
    cut_off = [reason for method, reason in stats["invalid"] if method == "chat.postMessage"]
    assert len(cut_off) == len(stats["invalid"]) <= 16 and all("missing required: ['channel']" in r for r in cut_off)
    assert stats["calls"]["chat.postMessage"] - len(cut_off) == len(MENTORS)  # no prompt was posted twice
    assert stats["calls"].get("conversations.history", 0) >= 1  # the taken-over claims were looked up first
    engine.dispose()
