"""A pause skips only what would have come during it, says what, and on return offers the missed self-efficacy
check-ins and assignments; "paused" is shown only while the pause lasts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.deps import Deps
from bot.settings import Settings
from schedules import jobs
from storage.db import session_scope
from storage.models import DeliveryStatus, Member
from tests.support.app_driver import SlackDriver
from tests.support.fake_slack import FakeSlack
from tests.support.mentors import (
    COACH,
    MENTOR,
    NOW,
    REFLECTION,
    T0,
    add_people,
    delivery,
    member,
    plan,
    seed,
    send_prompt,
    view_text,
)
from tests.support.outbox_world import posting_client, registered

ASSIGNMENT = "s1-assignment-1"
LATER = "s1-goal"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def deps(settings: Settings, engine: Engine, clock: Clock) -> Deps:
    return Deps(settings=settings, engine=engine, now=clock)


@pytest.fixture
def world(fake_slack: FakeSlack, engine: Engine):  # type: ignore[no-untyped-def]
    add_people(fake_slack)
    return seed(engine)


def _say(slack: SlackDriver, fake: FakeSlack, text: str, user_id: str = MENTOR) -> str:
    before = len(fake.calls_to("response_url"))
    assert slack.command(text, user_id=user_id, response_url=fake.response_url()).status == 200
    [answer] = fake.calls_to("response_url")[before:]
    return str(answer.args["text"])


def _status(slack: SlackDriver, fake: FakeSlack) -> str:
    assert slack.command('status "Spring 2027"', user_id=COACH, response_url=fake.response_url()).status == 200
    return view_text(fake.calls_to("response_url")[-1].args)


def _block_1(engine: Engine, member_id: int) -> dict[str, int]:
    """T0 tomorrow morning, assignment 1 next Monday, a reflection on Tuesday, the goal after the pause."""
    at = {
        T0: datetime(2027, 1, 20, 7, 0),
        ASSIGNMENT: datetime(2027, 1, 25, 7, 0),
        REFLECTION: datetime(2027, 1, 26, 7, 0),
        LATER: datetime(2027, 2, 1, 7, 0),
    }
    return {step: plan(engine, member_id, step, moment.replace(tzinfo=UTC)) for step, moment in at.items()}


def test_pausing_names_what_it_skips_and_resuming_at_once_loses_nothing(slack, fake_slack, engine, world) -> None:
    planned = _block_1(engine, world.mentor)
    said = _say(slack, fake_slack, "pause 2027-01-29")
    assert said == (
        "Paused up to and including Fri 29 Jan 2027: I won't send you prompts during the pause.\n"
        "These would have come during the pause, so they are skipped:\n"
        "• Self-efficacy: at the start\n• Assignment 1: a small step\n"
        "• Reflection: learning from another organisation\n"
        "When you resume, I'll offer you the self-efficacy check-ins and assignments you missed, as long as they "
        "still make sense."
    )
    assert delivery(engine, planned[LATER]).status == DeliveryStatus.PLANNED
    assert _say(slack, fake_slack, "resume") == "Welcome back! Your prompts are on again."
    for step, delivery_id in planned.items():  # nothing was due during that minute: everything comes as planned
        row = delivery(engine, delivery_id)
        assert (row.status, row.last_error) == (DeliveryStatus.PLANNED, None), step
    assert delivery(engine, planned[T0]).not_before == datetime(2027, 1, 20, 7, 0, tzinfo=UTC)
    assert fake_slack.calls_to("chat.postMessage") == []  # nothing to offer


def test_resuming_offers_the_missed_check_in_and_assignment(slack, fake_slack, engine, world, clock) -> None:
    planned = _block_1(engine, world.mentor)
    _say(slack, fake_slack, "pause 2027-01-29")
    clock.now = datetime(2027, 1, 28, 8, 0, tzinfo=UTC)  # back a day early
    said = _say(slack, fake_slack, "resume")
    assert said.startswith("Welcome back! Your prompts are on again. In our chat you'll find the self-efficacy")
    [offer] = [call.args for call in fake_slack.calls_to("chat.postMessage")]
    assert offer["channel"] == "D111" and "still worth answering" in view_text(offer["blocks"])
    buttons = [(b["accessory"]["action_id"], b["accessory"]["value"]) for b in offer["blocks"] if "accessory" in b]
    assert buttons == [("prompt.answer", str(planned[T0])), ("prompt.answer", str(planned[ASSIGNMENT]))]
    assert delivery(engine, planned[REFLECTION]).last_error == "paused"  # a reflection of the moment stays skipped
    assert delivery(engine, planned[LATER]).status == DeliveryStatus.PLANNED
    assert slack.action("prompt.answer", str(planned[T0]), user_id=MENTOR).status == 200
    modal = fake_slack.calls_to("views.open")[-1].args["view"]
    assert modal["type"] == "modal" and "I can remain calm" in view_text(modal)  # the T0 ratings, answerable


def test_paused_is_shown_to_the_coach_only_while_the_pause_lasts(
    slack, fake_slack, engine, world, slack_client, clock
) -> None:
    send_prompt(engine, slack_client, world.mentor, REFLECTION, sent_at=NOW - timedelta(days=20))
    with session_scope(engine) as session:
        row = session.get(Member, world.mentor)
        row.paused_until = date(2027, 1, 22)  # type: ignore[union-attr]
    assert "(paused until Fri 22 Jan 2027)" in _status(slack, fake_slack)
    clock.now = datetime(2027, 2, 3, 8, 0, tzinfo=UTC)  # weeks after the pause ended
    shown = _status(slack, fake_slack)
    assert "<@U111>" in shown and "paused" not in shown


def test_a_pause_that_ends_by_itself_offers_the_missed_ones_too(slack, fake_slack, engine, world, clock, deps) -> None:
    planned = _block_1(engine, world.mentor)
    _say(slack, fake_slack, "pause 2027-01-29")
    clock.now = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)  # Monday after the pause, 10:00 in Helsinki
    client = posting_client(fake_slack)
    with registered(
        jobs.JobContext(deps=deps, posting_client=lambda _team: client, reading_client=lambda _team: client)
    ):
        assert jobs.end_pauses() == 1
        assert jobs.end_pauses() == 0  # once
    assert member(engine, world.mentor).paused_until is None
    [offer] = [call.args for call in fake_slack.calls_to("chat.postMessage")]
    buttons = [b["accessory"]["value"] for b in offer["blocks"] if "accessory" in b]
    assert buttons == [str(planned[T0]), str(planned[ASSIGNMENT])]
    assert delivery(engine, planned[LATER]).status == DeliveryStatus.PLANNED
