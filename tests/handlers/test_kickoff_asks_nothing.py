"""The kickoff message tells what comes next; it is no question: nothing to answer, not waiting in Home."""

from __future__ import annotations

from storage.models import DeliveryStatus
from tests.support import mentors, slack_requests
from tests.support.app_driver import SlackDriver
from tests.support.fake_slack import FakeSlack
from tests.support.mentors import MENTOR, REFLECTION, answer_of, delivery, send_prompt, view_text

deps, world = mentors.deps, mentors.world  # fixtures: the clock stopped at NOW, the seeded programme


def _home(slack: SlackDriver, fake: FakeSlack) -> dict:
    assert slack.post(slack_requests.app_home_opened(MENTOR)).status == 200
    return fake.home_views[MENTOR]


def test_the_kickoff_is_not_waiting_for_an_answer_in_home(slack, fake_slack, engine, world, slack_client) -> None:
    kickoff = send_prompt(engine, slack_client, world.mentor, "s1-kickoff")
    question = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    home = _home(slack, fake_slack)
    values = [e.get("value") for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert str(question.id) in values and str(kickoff.id) not in values
    assert "Welcome and assignment 1" not in view_text(home)


def test_the_kickoff_cannot_be_answered(slack, fake_slack, engine, world, slack_client) -> None:
    kickoff = send_prompt(engine, slack_client, world.mentor, "s1-kickoff")
    reply = slack.action("prompt.answer", str(kickoff.id), user_id=MENTOR)
    assert reply.status == 200
    shown = view_text(fake_slack.calls_to("views.open")[-1].args["view"])
    assert "I couldn't find that prompt among yours." in shown
    body = slack_requests.message_im(
        "Thanks, see you!", user_id=MENTOR, channel="D111", ts=slack_requests.new_ts(), thread_ts=kickoff.message_ts
    )
    assert slack.post(body).status == 200
    assert answer_of(engine, kickoff.id) is None
    assert delivery(engine, kickoff.id).status == DeliveryStatus.SENT
