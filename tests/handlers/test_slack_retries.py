"""Slack re-delivers an Events API event it thinks was lost (X-Slack-Retry-Num / X-Slack-Retry-Reason, same
event_id): whatever the retry looks like and whenever it arrives, Mentori acts on the event once."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel

from bot import answers
from storage.models import Answer, DeliveryStatus, DmNote, ProcessedEvent
from tests.support import mentors
from tests.support import slack_requests as requests
from tests.support.app_driver import SlackDriver
from tests.support.fake_slack import Call, FakeSlack
from tests.support.mentors import (
    COACH,
    MENTOR,
    REFLECTION,
    World,
    answer_of,
    delivery,
    rows,
    send_prompt,
    view_text,
)

WAIT = 10  # seconds: only reached when something is broken

deps, world = mentors.deps, mentors.world  # fixtures: the clock stopped at NOW, the seeded programme


def retry_headers(slack: SlackDriver, body: bytes, number: int, reason: str = "http_timeout") -> dict[str, str]:
    """The headers Slack adds to its `number`th re-delivery of `body`."""
    signed = requests.sign(slack.secret, body, retry_num=number, retry_reason=reason)
    return {name: value for name, value in signed.items() if name.startswith("X-Slack-Retry")}


def deliver(slack: SlackDriver, body: bytes, retry: int | None = None, reason: str = "http_timeout") -> None:
    """Post an event (a retry when `retry` is given) and wait for everything Mentori does about it."""
    headers = retry_headers(slack, body, retry, reason) if retry is not None else {}
    assert slack.post(body, headers).status == 200


def dispatch(slack: SlackDriver, body: bytes, retry: int | None = None) -> None:
    """Post an event and return once it is acknowledged, leaving Mentori's work after the ack running."""
    headers = {**requests.sign(slack.secret, body), **(retry_headers(slack, body, retry) if retry else {})}
    assert slack.app.dispatch(BoltRequest(body=body.decode(), headers=headers)).status == 200


def every_row(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a retry wrote nothing."""
    with Session(engine) as session:
        return {
            table.name: [tuple(row) for row in session.execute(select(table).order_by(*table.primary_key.columns))]
            for table in SQLModel.metadata.sorted_tables
        }


def rows_of(engine: Engine, model: Any) -> list[Any]:
    with Session(engine) as session:
        return list(session.exec(select(model)).scalars())


def made(fake: FakeSlack, since: int) -> list[tuple[str, str]]:
    """(method, arguments) of the Web API calls since `since`, comparable between deliveries."""
    return [(call.method, json.dumps(call.args, sort_keys=True, default=str)) for call in fake.calls[since:]]


def methods(calls: list[Call]) -> list[str]:
    return [call.method for call in calls]


def test_a_thread_answer_retried_twice_is_saved_and_confirmed_once(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, slack_client: WebClient
) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    body = requests.message_im("What I learned this week.", thread_ts=sent.message_ts, event_id="Ev0ANSWER01")
    start = len(fake_slack.calls)
    deliver(slack, body)
    first = fake_slack.calls[start:]
    assert sorted(methods(first)) == ["chat.update", "reactions.add", "views.publish"]
    after_first = every_row(engine)
    deliver(slack, body, retry=1)
    deliver(slack, body, retry=2, reason="http_error")
    assert fake_slack.calls[start + len(first) :] == [], "the retries said nothing more to Slack"
    assert every_row(engine) == after_first, "the retries wrote nothing"
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.text == "What I learned this week."
    assert [a.delivery_id for a in rows(engine, Answer)] == [sent.id]
    assert delivery(engine, sent.id).status == DeliveryStatus.ANSWERED
    assert [e.event_id for e in rows_of(engine, ProcessedEvent)] == ["Ev0ANSWER01"]
    assert fake_slack.invalid == []


def test_a_retried_addition_to_an_answer_is_added_once(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, slack_client: WebClient
) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    deliver(slack, requests.message_im("First thought.", thread_ts=sent.message_ts))
    addition = requests.message_im("And another.", thread_ts=sent.message_ts, event_id="Ev0ADDITION1")
    start = len(fake_slack.calls)
    for retry in (None, 1, 2):
        deliver(slack, addition, retry)
    assert answer_of(engine, sent.id).text == "First thought.\n\nAnd another."  # type: ignore[union-attr]  # the row (or match) exists here
    said = [call.args["text"] for call in fake_slack.calls_to("chat.postMessage")]
    assert len(said) == 2 and said[1].startswith("I added this to your answer.")
    assert methods(fake_slack.calls[start:]).count("reactions.add") == 1


def test_a_retried_dm_outside_a_thread_is_kept_and_answered_once(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, slack_client: WebClient
) -> None:
    send_prompt(engine, slack_client, world.mentor, REFLECTION)
    body = requests.message_im("I learned SQL from a colleague.", event_id="Ev0STRAY0001")
    start = len(fake_slack.calls)
    for retry in (None, 1, 2):
        deliver(slack, body, retry)
    assert [note.text for note in rows(engine, DmNote)] == ["I learned SQL from a colleague."]
    [help_reply] = fake_slack.calls[start:]
    assert help_reply.method == "chat.postMessage"
    assert "Shall I keep this message as your answer to" in view_text(help_reply.args["blocks"])


def test_a_redelivery_in_a_different_envelope_with_the_same_event_id_acts_once(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, slack_client: WebClient
) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    ts = requests.new_ts()
    first = requests.message_im("Said once.", thread_ts=sent.message_ts, ts=ts, event_id="Ev0ENVELOPE1")
    again = json.loads(first)
    again.update(
        event_time=again["event_time"] + 5,
        event_context="4-other-context",
        authorizations=[{**again["authorizations"][0], "user_id": "UOTHERBOT"}],
    )
    again["event"].update(client_msg_id="00000000-0000-4000-8000-999999999999", blocks=[])
    deliver(slack, first)
    start = len(fake_slack.calls)
    deliver(slack, json.dumps(again).encode(), retry=1, reason="http_error")
    deliver(slack, json.dumps(again, indent=1).encode())  # the same again, not even marked as a retry
    assert fake_slack.calls[start:] == []
    assert answer_of(engine, sent.id).text == "Said once."  # type: ignore[union-attr]  # the row (or match) exists here
    assert len(fake_slack.calls_to("reactions.add")) == 1


@pytest.mark.parametrize("user", [MENTOR, COACH])
def test_a_retried_app_home_opened_does_no_more_than_the_first_delivery(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, slack_client: WebClient, user: str
) -> None:
    """Each delivery publishes the Home as it stands (Slack keeps the last one): a retry publishes the same view
    again, and writes nothing."""
    send_prompt(engine, slack_client, world.mentor, REFLECTION)
    body = requests.app_home_opened(user, event_id="Ev0HOMEOPEN1")
    start = len(fake_slack.calls)
    deliver(slack, body)
    first = made(fake_slack, start)
    assert [method for method, _ in first][-1] == "views.publish"
    home = fake_slack.home_views[user]
    written = every_row(engine)
    for retry in (1, 2):
        since = len(fake_slack.calls)
        deliver(slack, body, retry)
        assert [c for c in made(fake_slack, since) if c[0] != "users.info"] == [
            c for c in first if c[0] != "users.info"
        ], "a retry does what the first delivery did, nothing more"
        assert fake_slack.home_views[user] == home
    assert every_row(engine) == written
    assert fake_slack.invalid == []


def test_a_retry_arriving_while_the_first_delivery_still_talks_to_slack_acts_once(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    engine: Engine,
    world: World,
    slack_client: WebClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Slack is slow to take the first delivery's reaction; both retries arrive and finish meanwhile."""
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    body = requests.message_im("Slow Slack, one answer.", thread_ts=sent.message_ts, event_id="Ev0SLOWSLACK")
    in_slack, release = threading.Event(), threading.Event()
    real_handle: Callable[..., Any] = fake_slack.handle_api

    def slow_reaction(method: str, args: dict[str, Any], token: str | None) -> Any:
        if method == "reactions.add" and not in_slack.is_set():
            in_slack.set()
            release.wait(WAIT)
        return real_handle(method, args, token)

    monkeypatch.setattr(fake_slack, "handle_api", slow_reaction)
    dispatch(slack, body)
    assert in_slack.wait(WAIT), "the first delivery reached Slack"
    first = list(slack.executor.futures)
    for retry in (1, 2):
        dispatch(slack, body, retry)
    for future in slack.executor.futures[len(first) :]:
        future.result(timeout=WAIT)
    assert not all(future.done() for future in first), "the retries were handled while the first was not done"
    release.set()
    slack.executor.drain()
    assert answer_of(engine, sent.id).text == "Slow Slack, one answer."  # type: ignore[union-attr]  # the row (or match) exists here
    assert len(rows(engine, Answer)) == 1
    assert len(fake_slack.calls_to("reactions.add")) == 1 and len(fake_slack.calls_to("chat.update")) == 1


def test_a_retry_arriving_while_the_first_delivery_is_saving_acts_once(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    engine: Engine,
    world: World,
    slack_client: WebClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The first delivery has recorded the event id but not committed when the retry looks for it (and finds
    nothing) and tries to record it too: one of them must lose, and it must be the retry, saving nothing."""
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    body = requests.message_im("Raced, one answer.", thread_ts=sent.message_ts, event_id="Ev0RACEDEVNT")
    real_claim = answers.claim_event
    first_claimed, retry_writing = threading.Event(), threading.Event()
    claims: list[Session] = []

    def claim(session: Session, **kwargs: Any) -> bool:
        claims.append(session)
        if len(claims) == 1:  # the first delivery: claim, then hold its transaction open until the retry writes
            claimed = real_claim(session, **kwargs)
            first_claimed.set()
            assert retry_writing.wait(WAIT), "the retry tried to record the event"
            return claimed
        real_flush = session.flush

        def flush(*args: Any, **flush_kwargs: Any) -> None:
            retry_writing.set()
            real_flush(*args, **flush_kwargs)

        monkeypatch.setattr(session, "flush", flush)
        return real_claim(session, **kwargs)

    monkeypatch.setattr(answers, "claim_event", claim)
    caplog.set_level(logging.INFO)
    dispatch(slack, body)
    assert first_claimed.wait(WAIT)
    dispatch(slack, body, retry=1)
    slack.executor.drain()
    # The retry lost the race on the event id, tried once more, and found the event handled.
    assert len(claims) == 3 and retry_writing.is_set()
    assert answer_of(engine, sent.id).text == "Raced, one answer."  # type: ignore[union-attr]  # the row (or match) exists here
    assert len(rows(engine, Answer)) == 1
    assert len(fake_slack.calls_to("reactions.add")) == 1 and len(fake_slack.calls_to("chat.update")) == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_retry_of_a_delivery_that_failed_before_saving_is_acted_on_once(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    engine: Engine,
    world: World,
    slack_client: WebClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The event id is recorded in the same transaction as the answer: a first delivery that failed recorded
    neither, so Slack's retry is what saves the answer."""
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    body = requests.message_im("Second time lucky.", thread_ts=sent.message_ts, event_id="Ev0FAILEDONE")
    real_answer = answers.answer_from_reply
    failures = [RuntimeError("the database went away")]

    def fail_once(*args: Any, **kwargs: Any) -> bool:
        if failures:
            raise failures.pop()
        return real_answer(*args, **kwargs)

    monkeypatch.setattr(answers, "answer_from_reply", fail_once)
    deliver(slack, body)
    assert answer_of(engine, sent.id) is None and rows_of(engine, ProcessedEvent) == []
    assert fake_slack.calls_to("reactions.add") == []
    deliver(slack, body, retry=1)
    deliver(slack, body, retry=2)
    assert answer_of(engine, sent.id).text == "Second time lucky."  # type: ignore[union-attr]  # the row (or match) exists here
    assert len(fake_slack.calls_to("reactions.add")) == 1 and len(fake_slack.calls_to("chat.update")) == 1
