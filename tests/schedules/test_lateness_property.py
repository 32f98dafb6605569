"""A property over random downtimes, time zones and run times: no message is ever sent after its latest-useful
moment — for a prompt, the cohort's grace after the first working moment at or after the moment it was planned for,
however often it was deferred into working hours; for any other message, the latest-useful time it was written with."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.planning import mentor_context
from bot.work_calendar import next_slot
from schedules.sender import Sender
from storage.db import make_engine, session_scope
from storage.models import Cohort, Delivery, Member, MessageKind
from storage.outbox_messages import Envelope, enqueue, post
from tests.support import outbox_world as world
from tests.support.fake_slack import FakeSlack

DATES = (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8))
KICKOFF = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)  # Monday, 14:00 in Helsinki
HORIZON = timedelta(days=9)
ZONES = ["Europe/Helsinki", "America/New_York", "Asia/Tokyo", "Pacific/Auckland"]

downtime = st.tuples(st.integers(0, 9 * 24), st.integers(1, 80))  # (starts hours after the kickoff, lasts hours)
message = st.tuples(st.integers(0, 6 * 24), st.integers(0, 48))  # (due hours after the kickoff, useful for hours)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    return sqlite_template


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    downtimes=st.lists(downtime, max_size=4),
    zones=st.lists(st.sampled_from(ZONES), min_size=1, max_size=3),
    grace=st.sampled_from([0, 6, 24, 48]),
    every=st.sampled_from([2, 5, 8, 11]),
    minute=st.integers(0, 24 * 60 - 1),
    messages=st.lists(message, max_size=5),
)
# The case that once sent a prompt two days late: runs at 17:00, 01:00 and 09:00 in Helsinki, but down on Tuesday
# and Wednesday mornings, so Tuesday's 09:00 prompt is deferred twice and Thursday 09:00 is 48 hours after it.
@example(downtimes=[(18, 2), (42, 2)], zones=["Europe/Helsinki"], grace=24, every=8, minute=180, messages=[])
def test_no_message_is_ever_sent_after_its_latest_useful_moment(
    template: Path,
    downtimes: list[tuple[int, int]],
    zones: list[str],
    grace: int,
    every: int,
    minute: int,
    messages: list[tuple[int, int]],
) -> None:
    folder = Path(tempfile.mkdtemp())
    shutil.copy(template, folder / "mentori.sqlite3")
    engine = make_engine(f"sqlite:///{folder / 'mentori.sqlite3'}")
    try:
        with FakeSlack() as fake:
            latest = _plan(engine, fake, zones, grace, messages)
            sent_at = _run(engine, fake, downtimes, every, minute)
        for marker, moment in sent_at.items():
            assert moment <= latest[marker], f"{marker} sent at {moment}, useful only until {latest[marker]}"
    finally:
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def _plan(
    engine: Any, fake: FakeSlack, zones: Sequence[str], grace: int, messages: Sequence[tuple[int, int]]
) -> dict[tuple[str, int], datetime]:
    """Kick off a cohort and write `messages`; returns each row's latest-useful moment, worked out here."""
    mentors = [world.Mentor(f"UM{number:02d}", tz=zone) for number, zone in enumerate(zones, start=1)]
    world.add_people(fake, mentors)
    seeded = world.seed(engine, dates=DATES, mentors=mentors, grace_hours=grace, checked_at=KICKOFF)
    world.plan(engine, seeded.cohort, 1, KICKOFF)
    latest: dict[tuple[str, int], datetime] = {}
    with session_scope(engine) as session:
        cohort = session.get(Cohort, seeded.cohort)
        assert cohort is not None
        policies = mentor_context(session, cohort, session.exec(select(Member).where(Member.role == "mentor")))
        for row in session.exec(select(Delivery)):
            planned = row.not_before  # as planned, before any run could defer it
            latest[("prompt", int(row.id or 0))] = next_slot(planned, policies[row.member_id]) + timedelta(hours=grace)
        for number, (due, useful) in enumerate(messages):
            due_at = KICKOFF + timedelta(hours=due)
            row_id = enqueue(
                session,
                Envelope(
                    kind=MessageKind.NOTICE,
                    key=f"notice:{number}",
                    team_id=world.TEAM,
                    due_at=due_at,
                    latest_at=due_at + timedelta(hours=useful),
                    payload=post({"text": f"notice {number}"}),
                    user_id=mentors[number % len(mentors)].user_id,
                    cohort_id=seeded.cohort,
                ),
                now=KICKOFF,
            )
            latest[("message", row_id)] = due_at + timedelta(hours=useful)
    return latest


def _run(
    engine: Any, fake: FakeSlack, downtimes: Sequence[tuple[int, int]], every: int, minute: int
) -> dict[tuple[str, int], datetime]:
    """Run the sender every `every` hours from `minute` minutes after the kickoff while up; returns when each message
    reached Slack (once each)."""
    hours = [(start, start + length) for start, length in downtimes]
    down = [(KICKOFF + timedelta(hours=start), KICKOFF + timedelta(hours=end)) for start, end in hours]
    client = world.posting_client(fake)
    sent_at: dict[tuple[str, int], datetime] = {}
    moment = KICKOFF + timedelta(minutes=minute)
    while moment < KICKOFF + HORIZON:
        if not any(start <= moment < end for start, end in down):
            Sender(
                engine=engine,
                client_for=lambda _team: client,
                now=lambda at=moment: at,
                worker="property",
                concurrency=2,
            ).run()
            for posted in fake.messages:
                marker = _marker(posted)
                if marker is not None and marker not in sent_at:
                    sent_at[marker] = moment
        moment += timedelta(hours=every)
    markers = [_marker(posted) for posted in fake.messages]
    assert len(markers) == len(set(markers)), "a message was sent twice"
    return sent_at


def _marker(message: dict[str, Any]) -> tuple[str, int] | None:
    payload = (message.get("metadata") or {}).get("event_payload") or {}
    if "delivery_id" in payload:
        return ("prompt", int(payload["delivery_id"]))
    if "outbox_id" in payload:
        return ("message", int(payload["outbox_id"]))
    return None
