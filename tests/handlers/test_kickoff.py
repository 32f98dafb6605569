"""`/mentori kickoff`, its form and the out-of-order confirmation, through the real app against the fake Slack."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import date
from typing import Any

import pytest
from slack_bolt.request import BoltRequest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

import bot.kickoff
from bot.blocks.kickoff import choice_value
from bot.deps import Deps
from bot.programmes import programme_by_id
from bot.settings import Settings
from storage.db import session_scope
from storage.models import Cohort, CohortStatus, DeliveryStatus, ProgrammeSession
from tests.support import slack_requests as requests
from tests.support.app_driver import Reply, SlackDriver
from tests.support.block_kit import validate_view
from tests.support.coach_world import (
    ADMIN,
    COACH,
    HR,
    KICKOFF_AT,
    MENTOR,
    OTHER_COACH,
    OUTSIDER,
    World,
    add_people,
    build,
    deliveries,
    session_row,
    snapshot,
)
from tests.support.fake_slack import Call, FakeSlack

PROGRAMME = programme_by_id("feeniks")
BLOCK_1 = [step.id for step in PROGRAMME.steps_in_block(1) if step.is_prompt]
BLOCK_2 = [step.id for step in PROGRAMME.steps_in_block(2) if step.is_prompt]
USAGE = 'Write it like this: `/mentori kickoff <cohort> <1|2|3>`, e.g. `/mentori kickoff "Spring 2027" 1`.'
REFUSAL = "Sorry, only the coaches of *Spring 2027* can do that."


@pytest.fixture
def deps(settings: Settings, engine: Engine) -> Deps:
    return Deps(settings=settings, engine=engine, now=lambda: KICKOFF_AT)


@pytest.fixture
def world(fake_slack: FakeSlack, engine: Engine) -> World:
    add_people(fake_slack)
    return build(engine)


def all_text(node: Any) -> str:
    """Every text a user reads in a message or view, one per line."""
    if isinstance(node, dict):
        parts = [all_text(v) for k, v in node.items() if k not in ("type", "action_id", "_name", "value")]
    elif isinstance(node, list):
        parts = [all_text(item) for item in node]
    else:
        return node if isinstance(node, str) else ""
    return "\n".join(part for part in parts if part)


def _answer(slack: SlackDriver, fake: FakeSlack, text: str, user_id: str = COACH) -> Call:
    """The one ephemeral answer to `/mentori <text>`, sent to the command's response_url."""
    before = len(fake.calls_to("response_url"))
    reply = slack.command(text, user_id=user_id, response_url=fake.response_url())
    assert reply.status == 200 and reply.body == ""  # acked at once, answered on the response_url
    answers = fake.calls_to("response_url")[before:]
    assert len(answers) == 1, answers
    assert answers[0].args["response_type"] == "ephemeral"
    return answers[0]


def _say(slack: SlackDriver, fake: FakeSlack, text: str, user_id: str = COACH) -> str:
    args = _answer(slack, fake, text, user_id).args
    return all_text({"text": args.get("text"), "blocks": args.get("blocks")})


# -- the command --------------------------------------------------------------------------------------------------


def test_a_coach_kicks_off_session_1_and_gets_a_receipt(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    fake_slack.reset_calls()
    answer = _answer(slack, fake_slack, 'kickoff "Spring 2027" 1')
    assert [call.method for call in fake_slack.calls] == ["users.info", "response_url"]  # no DM yet: the outbox sends
    assert answer.args["text"] == "Session 1 of Spring 2027 has started (active mentors: 16, prompts planned: 96)."
    assert all_text(answer.args["blocks"]).splitlines() == [
        "Session 1 of Spring 2027 has started",
        "Active mentors: *16* · prompts planned for this block: *96*, the kickoff message included",
        "*Going out next*",
        "• Welcome and assignment 1 — now",
        "• Self-efficacy: at the start — Mon 11 Jan 2027 at 14:02",
        "Formed 8 peer groups for session 1 of Spring 2027 from 16 mentors. The introductions go out in each group's "
        "working hours, from Mon 11 Jan 2027 at 14:00.",
        "Prompts go out in each mentor's own working hours, never on weekends or public holidays. "
        '`/mentori status "Spring 2027"` shows how it\'s going.',
    ]
    row = session_row(engine, world.cohort, 1)
    assert (row.started_at, row.started_by) == (KICKOFF_AT, COACH)
    rows = deliveries(engine, world.cohort)
    assert Counter((d.step_id, d.member_id) for d in rows) == {
        (step, member): 1 for step in BLOCK_1 for member in world.mentors.values()
    }
    assert {d.status for d in rows} == {DeliveryStatus.PLANNED}
    assert fake_slack.messages == [] and fake_slack.invalid == []


def test_the_cohort_name_is_matched_whatever_its_case_and_without_quotes(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    assert "Session 1 of Spring 2027 has started" in _say(slack, fake_slack, "kickoff SPRING 2027 1")
    assert session_row(engine, world.cohort, 1).started_by == COACH


def test_the_same_kickoff_twice_sends_nothing_again_and_says_when_and_by_whom(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    _say(slack, fake_slack, 'kickoff "Spring 2027" 1')
    before = snapshot(engine)
    answer = _answer(slack, fake_slack, 'kickoff "spring 2027" 1', user_id=ADMIN)
    assert answer.args["text"] == (
        "Session 1 of *Spring 2027* was already started on Mon 11 Jan 2027 at 14:00 by <@UCOACH>, so nothing was "
        "sent again."
    )
    assert snapshot(engine) == before
    assert len(deliveries(engine, world.cohort)) == 16 * len(BLOCK_1)


def test_two_kickoffs_at_the_same_moment_plan_the_block_once(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both requests read 'not started' before either writes (held at a barrier); one plans, one is told."""
    both_read = threading.Barrier(2, timeout=10)
    real_update = bot.kickoff.update

    def update_after_both_read(*args: Any, **kwargs: Any) -> Any:
        both_read.wait()
        return real_update(*args, **kwargs)

    monkeypatch.setattr(bot.kickoff, "update", update_after_both_read)
    bodies = [
        requests.slash_command(
            'kickoff "Spring 2027" 1', user_id=user_id, response_url=fake_slack.response_url(user_id)
        )
        for user_id in (COACH, ADMIN)
    ]
    for body in bodies:  # each is acked at once; the kickoffs run side by side in Bolt's listener threads
        assert (
            slack.app.dispatch(BoltRequest(body=body.decode(), headers=requests.sign(slack.secret, body))).status == 200
        )
    slack.executor.drain()
    answers = sorted(call.args["text"] for call in fake_slack.calls_to("response_url"))
    assert len(answers) == 2
    assert answers[0].startswith("Session 1 of *Spring 2027* was already started on Mon 11 Jan 2027 at 14:00 by")
    assert answers[1] == "Session 1 of Spring 2027 has started (active mentors: 16, prompts planned: 96)."
    assert Counter((d.step_id, d.member_id) for d in deliveries(engine, world.cohort)) == {
        (step, member): 1 for step in BLOCK_1 for member in world.mentors.values()
    }


def test_a_kickoff_that_clashes_with_another_write_is_rolled_back_and_retried_once(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_plan = bot.kickoff.plan_block
    calls: list[int] = []

    def clash_first(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        planned = real_plan(*args, **kwargs)
        if len(calls) == 1:
            raise IntegrityError("INSERT INTO delivery", {}, Exception("uq_delivery_cohort_step_member"))
        return planned

    monkeypatch.setattr(bot.kickoff, "plan_block", clash_first)
    said = _say(slack, fake_slack, 'kickoff "Spring 2027" 1')
    assert said.startswith("Session 1 of Spring 2027 has started") and len(calls) == 2
    assert session_row(engine, world.cohort, 1).started_by == COACH
    assert len(deliveries(engine, world.cohort)) == 16 * len(BLOCK_1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('kickoff "Spring 2027"', "Tell me which cohort and which session to start."),
        ("kickoff 1", "Tell me which cohort and which session to start."),
        ('kickoff "Spring 2027" 4', "“4” is not a session number: the sessions are 1, 2 and 3."),
        ('kickoff "Spring 2027" two', "“two” is not a session number: the sessions are 1, 2 and 3."),
        ('kickoff "Spring 2027" 0', "“0” is not a session number: the sessions are 1, 2 and 3."),
        ('kickoff "Winter 2030" 1', "There is no cohort called “Winter 2030” in this workspace."),
    ],
)
def test_bad_input_says_what_was_wrong_and_how_to_write_it(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, text: str, expected: str
) -> None:
    before = snapshot(engine)
    said = _say(slack, fake_slack, text)
    assert said.startswith(expected)
    assert said.endswith(USAGE + " Or write just `/mentori kickoff` to get a form.")
    assert snapshot(engine) == before


def test_a_cohort_of_another_workspace_is_unknown(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    before = len(fake_slack.calls_to("response_url"))
    slack.command('kickoff "Spring 2027" 1', user_id=COACH, team_id="T999", response_url=fake_slack.response_url())
    answer = fake_slack.calls_to("response_url")[before]
    assert answer.args["text"].startswith("There is no cohort called “Spring 2027” in this workspace.")
    assert session_row(engine, world.cohort, 1).started_at is None


@pytest.mark.parametrize("user_id", [MENTOR, HR, OTHER_COACH, OUTSIDER])
def test_nobody_but_the_cohorts_coaches_and_admins_may_kick_off(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, user_id: str
) -> None:
    before = snapshot(engine)
    assert _answer(slack, fake_slack, 'kickoff "Spring 2027" 1', user_id).args["text"] == (
        REFUSAL + " Ask a workspace admin to name you as a coach if you should be one."
    )
    assert snapshot(engine) == before
    assert fake_slack.messages == [] and fake_slack.calls_to("views.open") == []


def test_a_workspace_admin_may_kick_off_any_cohort(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    assert "Session 1 of Autumn 2027 has started" in _say(slack, fake_slack, 'kickoff "Autumn 2027" 1', ADMIN)
    assert session_row(engine, world.other, 1).started_by == ADMIN


def test_an_archived_cohort_cannot_be_kicked_off(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    with session_scope(engine) as session:
        cohort = session.get(Cohort, world.cohort)
        cohort.status = CohortStatus.ARCHIVED  # type: ignore[union-attr]  # the row (or match) exists here
        session.add(cohort)
    before = snapshot(engine)
    assert _say(slack, fake_slack, 'kickoff "Spring 2027" 1') == (
        "*Spring 2027* is archived, so its sessions can't be started any more."
    )
    assert snapshot(engine) == before


# -- out of order -------------------------------------------------------------------------------------------------


def _buttons(call: Call) -> dict[str, dict[str, Any]]:
    actions = [block for block in call.args["blocks"] if block["type"] == "actions"]
    return {element["action_id"]: element for element in actions[0]["elements"]}


def _click(slack: SlackDriver, fake: FakeSlack, action_id: str, value: str, user_id: str = COACH) -> Call:
    before = len(fake.calls_to("response_url"))
    reply = slack.action(action_id, value, user_id=user_id, response_url=fake.response_url("r2"), is_ephemeral=True)
    assert reply.status == 200
    answers = fake.calls_to("response_url")[before:]
    assert len(answers) == 1, answers
    return answers[0]


def test_out_of_order_asks_for_confirmation_and_the_confirm_button_starts_it(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    before = snapshot(engine)
    question = _answer(slack, fake_slack, 'kickoff "Spring 2027" 2')
    assert question.args["text"].startswith(
        "Session 1 of *Spring 2027* hasn't been started yet. Start session 2 anyway?"
    )
    assert snapshot(engine) == before
    buttons = _buttons(question)
    assert buttons["kickoff_confirm"]["text"]["text"] == "Start session 2"
    assert buttons["kickoff_confirm"]["value"] == choice_value(world.cohort, 2)

    receipt = _click(slack, fake_slack, "kickoff_confirm", buttons["kickoff_confirm"]["value"])
    assert receipt.args["replace_original"] is True
    assert receipt.args["text"] == "Session 2 of Spring 2027 has started (active mentors: 16, prompts planned: 96)."
    assert session_row(engine, world.cohort, 2).started_by == COACH
    assert session_row(engine, world.cohort, 1).started_at is None
    assert sorted({d.step_id for d in deliveries(engine, world.cohort)}) == sorted(BLOCK_2)
    again = _click(slack, fake_slack, "kickoff_confirm", buttons["kickoff_confirm"]["value"])
    assert "was already started on Mon 11 Jan 2027 at 14:00 by <@UCOACH>" in again.args["text"]
    assert len(deliveries(engine, world.cohort)) == 16 * len(BLOCK_2)
    assert fake_slack.invalid == []


@pytest.mark.parametrize("user_id", [MENTOR, HR, OTHER_COACH, OUTSIDER])
def test_the_confirm_button_checks_who_clicks_it(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, user_id: str
) -> None:
    before = snapshot(engine)
    refused = _click(slack, fake_slack, "kickoff_confirm", choice_value(world.cohort, 2), user_id)
    assert refused.args["text"].startswith(REFUSAL)
    assert snapshot(engine) == before


def test_a_confirm_button_with_a_value_that_is_not_ours_changes_nothing(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    before = snapshot(engine)
    values = (
        "garbage",
        json.dumps({"cohort": 9999, "n": 2}),
        json.dumps({"cohort": 10**20, "n": 2}),
        json.dumps({"cohort": world.cohort, "n": 7}),
    )
    for value in values:
        said = _click(slack, fake_slack, "kickoff_confirm", value).args["text"]
        assert said.startswith(("That cohort no longer exists", "“7” is not a session number"))
    assert snapshot(engine) == before


def test_cancel_leaves_everything_as_it_was(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    before = snapshot(engine)
    cancelled = _click(slack, fake_slack, "kickoff_cancel", choice_value(world.cohort, 2))
    assert (cancelled.args["text"], cancelled.args["replace_original"]) == ("OK, nothing was started.", True)
    assert snapshot(engine) == before


# -- the form -----------------------------------------------------------------------------------------------------


def _form(cohort_id: int | None, number: int | None) -> dict[str, Any]:
    def chosen(kind: str, value: int | None) -> dict[str, Any]:
        option = {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)} if value else None
        return {"type": kind, "selected_option": option}

    return {
        "cohort": {"value": chosen("static_select", cohort_id)},
        "session": {"value": chosen("radio_buttons", number)},
    }


def _notice(reply: Reply) -> str:
    body = reply.json
    assert body["response_action"] == "update", body
    assert validate_view(body["view"]) == []
    return all_text(body["view"]["blocks"])


def test_kickoff_without_arguments_opens_the_form_with_the_coachs_cohorts(
    slack: SlackDriver, fake_slack: FakeSlack, world: World
) -> None:
    reply = slack.command("kickoff", user_id=COACH, response_url=fake_slack.response_url())
    assert reply.status == 200
    (opened,) = fake_slack.calls_to("views.open")
    view = opened.args["view"]
    assert opened.args["trigger_id"] == "111.222.valid" and view["callback_id"] == "kickoff"
    cohort, session = (block["element"] for block in view["blocks"])
    assert [o["text"]["text"] for o in cohort["options"]] == ["Spring 2027"]
    assert cohort["initial_option"]["value"] == str(world.cohort) and session["initial_option"]["value"] == "1"
    assert fake_slack.calls_to("response_url") == [] and fake_slack.invalid == []


def test_an_admin_is_offered_every_active_cohort(slack: SlackDriver, fake_slack: FakeSlack, world: World) -> None:
    slack.command("kickoff", user_id=ADMIN, response_url=fake_slack.response_url())
    (opened,) = fake_slack.calls_to("views.open")
    options = opened.args["view"]["blocks"][0]["element"]["options"]
    assert [o["text"]["text"] for o in options] == ["Spring 2027", "Autumn 2027"]


@pytest.mark.parametrize("user_id", [MENTOR, HR, OUTSIDER])
def test_someone_who_coaches_nothing_gets_no_form(
    slack: SlackDriver, fake_slack: FakeSlack, world: World, user_id: str
) -> None:
    assert _say(slack, fake_slack, "kickoff", user_id) == (
        "You don't coach any active cohort, so there is no session for you to start."
    )
    assert fake_slack.calls_to("views.open") == []


def test_a_form_slack_would_not_open_is_answered_with_the_one_line_command(
    slack: SlackDriver, fake_slack: FakeSlack, world: World
) -> None:
    fake_slack.script("views.open", {"error": "expired_trigger_id"})
    said = _say(slack, fake_slack, "kickoff")
    assert said.startswith("Slack didn't open the form (expired_trigger_id).") and USAGE in said


def test_the_form_kicks_off_and_shows_the_receipt(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    notice = _notice(slack.submit("kickoff", _form(world.cohort, 1), user_id=COACH))
    assert notice.startswith("Session 1 of Spring 2027 has started\nActive mentors: *16*")
    assert session_row(engine, world.cohort, 1).started_by == COACH
    assert len(deliveries(engine, world.cohort)) == 16 * len(BLOCK_1)
    again = _notice(slack.submit("kickoff", _form(world.cohort, 1), user_id=COACH))
    assert again.startswith("Session 1 of *Spring 2027* was already started on Mon 11 Jan 2027 at 14:00")
    assert len(deliveries(engine, world.cohort)) == 16 * len(BLOCK_1)


def test_the_form_asks_for_what_is_missing(slack: SlackDriver, engine: Engine, world: World) -> None:
    reply = slack.submit("kickoff", _form(None, None), user_id=COACH)
    assert reply.json == {
        "response_action": "errors",
        "errors": {
            "cohort": "Pick the cohort whose session you want to start.",
            "session": "Pick the session to start: 1, 2 or 3.",
        },
    }
    assert slack.submit("kickoff", _form(world.cohort, 5), user_id=COACH).json["errors"] == {
        "session": "“5” is not a session number: the sessions are 1, 2 and 3."
    }
    assert slack.submit("kickoff", _form(10**20, 1), user_id=COACH).json["errors"] == {
        "cohort": "Pick the cohort whose session you want to start."
    }
    assert _notice(slack.submit("kickoff", _form(9999, 1), user_id=COACH)).startswith("That cohort no longer exists")
    assert session_row(engine, world.cohort, 1).started_at is None


@pytest.mark.parametrize("user_id", [MENTOR, HR, OTHER_COACH, OUTSIDER])
def test_the_form_checks_who_submits_it(slack: SlackDriver, engine: Engine, world: World, user_id: str) -> None:
    before = snapshot(engine)
    assert _notice(slack.submit("kickoff", _form(world.cohort, 1), user_id=user_id)).startswith(REFUSAL)
    assert snapshot(engine) == before


def test_the_form_asks_before_starting_out_of_order_and_its_confirmation_starts_it(
    slack: SlackDriver, engine: Engine, world: World
) -> None:
    before = snapshot(engine)
    reply = slack.submit("kickoff", _form(world.cohort, 3), user_id=COACH)
    view = reply.json["view"]
    assert reply.json["response_action"] == "update" and validate_view(view) == []
    assert view["callback_id"] == "kickoff_confirm" and view["submit"]["text"] == "Start session 3"
    assert all_text(view["blocks"]).startswith("Sessions 1 and 2 of *Spring 2027* haven't been started yet.")
    assert snapshot(engine) == before
    for user_id in (MENTOR, OUTSIDER, OTHER_COACH):  # the confirmation is checked again too
        refused = slack.submit("kickoff_confirm", {}, user_id=user_id, private_metadata=view["private_metadata"])
        assert _notice(refused).startswith(REFUSAL)
    assert snapshot(engine) == before
    done = slack.submit("kickoff_confirm", {}, user_id=COACH, private_metadata=view["private_metadata"])
    assert _notice(done).startswith("Session 3 of Spring 2027 has started")
    assert session_row(engine, world.cohort, 3).started_by == COACH


def test_a_confirmation_whose_metadata_is_not_ours_changes_nothing(
    slack: SlackDriver, engine: Engine, world: World
) -> None:
    before = snapshot(engine)
    for metadata in ("", "{}", json.dumps({"cohort": 9999, "n": 2})):
        notice = _notice(slack.submit("kickoff_confirm", {}, user_id=COACH, private_metadata=metadata))
        assert notice.startswith("That cohort no longer exists")
    assert snapshot(engine) == before


# -- a session dated weeks away -----------------------------------------------------------------------------------


def _move_session(engine: Engine, cohort_id: int, number: int, day: date) -> None:
    with session_scope(engine) as session:
        row = session.exec(
            select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort_id, ProgrammeSession.number == number)
        ).one()
        row.date = day
        session.add(row)


def test_a_session_dated_weeks_ahead_asks_first_and_sends_nothing_until_confirmed(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    _move_session(engine, world.cohort, 1, date(2027, 3, 22))  # a typo in January for a session in March
    before = snapshot(engine)
    question = _answer(slack, fake_slack, 'kickoff "Spring 2027" 1')
    shown = all_text({"text": question.args["text"], "blocks": question.args["blocks"]})
    assert question.args["text"] == (
        "Session 1 of *Spring 2027* is dated Mon 22 Mar 2027, 70 days from today. Start it now anyway?"
    )
    assert "What each of the 16 active mentors would get now:" in shown
    assert "Thanks for the coaching session" in shown and "and right after it: Self-efficacy: at the start" in shown
    assert snapshot(engine) == before
    assert fake_slack.calls_to("chat.postMessage") == []

    cancelled = _click(slack, fake_slack, "kickoff_cancel", _buttons(question)["kickoff_cancel"]["value"])
    assert cancelled.args["text"] == "OK, nothing was started."
    assert snapshot(engine) == before

    receipt = _click(slack, fake_slack, "kickoff_confirm", _buttons(question)["kickoff_confirm"]["value"])
    assert receipt.args["text"].startswith("Session 1 of Spring 2027 has started (active mentors: 16")
    assert session_row(engine, world.cohort, 1).started_by == COACH
    assert fake_slack.invalid == []


def test_a_session_dated_tomorrow_starts_without_a_question(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    _move_session(engine, world.cohort, 1, date(2027, 1, 12))
    said = _say(slack, fake_slack, 'kickoff "Spring 2027" 1')
    assert "has started" in said
    assert session_row(engine, world.cohort, 1).started_at is not None


def test_the_form_asks_before_starting_a_session_weeks_ahead(slack: SlackDriver, engine: Engine, world: World) -> None:
    _move_session(engine, world.cohort, 1, date(2027, 3, 22))
    before = snapshot(engine)
    reply = slack.submit("kickoff", _form(world.cohort, 1), user_id=COACH)
    view = reply.json["view"]
    assert validate_view(view) == []
    assert view["callback_id"] == "kickoff_confirm" and view["title"]["text"] == "Start it now?"
    assert snapshot(engine) == before
    done = slack.submit("kickoff_confirm", {}, user_id=COACH, private_metadata=view["private_metadata"])
    assert done.json["response_action"] == "update"
    assert session_row(engine, world.cohort, 1).started_by == COACH
