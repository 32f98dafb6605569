"""The `web` role leaves events to the workers: a mentor's answer in a prompt's thread, and the Home tab."""

from __future__ import annotations

import time
from datetime import timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.app import create_app, create_handover, queued_work_runner
from bot.deps import Deps
from bot.queue_writer import QueueWriter
from schedules.work_consumer import WorkConsumer
from storage import work_queue
from tests.support import mentors, queued, slack_requests
from tests.support.app_driver import SlackDriver
from tests.support.fake_slack import FakeSlack
from tests.support.mentors import MENTOR, NOW, REFLECTION, World, answer_of, send_prompt, view_text
from tests.support.queued import run_queue

deps, world = mentors.deps, mentors.world  # fixtures: the clock stopped at NOW, the seeded programme
writer = queued.writer  # fixture: what a web process hands its queued work to


def web(deps: Deps, secret: str, writer: QueueWriter) -> SlackDriver:
    return SlackDriver(create_app(deps), secret, handover=create_handover(deps, writer))


def test_an_answer_in_a_thread_is_acknowledged_by_web_and_saved_by_the_worker(
    deps: Deps,
    signing_secret: str,
    writer: QueueWriter,
    fake_slack: FakeSlack,
    engine: Engine,
    world: World,
    slack_client: WebClient,
) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    reply = slack_requests.message_im("From a colleague.", user_id=MENTOR, thread_ts=sent.message_ts)
    assert web(deps, signing_secret, writer).post(reply).status == 200
    assert answer_of(engine, sent.id) is None
    assert fake_slack.calls_to("reactions.add") == []

    assert run_queue(deps, writer) == 1
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.text == "From a colleague."
    assert len(fake_slack.calls_to("reactions.add")) == 1
    assert fake_slack.invalid == []


def test_a_retried_event_queued_twice_is_saved_once(
    deps: Deps,
    signing_secret: str,
    writer: QueueWriter,
    fake_slack: FakeSlack,
    engine: Engine,
    world: World,
    slack_client: WebClient,
) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    ts = slack_requests.new_ts()
    driver = web(deps, signing_secret, writer)
    for retry in (None, 1):
        body = slack_requests.message_im(
            "Once.", user_id=MENTOR, thread_ts=sent.message_ts, ts=ts, event_id="Ev0QUEUED"
        )
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        assert driver.post(body, headers).status == 200
    assert run_queue(deps, writer) == 2
    assert answer_of(engine, sent.id).text == "Once."  # type: ignore[union-attr]  # the row (or match) exists here
    assert len(fake_slack.calls_to("reactions.add")) == 1


def test_the_home_tab_is_drawn_by_the_worker_unless_it_was_opened_minutes_ago(
    deps: Deps, signing_secret: str, writer: QueueWriter, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    web(deps, signing_secret, writer).post(slack_requests.app_home_opened(MENTOR))
    assert MENTOR not in fake_slack.home_views
    run_queue(deps, writer)
    assert "Spring 2027" in view_text(fake_slack.home_views[MENTOR])

    fake_slack.home_views.clear()
    web(deps, signing_secret, writer).post(slack_requests.app_home_opened(MENTOR))
    run_queue(Deps(settings=deps.settings, engine=engine, now=lambda: NOW + timedelta(minutes=3)), writer)
    assert MENTOR not in fake_slack.home_views


def test_two_replies_waiting_together_are_both_saved_in_the_order_they_were_written(
    deps: Deps,
    signing_secret: str,
    writer: QueueWriter,
    fake_slack: FakeSlack,
    engine: Engine,
    world: World,
    slack_client: WebClient,
) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    for text in ("First part.", "Second part.", "Third part."):
        body = slack_requests.message_im(text, user_id=MENTOR, thread_ts=sent.message_ts)
        assert web(deps, signing_secret, writer).post(body).status == 200
    writer.flush()
    consumer = WorkConsumer(engine, queued_work_runner(deps), threads=4, idle_wait=0.01).start()
    try:
        deadline = time.monotonic() + 10
        while len(fake_slack.calls_to("reactions.add")) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        consumer.stop()
    assert answer_of(engine, sent.id).text == "First part.\n\nSecond part.\n\nThird part."  # type: ignore[union-attr]  # the row (or match) exists here
    assert len(fake_slack.calls_to("reactions.add")) == 3


def test_a_forged_dm_is_refused_before_it_reaches_the_queue(
    deps: Deps, signing_secret: str, writer: QueueWriter, engine: Engine, world: World
) -> None:
    body = slack_requests.message_im("my answer", user_id=MENTOR)
    reply = web(deps, signing_secret, writer).post(body, {"X-Slack-Signature": "v0=" + "1" * 64})
    assert reply.status == 401
    writer.flush()
    assert work_queue.backlog(engine)[0] == 0


def test_an_answer_with_a_nul_character_is_queued_and_saved_without_it(
    deps: Deps, signing_secret: str, writer: QueueWriter, engine: Engine, world: World, slack_client: WebClient
) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    reply = slack_requests.message_im("From a\x00 colleague.", user_id=MENTOR, thread_ts=sent.message_ts)
    assert web(deps, signing_secret, writer).post(reply).status == 200
    assert run_queue(deps, writer) == 1
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.text == "From a colleague."


def test_an_event_not_shaped_as_slack_sends_it_is_refused_and_not_queued(
    deps: Deps, signing_secret: str, writer: QueueWriter, engine: Engine, world: World
) -> None:
    body = slack_requests.event({"type": "message", "channel_type": "im", "user": ["U1"], "text": "hi", "ts": "1.2"})
    assert web(deps, signing_secret, writer).post(body).status == 400
    writer.flush()
    assert work_queue.backlog(engine)[0] == 0
