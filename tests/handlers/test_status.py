"""`/mentori status`, through the real app against the fake Slack: coaches and admins only."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from tests.support import coach_world
from tests.support.app_driver import SlackDriver
from tests.support.coach_world import (
    ADMIN,
    COACH,
    HR,
    MENTOR,
    OTHER_COACH,
    OUTSIDER,
    World,
    snapshot,
)
from tests.support.fake_slack import Call, FakeSlack

USAGE = 'Write it like this: `/mentori status <cohort>`, e.g. `/mentori status "Spring 2027"`.'
SPRING = [
    "Spring 2027: how it's going",
    "Active mentors: 15 · as of Fri 29 Jan 2027 at 12:00",
    "*Session 1* · Mon 11 Jan 2027 · started Mon 11 Jan 2027 at 14:00 by <@UCOACH>\n"
    "Waiting 29 · sent 55 · answered 29 (72%) · skipped 5 · failed 5 · cancelled 2",
    "*Session 2* · Mon 8 Feb 2027 · not started yet",
    "*Session 3* · Mon 8 Mar 2027 · not started yet",
    "Failed: 4 × Slack account deactivated, 1 × `some_new_error` · Skipped: 4 × mentor paused, "
    "1 × skipped by the mentor",
    "*No answer in two weeks (6):* <@UM09>, <@UM10>, <@UM11>, <@UM12>, <@UM13> (paused until Fri 5 Feb 2027), <@UM15>",
    "*Going out next*\n"
    "• Reflection: your organisation's goal — Mon 1 Feb 2027 at 09:00 · mentors: 14\n"
    "• Self-efficacy: one statement — Thu 4 Feb 2027 at 09:00 · mentors: 14",
]

deps, world = coach_world.status_deps, coach_world.filled_world  # fixtures: the clock at STATUS_AT, block 1 sent


def _answer(slack: SlackDriver, fake: FakeSlack, text: str, user_id: str = COACH) -> Call:
    before = len(fake.calls_to("response_url"))
    reply = slack.command(text, user_id=user_id, response_url=fake.response_url())
    assert reply.status == 200 and reply.body == ""
    answers = fake.calls_to("response_url")[before:]
    assert len(answers) == 1, answers
    assert answers[0].args["response_type"] == "ephemeral"
    assert fake.invalid == []
    return answers[0]


def _lines(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [element["text"] for element in block.get("elements", []) if "text" in element]
    return out


def test_a_coach_sees_their_cohorts_status(slack: SlackDriver, fake_slack: FakeSlack, world: World) -> None:
    answer = _answer(slack, fake_slack, 'status "Spring 2027"')
    assert answer.args["text"] == "How Spring 2027 is doing"
    assert _lines(answer.args["blocks"]) == SPRING


def test_the_name_is_matched_whatever_its_case_and_without_quotes(
    slack: SlackDriver, fake_slack: FakeSlack, world: World
) -> None:
    assert _lines(_answer(slack, fake_slack, "status spring 2027").args["blocks"]) == SPRING


def test_a_coach_of_one_cohort_may_leave_out_its_name(slack: SlackDriver, fake_slack: FakeSlack, world: World) -> None:
    assert _lines(_answer(slack, fake_slack, "status").args["blocks"]) == SPRING


def test_an_admin_sees_any_cohort_but_must_say_which(slack: SlackDriver, fake_slack: FakeSlack, world: World) -> None:
    assert _answer(slack, fake_slack, "status", ADMIN).args["text"] == (
        "You manage more than one cohort: tell me which one.\n" + USAGE
    )
    autumn = _lines(_answer(slack, fake_slack, 'status "Autumn 2027"', ADMIN).args["blocks"])
    assert autumn[0] == "Autumn 2027: how it's going"
    assert autumn[2].startswith("*Session 1* · Mon 11 Jan 2027 · not started yet\nWaiting 0 · sent 3 · answered 3")


@pytest.mark.parametrize("user_id", [MENTOR, HR, OTHER_COACH, OUTSIDER])
def test_nobody_but_the_cohorts_coaches_and_admins_sees_its_status(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, user_id: str
) -> None:
    before = snapshot(engine)
    answer = _answer(slack, fake_slack, 'status "Spring 2027"', user_id)
    assert answer.args["text"] == (
        "Sorry, only the coaches of *Spring 2027* can do that. Ask a workspace admin to name you as a coach if you "
        "should be one."
    )
    assert not answer.args.get("blocks")
    assert snapshot(engine) == before


@pytest.mark.parametrize("user_id", [MENTOR, HR, OUTSIDER])
def test_someone_who_coaches_nothing_is_told_so(
    slack: SlackDriver, fake_slack: FakeSlack, world: World, user_id: str
) -> None:
    assert _answer(slack, fake_slack, "status", user_id).args["text"] == (
        "You don't coach any cohort, so there is no status to show."
    )


def test_an_unknown_cohort_says_how_to_write_the_command(
    slack: SlackDriver, fake_slack: FakeSlack, world: World
) -> None:
    text = _answer(slack, fake_slack, 'status "Winter 2030"').args["text"]
    assert text.startswith("There is no cohort called “Winter 2030” in this workspace.")
    assert text.endswith("\n" + USAGE)


def test_a_cohort_of_another_workspace_is_unknown(slack: SlackDriver, fake_slack: FakeSlack, world: World) -> None:
    slack.command('status "Spring 2027"', user_id=ADMIN, team_id="T999", response_url=fake_slack.response_url())
    (answer,) = fake_slack.calls_to("response_url")
    assert answer.args["text"].startswith("There is no cohort called “Spring 2027” in this workspace.")
