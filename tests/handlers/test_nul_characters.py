"""A DM with a NUL character (PostgreSQL's text refuses it) is still an answer, saved without the NUL."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.support import mentors, slack_requests
from tests.support.app_driver import SlackDriver
from tests.support.fake_slack import FakeSlack
from tests.support.mentors import MENTOR, REFLECTION, answer_of, send_prompt

deps, world = mentors.deps, mentors.world  # fixtures: the clock stopped at NOW, the seeded programme


def test_a_reply_with_a_nul_character_is_saved_without_it_and_acknowledged(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world, slack_client
) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    ts = slack_requests.new_ts()
    body = slack_requests.message_im(
        "Learned\x00 a lot.", user_id=MENTOR, channel="D111", ts=ts, thread_ts=sent.message_ts
    )
    assert slack.post(body).status == 200
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.text == "Learned a lot."
    assert ("D111", ts, "white_check_mark") in fake_slack.reactions


def test_a_stray_dm_with_a_nul_character_gets_its_reply(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world
) -> None:
    before = len(fake_slack.calls_to("chat.postMessage"))
    body = slack_requests.message_im("A thought\x00 for later.", user_id=MENTOR, channel="D111")
    assert slack.post(body).status == 200
    assert len(fake_slack.calls_to("chat.postMessage")) == before + 1
