"""A logged HR meeting settles the block's HR-meeting prompt: no reminder to book a meeting already held."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.deps import Deps
from bot.settings import Settings
from schedules.reminders import enqueue_reminders
from storage.db import session_scope
from storage.models import DeliveryStatus
from tests.support import slack_requests
from tests.support.app_driver import SlackDriver
from tests.support.fake_slack import FakeSlack
from tests.support.mentors import MENTOR, World, add_people, answer_of, delivery, plan, seed, send_prompt, view_text

LATER = datetime(2027, 2, 17, 10, 0, tzinfo=UTC)  # Wednesday of block 2 (session 2 was on Mon 8 Feb 2027)
HR_STEP = "s2-hr-meeting"


@pytest.fixture
def deps(settings: Settings, engine: Engine) -> Deps:
    return Deps(settings=settings, engine=engine, now=lambda: LATER)


@pytest.fixture
def world(fake_slack: FakeSlack, engine: Engine) -> World:
    add_people(fake_slack)
    return seed(engine, started=2)


def _log_meeting(slack: SlackDriver, world: World, held_on: str) -> None:
    values = {"held_on": {"value": {"type": "datepicker", "selected_date": held_on}}, "notes": {"value": None}}
    reply = slack.submit("hr_meeting", values, user_id=MENTOR, private_metadata=json.dumps({"member": world.mentor}))
    assert reply.status == 200 and not reply.json.get("errors")


def test_a_sent_meeting_prompt_is_settled_and_never_reminded(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, HR_STEP, block=2, sent_at=LATER - timedelta(days=2))
    _log_meeting(slack, world, "2027-02-16")
    assert delivery(engine, sent.id).status == DeliveryStatus.ANSWERED  # without the meeting, reminded at LATER
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.source == "hr_meeting" and answer.text is None
    update = fake_slack.calls_to("chat.update")[-1].args  # the prompt in the DM shows it is settled
    assert update["ts"] == sent.message_ts and "✅ Answered" in view_text(update["blocks"])
    assert "HR meeting: what to raise" not in view_text(fake_slack.home_views[MENTOR]).split("Your answers")[0]
    with session_scope(engine) as session:  # two working days after it was sent, the reminder would be due
        assert enqueue_reminders(session, now=LATER + timedelta(hours=1)) == []


def test_a_planned_meeting_prompt_is_not_sent_after_the_meeting(slack, fake_slack, engine, world) -> None:
    waiting = plan(engine, world.mentor, HR_STEP, LATER + timedelta(days=1), block=2)
    _log_meeting(slack, world, "2027-02-17")
    row = delivery(engine, waiting)
    assert (row.status, row.last_error) == (DeliveryStatus.SKIPPED, "hr_meeting_logged")
    assert slack.post(slack_requests.app_home_opened(MENTOR)).status == 200
    assert "HR meeting: what to raise" not in view_text(fake_slack.home_views[MENTOR])


def test_a_meeting_before_the_block_leaves_its_prompt_alone(slack, fake_slack, engine, world) -> None:
    waiting = plan(engine, world.mentor, HR_STEP, LATER + timedelta(days=1), block=2)
    _log_meeting(slack, world, "2027-02-01")  # held in block 1: the prompt asks about the next one
    assert delivery(engine, waiting).status == DeliveryStatus.PLANNED
