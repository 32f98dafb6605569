"""Snooze and Skip on a prompt DM, through the real app."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import create_app
from bot.deps import Deps
from storage.models import DeliveryStatus
from tests.support import mentors
from tests.support.app_driver import SlackDriver
from tests.support.fake_slack import FakeSlack
from tests.support.mentors import (
    MENTOR,
    OTHER,
    REFLECTION,
    answer_of,
    delivery,
    mentor_rows,
    send_prompt,
    view_text,
)

deps, world = mentors.deps, mentors.world  # fixtures: the clock stopped at NOW, the seeded programme


def _click(slack: SlackDriver, fake: FakeSlack, action_id: str, sent, user_id: str = MENTOR) -> None:
    """A click on the prompt DM, carrying the message as Slack does."""
    message = next(m for m in fake.messages if m["ts"] == sent.message_ts)
    payload_message = {
        "type": "message",
        "ts": sent.message_ts,
        "user": "UBOT",
        "bot_id": "BBOT",
        "text": message["text"],
        "blocks": message["blocks"],
        "metadata": message["metadata"],
    }
    reply = slack.action(
        action_id,
        str(sent.id),
        user_id=user_id,
        channel_id=sent.channel_id,
        message_ts=sent.message_ts,
        message=payload_message,
    )
    assert reply.status == 200


def _message(fake: FakeSlack, sent) -> dict:
    return next(m for m in fake.messages if m["ts"] == sent.message_ts)


def test_snooze_sets_one_reminder_on_the_next_working_morning(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _click(slack, fake_slack, "prompt.snooze", sent)
    row = delivery(engine, sent.id)
    assert row.snoozed_until == datetime(2027, 1, 20, 7, 0, tzinfo=UTC)  # Wednesday 09:00 in Helsinki
    assert row.reminded_at is None and row.status == DeliveryStatus.SENT
    message = _message(fake_slack, sent)
    text = view_text(message["blocks"])
    assert "Snoozed — I'll remind you Wed 20 Jan 2027 at 09:00." in text
    assert "prompt.answer" in str(message["blocks"]), "the prompt can still be answered"
    _click(slack, fake_slack, "prompt.snooze", sent)
    assert view_text(_message(fake_slack, sent)["blocks"]).count("Snoozed") == 1, "one note, not one per click"
    assert fake_slack.invalid == []


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2027, 1, 22, 12, 0, tzinfo=UTC), datetime(2027, 1, 25, 7, 0, tzinfo=UTC)),  # Friday → Monday
        (datetime(2027, 1, 5, 12, 0, tzinfo=UTC), datetime(2027, 1, 7, 7, 0, tzinfo=UTC)),  # past Epiphany, 6 Jan
    ],
)
def test_snooze_skips_weekends_and_holidays(
    settings, engine, fake_slack, world, slack_client, signing_secret, now, expected
) -> None:
    slack = SlackDriver(create_app(Deps(settings=settings, engine=engine, now=lambda: now)), signing_secret)
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION, sent_at=now)
    _click(slack, fake_slack, "prompt.snooze", sent)
    assert delivery(engine, sent.id).snoozed_until == expected


def test_skip_stops_the_reminder_and_the_prompt_can_still_be_answered(
    slack, fake_slack, engine, world, slack_client
) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _click(slack, fake_slack, "prompt.snooze", sent)
    _click(slack, fake_slack, "prompt.skip", sent)
    row = delivery(engine, sent.id)
    assert row.status == DeliveryStatus.SKIPPED and row.snoozed_until is None
    blocks = _message(fake_slack, sent)["blocks"]
    assert "Skipped — no reminder will come." in view_text(blocks)
    buttons = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["prompt.answer"]
    _click(slack, fake_slack, "prompt.answer", sent)
    assert fake_slack.calls_to("views.open")[-1].args["view"]["callback_id"] == "answer"


def test_an_answered_prompt_cannot_be_snoozed_or_skipped(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    slack.submit("answer", {"text": {"value": "Done"}}, user_id=MENTOR, private_metadata=f'{{"delivery": {sent.id}}}')
    for action in ("prompt.snooze", "prompt.skip"):
        _click(slack, fake_slack, action, sent)
        assert "already answered this prompt" in view_text(fake_slack.calls_to("views.open")[-1].args["view"])
    assert delivery(engine, sent.id).status == DeliveryStatus.ANSWERED
    assert answer_of(engine, sent.id).text == "Done"  # type: ignore[union-attr]  # the row (or match) exists here


@pytest.mark.parametrize("action", ["prompt.snooze", "prompt.skip"])
def test_another_mentors_prompt_cannot_be_snoozed_or_skipped(
    slack, fake_slack, engine, world, slack_client, action
) -> None:
    theirs = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    before = mentor_rows(engine)
    _click(slack, fake_slack, action, theirs, user_id=OTHER)
    assert mentor_rows(engine) == before
    assert "couldn't find that prompt among yours" in view_text(fake_slack.calls_to("views.open")[-1].args["view"])
    assert not fake_slack.calls_to("chat.update")
