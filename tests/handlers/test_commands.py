"""`/mentori help` and unknown subcommands, through the real app with signed requests."""

from __future__ import annotations

import time

from slack_bolt.request import BoltRequest
from sqlmodel import Session

from bot.blocks.help import help_blocks
from bot.commands import COMMANDS
from bot.deps import Deps
from storage.models import Cohort, Member
from tests.support import slack_requests as requests
from tests.support.app_driver import SlackDriver, all_text
from tests.support.fake_slack import FakeSlack


def test_help_lists_every_command_in_an_ephemeral_message(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    reply = slack.command("help")
    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    for command in COMMANDS:
        assert f"/mentori {command.name}" in reply.text
    assert "confidential, not anonymous" in reply.text
    assert fake_slack.invalid == []


def test_an_empty_command_shows_the_help(slack: SlackDriver) -> None:
    assert "Mentori — what you can ask" in slack.command("").text


def test_every_command_is_available_and_none_is_marked_as_coming(slack: SlackDriver) -> None:
    lines = [line for line in slack.command("help").text.splitlines() if "/mentori" in line]
    assert lines
    assert not any("coming soon" in line for line in lines)


def test_a_command_without_a_handler_is_marked_as_coming() -> None:
    text = all_text(help_blocks("en", {"help", "status"}))
    assert "`/mentori status <cohort>` — how a cohort is doing" in text
    assert "coming soon" not in next(line for line in text.splitlines() if "/mentori status" in line)
    assert "coming soon" in next(line for line in text.splitlines() if "/mentori kickoff" in line)


def test_an_unknown_subcommand_says_what_was_not_understood(slack: SlackDriver) -> None:
    reply = slack.command("dance tango")
    assert reply.status == 200
    assert "Sorry, I didn't understand `dance tango`" in reply.text
    assert "/mentori help" in reply.text


def test_an_unclosed_quote_gets_a_message_on_how_to_quote(slack: SlackDriver) -> None:
    reply = slack.command('status "Spring 2027')
    assert "put it in quotes" in reply.text


def test_the_help_is_in_the_members_language(slack: SlackDriver, deps: Deps) -> None:
    with Session(deps.engine) as session:
        cohort = Cohort(team_id="T111", name="Kevät 2027", language="fi")
        session.add(cohort)
        session.flush()
        session.add(Member(team_id="T111", cohort_id=cohort.id, user_id="U111", role="mentor"))
        session.commit()
    assert "Mentori — mitä voit pyytää" in slack.command("help").text
    assert "Mentori — what you can ask" in slack.command("help", user_id="U222").text


def test_a_wrong_signature_is_refused(slack: SlackDriver) -> None:
    body = requests.slash_command("help")
    headers = requests.sign("not-the-secret", body)
    response = slack.app.dispatch(_request(body, headers))
    assert response.status == 401


def test_a_replayed_request_older_than_five_minutes_is_refused(slack: SlackDriver) -> None:
    body = requests.slash_command("help")
    headers = requests.sign(slack.secret, body, timestamp=int(time.time()) - 301)
    assert slack.app.dispatch(_request(body, headers)).status == 401


def test_an_unsigned_request_is_refused(slack: SlackDriver) -> None:
    body = requests.slash_command("help")
    assert slack.app.dispatch(_request(body, {"Content-Type": "application/x-www-form-urlencoded"})).status == 401


def _request(body: bytes, headers: dict[str, str]) -> BoltRequest:
    return BoltRequest(body=body.decode(), headers=headers)
