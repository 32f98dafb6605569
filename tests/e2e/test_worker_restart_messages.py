"""`python -m bot worker` killed with SIGKILL in the middle of sending reminders, and of posting HR summaries, then
started again: every reminder reaches its prompt's thread exactly once, every summary its HR channel exactly once."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from schedules.reminders import enqueue_reminders
from storage.db import make_engine, session_scope
from storage.models import Delivery, DeliveryStatus, MessageKind, Organisation, OutboxMessage, SummaryPost
from storage.outbox_messages import Envelope, enqueue, post, summary_key
from tests.e2e.test_worker_restart import read, said, start_worker
from tests.support import outbox_world as world
from tests.support.process import fake_slack_process
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
DATES = (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8))
KICKOFF = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)  # Monday, 14:00 in Helsinki
PROMPTED = datetime(2027, 1, 12, 7, 0, tzinfo=UTC)  # Tuesday 09:00 in Helsinki: the prompt went out
REMINDED = datetime(2027, 1, 14, 8, 0, tzinfo=UTC)  # Thursday 10:00: two working days later, its reminder is due
MENTORS = [f"U{number:07d}" for number in range(1, 201)]  # the users the fake Slack process creates
CHANNELS = [f"G{number:07d}" for number in range(1, 201)]  # … and its private channels


def kill_mid_way_and_restart(database_url: str, api: str, at: datetime, log: Path, done: Callable[[], bool]) -> None:
    """A worker killed after its first 50 posts, and a second one started past the claims' lease."""

    def posted() -> int:
        return int(read(f"{api}/_fake/stats")["calls"].get("chat.postMessage", 0))

    first = start_worker(database_url, api, at, log)
    try:
        wait_for("the first 50 posts", lambda: posted() >= 50, progress=posted, said=said(log))
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert posted() < 200, "everything was sent before the kill: nothing was tested"
    second = start_worker(database_url, api, at + timedelta(minutes=5), log)
    try:
        wait_for("every message sent", done, progress=posted, said=said(log))
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0, log.read_text()[-4000:]


def sent_once(api: str, rows: list[OutboxMessage]) -> None:
    """Each row's message is in Slack exactly once, where the row says; nothing was posted twice."""
    messages = read(f"{api}/_fake/messages")
    stats = read(f"{api}/_fake/stats")
    per_row = Counter(((m.get("metadata") or {}).get("event_payload") or {}).get("outbox_id") for m in messages)
    assert {row.id: per_row[row.id] for row in rows} == {row.id: 1 for row in rows}
    located = {
        ((m.get("metadata") or {}).get("event_payload") or {}).get("outbox_id"): (m["channel"], m["ts"])
        for m in messages
    }
    assert all(located[row.id] == (row.channel_id, row.message_ts) for row in rows)
    # The killed worker may have sent the headers of a post but not its body: Slack (and the fake) refuse that.
    cut_off = [reason for method, reason in stats["invalid"] if method == "chat.postMessage"]
    assert len(cut_off) == len(stats["invalid"]) <= 16
    assert stats["calls"]["chat.postMessage"] - len(cut_off) == len(rows)  # no message was posted twice


def rows_of(engine: Engine, kind: str) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_a_worker_killed_while_sending_reminders_leaves_each_prompt_with_exactly_one(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    with fake_slack_process("--latency", "0.2", "--users", str(len(MENTORS))) as api:
        seeded = world.seed(engine, dates=DATES, mentors=MENTORS, coach=None, checked_at=KICKOFF)
        world.plan(engine, seeded.cohort, 1, KICKOFF)
        _sent_on_tuesday(engine)
        with session_scope(engine) as session:
            assert len(enqueue_reminders(session, now=REMINDED)) == len(MENTORS)

        def all_sent() -> bool:
            return all(row.status == DeliveryStatus.SENT for row in rows_of(engine, MessageKind.REMINDER))

        kill_mid_way_and_restart(database_url, api, REMINDED, tmp_path / "worker.log", all_sent)
        rows = rows_of(engine, MessageKind.REMINDER)
        sent_once(api, rows)
        threads = {(row.channel_id, row.message_ts) for row in world.deliveries(engine, Delivery.step_id == "s1-goal")}
        assert {(row.channel_id, row.thread_ts) for row in rows} == threads  # each in its prompt's thread
    engine.dispose()


def _sent_on_tuesday(engine: Engine) -> None:
    """Tuesday's prompt (`s1-goal`) went out to everyone and nobody has answered."""
    with session_scope(engine) as session:
        rows = session.exec(select(Delivery).where(Delivery.step_id == "s1-goal")).all()
        for number, row in enumerate(rows, start=1):
            user = MENTORS[number - 1]
            session.execute(
                update(Delivery)
                .where(col(Delivery.id) == row.id)
                .values(
                    status=DeliveryStatus.SENT,
                    sent_at=PROMPTED,
                    channel_id=f"D{user[1:]}",
                    message_ts=f"1700000000.{number:06d}",
                )
            )


def test_a_worker_killed_while_posting_hr_summaries_posts_each_exactly_once(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    at = datetime(2027, 2, 5, 8, 0, tzinfo=UTC)
    with fake_slack_process("--latency", "0.2", "--channels", str(len(CHANNELS))) as api:
        seeded = world.seed(engine, dates=DATES, mentors=[], coach=None, checked_at=KICKOFF)
        _summaries_planned(engine, seeded.cohort, at)

        def all_posted() -> bool:
            with Session(engine) as session:
                return all(row.message_ts for row in session.exec(select(SummaryPost)))

        kill_mid_way_and_restart(database_url, api, at, tmp_path / "worker.log", all_posted)
        rows = rows_of(engine, MessageKind.SUMMARY)
        sent_once(api, rows)
        with Session(engine) as session:
            posts = {post_row.channel_id: post_row.message_ts for post_row in session.exec(select(SummaryPost))}
        assert posts == {row.channel_id: row.message_ts for row in rows} and sorted(posts) == CHANNELS
    engine.dispose()


def _summaries_planned(engine: Engine, cohort_id: int, at: datetime) -> None:
    """200 organisations, each with its summary of the period waiting in the outbox for its HR channel."""
    with session_scope(engine) as session:
        for channel in CHANNELS:
            organisation = Organisation(
                team_id=world.TEAM, cohort_id=cohort_id, name=f"Org {channel}", hr_channel_id=channel
            )
            session.add(organisation)
            session.flush()
            summary = SummaryPost(
                team_id=world.TEAM,
                cohort_id=cohort_id,
                organisation_id=organisation.id,
                period="before-session-2",
                figures={},
            )
            session.add(summary)
            session.flush()
            message: dict[str, Any] = {"text": f"Summary for Org {channel}"}
            envelope = Envelope(
                kind=MessageKind.SUMMARY,
                key=summary_key(int(summary.id or 0)),
                team_id=world.TEAM,
                due_at=at,
                latest_at=at + timedelta(days=7),
                payload=post(message),
                channel_id=channel,
                cohort_id=cohort_id,
            )
            enqueue(session, envelope, now=at)
