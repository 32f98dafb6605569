"""The `web` role: `/mentori` commands are acknowledged and queued, and a worker gives the same answer later.

Commands that open a form still run in the web process, straight after the ack, because Slack's trigger_id
expires after three seconds.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine

import storage.work_queue
from bot.app import create_app, create_handover
from bot.deps import Deps
from bot.queue_writer import QueueWriter
from bot.settings import Settings
from storage import work_queue
from tests.support import coach_world, queued, slack_requests
from tests.support.app_driver import SlackDriver
from tests.support.coach_world import ADMIN, COACH, STATUS_AT, World, snapshot
from tests.support.fake_slack import FakeSlack
from tests.support.queued import run_queue

STATUS = 'status "Spring 2027"'
writer = queued.writer  # fixture: what a web process hands its queued work to

deps, world = coach_world.status_deps, coach_world.filled_world  # fixtures: the clock at STATUS_AT, block 1 sent


@pytest.fixture
def web(deps: Deps, signing_secret: str, writer: QueueWriter) -> SlackDriver:
    """The app as a `web` process runs it."""
    return SlackDriver(create_app(deps), signing_secret, handover=create_handover(deps, writer))


def test_a_queued_status_is_acknowledged_at_once_and_answered_by_the_worker_as_it_would_be_at_once(
    web: SlackDriver, slack: SlackDriver, writer: QueueWriter, deps: Deps, fake_slack: FakeSlack, world: World
) -> None:
    reply = web.command(STATUS, user_id=COACH, response_url=fake_slack.response_url("queued"))
    assert (reply.status, reply.body) == (200, "")
    assert fake_slack.calls_to("response_url") == []
    writer.flush()
    assert work_queue.backlog(deps.engine)[0] == 1

    assert run_queue(deps, writer) == 1
    slack.command(STATUS, user_id=COACH, response_url=fake_slack.response_url("inline"))
    queued, inline = fake_slack.calls_to("response_url")
    assert queued.args["_name"] == "queued" and inline.args["_name"] == "inline"
    assert {**queued.args, "_name": ""} == {**inline.args, "_name": ""}
    assert queued.args["text"] == "How Spring 2027 is doing"
    assert fake_slack.invalid == []


def test_a_command_that_opens_a_form_opens_it_from_the_web_process(
    web: SlackDriver, writer: QueueWriter, deps: Deps, fake_slack: FakeSlack, world: World
) -> None:
    for text, user_id in (
        ("kickoff", COACH),
        ("cohort create", ADMIN),
        ("org add", COACH),
        ('org add "Spring 2027"', COACH),
        ("member add", COACH),
        ('member add "Spring 2027"', COACH),
    ):
        web.command(text, user_id=user_id, response_url=fake_slack.response_url())
    assert [call.args["view"]["callback_id"] for call in fake_slack.calls_to("views.open")] == [
        "kickoff",
        "cohort_create",
        "org_add",
        "org_add",
        "member_add",
        "member_add",
    ]
    writer.flush()
    assert work_queue.backlog(deps.engine)[0] == 0


def test_the_same_commands_with_arguments_are_queued(
    web: SlackDriver, writer: QueueWriter, deps: Deps, fake_slack: FakeSlack, world: World
) -> None:
    web.command('kickoff "Spring 2027" 2', user_id=COACH, response_url=fake_slack.response_url())
    web.command("cohort list", user_id=ADMIN, response_url=fake_slack.response_url())
    assert fake_slack.calls_to("views.open") == []
    writer.flush()
    assert work_queue.backlog(deps.engine)[0] == 2
    for text in ('org add "Spring 2027" Vero #hr-vero', 'member add "Spring 2027" <@UM01> Vero'):
        web.command(text, user_id=COACH, response_url=fake_slack.response_url())
    writer.flush()
    assert fake_slack.calls_to("views.open") == []
    assert work_queue.backlog(deps.engine)[0] == 4
    run_queue(deps, writer)
    said = [call.args["text"] for call in fake_slack.calls_to("response_url")]
    assert len(said) == 4 and said[0].startswith("Session 2 of *Spring 2027* is dated Mon 8 Feb 2027")


def test_a_command_no_worker_took_within_two_minutes_is_answered_run_it_again_and_not_carried_out(
    web: SlackDriver, writer: QueueWriter, settings: Settings, engine: Engine, fake_slack: FakeSlack, world: World
) -> None:
    queued_at = STATUS_AT - timedelta(minutes=3)
    web_deps = Deps(settings=settings, engine=engine, now=lambda: queued_at)
    SlackDriver(create_app(web_deps), web.secret, handover=create_handover(web_deps, writer)).command(
        'kickoff "Spring 2027" 2', user_id=COACH, response_url=fake_slack.response_url()
    )
    before = snapshot(engine)
    run_queue(Deps(settings=settings, engine=engine, now=lambda: STATUS_AT), writer)
    (answer,) = fake_slack.calls_to("response_url")
    assert answer.args["text"] == (
        "Sorry, Mentori was too busy to get to this in time, and did nothing. Please run the command again."
    )
    assert snapshot(engine) == before


def test_when_the_queue_cannot_be_written_the_user_is_told_and_nothing_is_done(
    web: SlackDriver,
    writer: QueueWriter,
    deps: Deps,
    fake_slack: FakeSlack,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def database_down(*_args: object, **_kwargs: object) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(storage.work_queue, "enqueue_many", database_down)
    reply = web.command(STATUS, user_id=COACH, response_url=fake_slack.response_url())
    assert reply.status == 200
    writer.flush()
    assert "1 queued items were lost: the database did not take them" in caplog.text
    (answer,) = fake_slack.calls_to("response_url")
    assert answer.args["text"].startswith("Sorry, something went wrong on Mentori's side and nothing was changed.")
    assert answer.args["response_type"] == "ephemeral"


def test_help_and_mistakes_are_still_answered_in_the_ack(
    web: SlackDriver, writer: QueueWriter, deps: Deps, world: World
) -> None:
    assert "/mentori kickoff" in web.command("help", user_id=COACH).text
    assert "Sorry, I didn't understand `statsu`" in web.command("statsu", user_id=COACH).text
    writer.flush()
    assert work_queue.backlog(deps.engine)[0] == 0


@pytest.mark.parametrize("forgery", ["wrong signature", "five minutes old"])
def test_a_forged_or_stale_command_is_refused_before_it_reaches_the_queue(
    forgery: str, web: SlackDriver, writer: QueueWriter, deps: Deps, fake_slack: FakeSlack, world: World
) -> None:
    body = slack_requests.slash_command(STATUS, user_id=COACH, response_url=fake_slack.response_url())
    headers = {
        "wrong signature": {"X-Slack-Signature": "v0=" + "0" * 64},
        "five minutes old": slack_requests.sign(web.secret, body, int(time.time()) - 301),
    }[forgery]
    assert web.post(body, headers).status == 401
    writer.flush()
    assert work_queue.backlog(deps.engine)[0] == 0
    assert fake_slack.calls_to("response_url") == []
