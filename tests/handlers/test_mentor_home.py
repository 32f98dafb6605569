"""The mentor's App Home through the real app: what it shows, language, pause and resume, the coach's part."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

import bot.surfaces.home
from storage.db import session_scope
from storage.models import Answer, Delivery, DeliveryStatus, Experiment, Member
from tests.support import mentors, slack_requests
from tests.support.app_driver import SlackDriver
from tests.support.fake_slack import FakeSlack
from tests.support.mentors import (
    COACH,
    MENTOR,
    NOW,
    OTHER,
    REFLECTION,
    STRANGER,
    delivery,
    member,
    plan,
    send_prompt,
    view_text,
)

deps, world = mentors.deps, mentors.world  # fixtures: the clock stopped at NOW, the seeded programme


def _open_home(slack: SlackDriver, fake: FakeSlack, user_id: str = MENTOR) -> dict:
    assert slack.post(slack_requests.app_home_opened(user_id)).status == 200
    assert fake.invalid == []
    return fake.home_views[user_id]


def _home_action(slack: SlackDriver, action_id: str, user_id: str = MENTOR, **action: object) -> None:
    reply = slack.action(
        action_id,
        None,
        user_id=user_id,
        view={"type": "home", "blocks": []},
        action={"type": action.pop("kind", "button"), **action},
    )
    assert reply.status == 200


def _answer(engine: Engine, delivery_id: int, member_id: int, text: str | None, ratings: dict | None = None) -> None:
    with session_scope(engine) as session:
        session.add(
            Answer(
                team_id="T111",
                delivery_id=delivery_id,
                member_id=member_id,
                text=text,
                ratings=ratings or {},
                created_at=NOW,
                updated_at=NOW,
            )
        )
        row = session.get(Delivery, delivery_id)
        row.status = DeliveryStatus.ANSWERED  # type: ignore[union-attr]  # the row (or match) exists here


def test_the_home_shows_the_mentors_place_prompts_and_answers(slack, fake_slack, engine, world, slack_client) -> None:
    open_one = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    answered = send_prompt(engine, slack_client, world.mentor, "s1-goal")
    _answer(engine, answered.id, world.mentor, "My own words about the goal.")
    theirs = send_prompt(engine, slack_client, world.other, "s1-goal")
    _answer(engine, theirs.id, world.other, "OTHER's secret reflection.")
    plan(engine, world.mentor, "s1-pulse-se5", datetime(2027, 1, 26, 7, 0, tzinfo=UTC))
    home = _open_home(slack, fake_slack)
    text = view_text(home)
    assert "*Spring 2027*" in text
    assert "Coaching session 1 of 3: Mon 11 Jan 2027." in text
    assert "Next: coaching session 2 on Mon 8 Feb 2027." in text
    assert "Next prompt: _Self-efficacy: one statement_, Tue 26 Jan 2027 at 09:00." in text
    buttons = [
        (e["action_id"], e["value"])
        for b in home["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("prompt.")
    ]
    value = str(open_one.id)
    assert buttons == [("prompt.answer", value), ("prompt.snooze", value), ("prompt.skip", value)]
    assert "My own words about the goal." in text
    assert "OTHER's secret reflection." not in text
    assert len(home["blocks"]) <= 100


def test_snooze_and_skip_from_the_home_tab(slack, fake_slack, engine, world, slack_client) -> None:
    snoozed = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    skipped = send_prompt(engine, slack_client, world.mentor, "s1-goal")
    _home_action(slack, "prompt.snooze", value=str(snoozed.id))
    assert delivery(engine, snoozed.id).snoozed_until == datetime(2027, 1, 20, 7, 0, tzinfo=UTC)
    assert "reminder Wed 20 Jan 2027 at 09:00" in view_text(fake_slack.home_views[MENTOR])
    _home_action(slack, "prompt.skip", value=str(skipped.id))
    assert delivery(engine, skipped.id).status == DeliveryStatus.SKIPPED
    update = fake_slack.calls_to("chat.update")[-1].args
    assert update["ts"] == skipped.message_ts and "Skipped — no reminder will come." in view_text(update["blocks"])
    assert str(skipped.id) not in str([b for b in fake_slack.home_views[MENTOR]["blocks"] if b["type"] == "actions"])
    assert fake_slack.invalid == []


def test_someone_who_is_no_mentor_sees_a_friendly_intro(slack, fake_slack, world) -> None:
    text = view_text(_open_home(slack, fake_slack, STRANGER))
    assert "Welcome to Mentori" in text
    assert "You aren't a mentor in any cohort yet." in text


def test_the_self_efficacy_trend_shows_t0_to_t2(slack, fake_slack, engine, world, slack_client) -> None:
    for step, base in (("s1-self-efficacy-t0", 2), ("s3-self-efficacy-t1", 3), ("s3-self-efficacy-t2", 4)):
        sent = send_prompt(engine, slack_client, world.mentor, step)
        _answer(engine, sent.id, world.mentor, None, {f"SE{n}": min(5, base + n % 2) for n in range(1, 7)})
    text = view_text(_open_home(slack, fake_slack))
    assert "*Your self-efficacy* (1–5): at the start → end of coaching → three months on" in text
    assert "`▅▆█` 3 → 4 → 5  _I can remain calm when facing difficulties" in text
    assert "*Mean* 2.5 → 3.5 → 4.5" in text


def test_the_mentor_chooses_their_language(slack, fake_slack, engine, world) -> None:
    _home_action(
        slack,
        "home.language",
        kind="static_select",
        selected_option={"value": "sv", "text": {"type": "plain_text", "text": "Svenska"}},
    )
    assert member(engine, world.mentor).language == "sv"
    assert member(engine, world.other).language is None
    assert "Ditt program för lärandementorer" in view_text(fake_slack.home_views[MENTOR])


def test_a_language_mentori_does_not_speak_is_refused(slack, fake_slack, engine, world) -> None:
    _home_action(
        slack,
        "home.language",
        kind="static_select",
        selected_option={"value": "de", "text": {"type": "plain_text", "text": "Deutsch"}},
    )
    assert member(engine, world.mentor).language is None
    assert "choose Finnish, Swedish or English" in view_text(fake_slack.calls_to("views.open")[-1].args["view"])


def test_pause_from_home_skips_what_falls_in_it_and_resume_ends_it(slack, fake_slack, engine, world) -> None:
    inside = plan(engine, world.mentor, "s1-peer-learning", datetime(2027, 1, 25, 7, 0, tzinfo=UTC))
    after = plan(engine, world.mentor, "s1-goal", datetime(2027, 2, 1, 7, 0, tzinfo=UTC))
    _home_action(slack, "home.pause", kind="datepicker", selected_date="2027-01-29")
    assert member(engine, world.mentor).paused_until == date(2027, 1, 29)
    assert delivery(engine, inside).status == DeliveryStatus.SKIPPED
    assert delivery(engine, after).status == DeliveryStatus.PLANNED
    home = fake_slack.home_views[MENTOR]
    assert "Your prompts are paused until Fri 29 Jan 2027." in view_text(home)
    assert "Next prompt: _Reflection: your organisation's goal_, Mon 1 Feb 2027 at 09:00." in view_text(home)
    _home_action(slack, "home.resume", value="resume")
    assert member(engine, world.mentor).paused_until is None
    assert "Pause your prompts until" in view_text(fake_slack.home_views[MENTOR])


def test_a_pause_in_the_past_is_explained(slack, fake_slack, engine, world) -> None:
    _home_action(slack, "home.pause", kind="datepicker", selected_date="2027-01-01")
    assert member(engine, world.mentor).paused_until is None
    assert "Fri 1 Jan 2027 has already passed (today is Tue 19 Jan 2027)" in view_text(
        fake_slack.calls_to("views.open")[-1].args["view"]
    )


def _command(slack: SlackDriver, fake: FakeSlack, text: str, user_id: str = MENTOR) -> str:
    before = len(fake.calls_to("response_url"))
    assert slack.command(text, user_id=user_id, response_url=fake.response_url()).status == 200
    [answer] = fake.calls_to("response_url")[before:]
    assert answer.args["response_type"] == "ephemeral"
    return str(answer.args["text"])


def test_pause_and_resume_commands(slack, fake_slack, engine, world) -> None:
    plan(engine, world.mentor, "s1-peer-learning", datetime(2027, 1, 25, 7, 0, tzinfo=UTC))
    said = _command(slack, fake_slack, "pause 2027-01-31")
    assert said == (
        "Paused up to and including Sun 31 Jan 2027: I won't send you prompts during the pause.\n"
        "These would have come during the pause, so they are skipped:\n"
        "• Reflection: learning from another organisation"
    )
    assert member(engine, world.mentor).paused_until == date(2027, 1, 31)
    assert "paused until Sun 31 Jan 2027" in view_text(fake_slack.home_views[MENTOR])
    assert _command(slack, fake_slack, "resume") == "Welcome back! Your prompts are on again."
    assert member(engine, world.mentor).paused_until is None
    assert _command(slack, fake_slack, "resume").startswith("Your prompts aren't paused")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pause", "Write the last day of your pause as YYYY-MM-DD"),
        ("pause next-week", "I didn't understand the date “next-week”."),
        ("pause 2027-01-18", "Mon 18 Jan 2027 has already passed"),
        ("pause 2028-06-01", "A pause can last at most 365 days"),
    ],
)
def test_a_pause_command_that_cannot_be_used_says_why(slack, fake_slack, engine, world, text, expected) -> None:
    assert expected in _command(slack, fake_slack, text)
    assert member(engine, world.mentor).paused_until is None


def test_only_mentors_can_pause(slack, fake_slack, engine, world) -> None:
    assert "You're not a mentor in an active cohort" in _command(slack, fake_slack, "pause 2027-02-01", COACH)
    assert member(engine, world.coach).paused_until is None


@pytest.fixture
def fake_status(monkeypatch: pytest.MonkeyPatch) -> list:
    """The coach side's blocks, replaced so these tests depend only on how the Home holds them."""
    calls: list = []

    def coach_home_blocks(session: Any, actor: Any, language: str, now: Any) -> list[dict]:
        calls.append(actor.user_id)
        return [{"type": "section", "text": {"type": "mrkdwn", "text": f"Coach block {n}"}} for n in range(150)]

    monkeypatch.setattr(bot.surfaces.home, "coach_home_blocks", coach_home_blocks)
    return calls


def test_a_coach_sees_the_coach_part_within_slacks_limits(slack, fake_slack, engine, world, fake_status) -> None:
    home = _open_home(slack, fake_slack, COACH)
    assert fake_status == [COACH]
    assert "Coach block 0" in view_text(home)
    assert len(home["blocks"]) == 100


def test_a_mentor_who_also_coaches_sees_both(slack, fake_slack, engine, world, fake_status) -> None:
    with session_scope(engine) as session:
        row = session.get(Member, world.coach)
        row.user_id = MENTOR  # type: ignore[union-attr]  # the row (or match) exists here
    text = view_text(_open_home(slack, fake_slack))
    assert "*Spring 2027*" in text and "Coach block 0" in text


def test_mentors_who_do_not_coach_get_no_coach_part(slack, fake_slack, engine, world, fake_status) -> None:
    _open_home(slack, fake_slack)
    assert fake_status == []


def test_a_full_home_stays_within_100_blocks(slack, fake_slack, engine, world, slack_client) -> None:
    with session_scope(engine) as session:
        for n in range(30):
            session.add(
                Experiment(
                    team_id="T111",
                    member_id=world.mentor,
                    title=f"Experiment {n}",
                    created_at=NOW,
                    updated_at=NOW - timedelta(minutes=n),
                )
            )
    for step in (
        "s1-goal",
        "s1-assignment-1",
        "s1-pulse-se5",
        "s2-if-then-plan",
        "s2-assignment-2",
        "s2-hr-meeting",
        "s1-kickoff",
        REFLECTION,
    ):
        send_prompt(engine, slack_client, world.mentor, step)
    home = _open_home(slack, fake_slack)
    assert len(home["blocks"]) <= 100
    text = view_text(home)
    assert "…and 2 more in our chat." in text  # the kickoff is not waiting for an answer
    assert "22 more in *Export my data*." in text


def test_a_home_never_shows_another_mentors_experiments(slack, fake_slack, engine, world) -> None:
    with session_scope(engine) as session:
        session.add(
            Experiment(team_id="T111", member_id=world.other, title="OTHER's plan", created_at=NOW, updated_at=NOW)
        )
    assert "OTHER's plan" not in view_text(_open_home(slack, fake_slack))
    assert "OTHER's plan" in view_text(_open_home(slack, fake_slack, OTHER))
