"""Every kind of message through a storm: 10 % of calls answered 429, 5 % 503, 5 % of connections dropped (half
of them after Slack acted). Nothing is lost, nothing arrives twice."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select

from schedules.sender import Sender
from storage.db import session_scope
from storage.models import Delivery, DeliveryStatus, MessageKind, OutboxMessage
from storage.outbox_messages import Envelope, deletion, enqueue, post, upload
from tests.support import outbox_world as world
from tests.support.fake_slack import FakeSlack, Faults

DATES = (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8))
KICKOFF = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)  # Monday, 14:00 in Helsinki
MENTORS = [f"UM{number:02d}" for number in range(1, 25)]
HR_CHANNELS = [f"GHR{number:02d}" for number in range(1, 9)]
STORM = Faults(ratelimited=0.10, server_error=0.05, dropped=0.05, retry_after=1)
DEADLINE = 240.0  # seconds: generous, the storm is random


def sender(engine: Engine, fake: FakeSlack, at: datetime) -> Sender:
    return Sender(
        engine=engine,
        client_for=lambda _team: world.posting_client(fake),
        now=lambda: at,
        worker="storm",
        concurrency=8,
        settle=0.2,
        budget=20,
    )


def send_until_settled(engine: Engine, fake: FakeSlack, at: datetime) -> None:
    """Run the sender until no row is waiting or in flight (each run gives back what it could not finish)."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        sender(engine, fake, at).run()
        waiting = []
        with Session(engine) as session:
            for table in (Delivery, OutboxMessage):
                due = or_(
                    table.status == DeliveryStatus.SENDING,
                    (table.status == DeliveryStatus.PLANNED) & (col(table.not_before) <= at),
                )
                waiting += session.exec(select(table.id).where(due)).all()
        if not waiting:
            return
    raise AssertionError(f"rows still waiting after {DEADLINE} s: {waiting}")


def marked(fake: FakeSlack, row_id: int) -> list[dict[str, Any]]:
    """The messages in the fake that carry outbox row `row_id`'s marker."""
    return [
        m for m in fake.messages if ((m.get("metadata") or {}).get("event_payload") or {}).get("outbox_id") == row_id
    ]


def test_every_kind_of_message_arrives_exactly_once_through_429s_503s_and_dropped_connections(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    world.add_people(fake_slack, MENTORS)
    for channel in HR_CHANNELS:
        fake_slack.add_channel(channel, name=channel.lower())
    seeded = world.seed(engine, dates=DATES, mentors=MENTORS)
    world.plan(engine, seeded.cohort, 1, KICKOFF)
    # Messages posted before the storm, to be deleted in it (an erased person's DMs).
    doomed = [
        fake_slack.handle_api("chat.postMessage", {"channel": f"D{u[1:]}", "text": "old"}, "xoxb-test")[2]
        for u in MENTORS[:6]
    ]
    fake_slack.faults = STORM

    send_until_settled(engine, fake_slack, KICKOFF)  # the kickoff DMs (prompts)
    kickoffs = world.deliveries(engine, Delivery.step_id == "s1-kickoff")
    assert Counter(world.prompt_ids(fake_slack)) == Counter({row.id: 1 for row in kickoffs})

    ids: dict[str, list[int]] = {kind: [] for kind in MessageKind if kind != MessageKind.INTRODUCTION}
    late = KICKOFF + timedelta(days=7)
    with session_scope(engine) as session:

        def add(kind: str, key: str, payload: dict[str, Any], **where: Any) -> None:
            ids[kind].append(
                enqueue(
                    session,
                    Envelope(
                        kind=kind,
                        key=key,
                        team_id=world.TEAM,
                        due_at=KICKOFF,
                        latest_at=late,
                        payload=payload,
                        cohort_id=seeded.cohort,
                        **where,
                    ),
                    now=KICKOFF,
                )
            )

        for row in kickoffs:
            user = next(u for u, m in seeded.members.items() if m == row.member_id)
            add(
                MessageKind.REMINDER,
                f"reminder:{row.id}",
                post({"text": f"reminder {user}"}),
                channel_id=row.channel_id,
                thread_ts=row.message_ts,
                member_id=row.member_id,
            )
            add(MessageKind.WELCOME, f"welcome:{user}", post({"text": f"welcome {user}"}), user_id=user)
            add(
                MessageKind.FILE,
                f"file:{user}",
                upload(content=f"data of {user}", filename=f"data-{user}.json", title="data", comment="your data"),
                user_id=user,
            )
        for channel in HR_CHANNELS:
            add(
                MessageKind.SUMMARY, f"summary-test:{channel}", post({"text": f"summary {channel}"}), channel_id=channel
            )
        for number in range(6):
            add(MessageKind.COACH_REPORT, f"report:{number}", post({"text": f"report {number}"}), user_id=world.COACH)
            add(MessageKind.NOTICE, f"notice:{number}", post({"text": f"notice {number}"}), user_id=world.COACH)
        for answer in doomed:
            add(
                MessageKind.DELETION,
                f"erased:{answer['channel']}:{answer['ts']}",
                deletion(answer["ts"]),
                channel_id=answer["channel"],
            )

    send_until_settled(engine, fake_slack, KICKOFF + timedelta(hours=1))

    with Session(engine) as session:
        rows = {row.id: row for row in session.exec(select(OutboxMessage))}
    assert {row.status for row in rows.values()} == {DeliveryStatus.SENT}
    for kind in (
        MessageKind.REMINDER,
        MessageKind.WELCOME,
        MessageKind.SUMMARY,
        MessageKind.COACH_REPORT,
        MessageKind.NOTICE,
    ):
        for row_id in ids[kind]:
            [message] = marked(fake_slack, row_id)  # exactly one
            assert (message["channel"], message["ts"]) == (rows[row_id].channel_id, rows[row_id].message_ts)
    for row_id in ids[MessageKind.REMINDER]:
        assert marked(fake_slack, row_id)[0]["thread_ts"] == rows[row_id].thread_ts  # in the prompt's thread
    uploads = Counter(upload["name"] for upload in fake_slack.uploads)
    assert uploads == Counter({f"data-{user}.json": 1 for user in MENTORS})
    present = {(m["channel"], m["ts"]) for m in fake_slack.messages}
    assert not present & {(answer["channel"], answer["ts"]) for answer in doomed}  # every deletion done
    assert fake_slack.injected["ratelimited"] and fake_slack.injected["server_error"]
    assert fake_slack.injected["dropped_before"] and fake_slack.injected["dropped_after"]
    assert not fake_slack.invalid
