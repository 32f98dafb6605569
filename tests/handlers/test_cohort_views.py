"""The coach's and admin's forms, submitted through the real app: checked, authorised again, stored."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.blocks.cohort_forms import cohort_metadata
from bot.deps import Deps
from bot.settings import Settings
from storage.db import session_scope
from storage.models import Cohort, Goal, Member, MemberStatus, Organisation, ProgrammeSession, Role
from tests.support.app_driver import Reply, SlackDriver
from tests.support.block_kit import validate_view
from tests.support.cohorts import (
    ADMIN,
    CLOSED_CHANNEL,
    COACH,
    HR,
    MENTOR,
    NOW,
    OTHER_COACH,
    OUTSIDER,
    PUBLIC_CHANNEL,
    Seeded,
    add_people,
    members_of,
    seed,
    snapshot,
)
from tests.support.fake_slack import FakeSlack


@pytest.fixture
def deps(settings: Settings, engine: Engine) -> Deps:
    return Deps(settings=settings, engine=engine, now=lambda: NOW)


@pytest.fixture
def world(fake_slack: FakeSlack, engine: Engine) -> Seeded:
    add_people(fake_slack)
    return seed(engine)


def _option(value: str, kind: str = "static_select") -> dict[str, Any]:
    return {"type": kind, "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value}}


def _cohort_form(
    name: str = "Winter 2028",
    dates: tuple[str, str, str] = ("2027-01-18", "2027-02-15", "2027-03-15"),
    language: str = "fi",
    timezone: str = "Europe/Helsinki",
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": {"value": name},
        "language": {"value": _option(language)},
        "timezone": {"value": _option(timezone)},
    }
    for number, value in enumerate(dates, start=1):
        values[f"session_{number}"] = {"value": {"type": "datepicker", "selected_date": value}}
    return values


def _organisation_form(name: str = "Kela", channel: str = "GHRKELA", goals: str | None = None) -> dict[str, Any]:
    return {
        "name": {"value": name},
        "channel": {"value": {"type": "conversations_select", "selected_conversation": channel}},
        "goals": {"value": goals},
    }


def _members_form(users: list[str], role: str = "mentor", organisation: int | None = None) -> dict[str, Any]:
    chosen = (
        _option(str(organisation)) if organisation is not None else {"type": "static_select", "selected_option": None}
    )
    return {
        "users": {"value": {"type": "multi_users_select", "selected_users": users}},
        "role": {"value": _option(role, "radio_buttons")},
        "organisation": {"value": chosen},
    }


def _notice(reply: Reply) -> str:
    """The text of the view that replaced the form (a receipt or a refusal), checked as valid Block Kit."""
    body = reply.json
    assert body["response_action"] == "update", body
    assert validate_view(body["view"]) == []
    return "\n".join(block["text"]["text"] for block in body["view"]["blocks"])


def _errors(reply: Reply) -> dict[str, str]:
    body = reply.json
    assert body["response_action"] == "errors", body
    return body["errors"]


# -- new cohort ---------------------------------------------------------------------------------------------------


def test_an_admin_creates_a_cohort_from_the_form(slack: SlackDriver, engine: Engine, world: Seeded) -> None:
    reply = slack.submit("cohort_create", _cohort_form(), user_id=ADMIN)
    assert "Cohort *Winter 2028* is created: sessions on Mon 18 Jan 2027" in _notice(reply)
    with Session(engine) as session:
        cohort = session.exec(select(Cohort).where(Cohort.name == "Winter 2028")).one()
        dates = [s.date for s in session.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort.id))]
    assert (cohort.language, cohort.timezone, cohort.created_by) == ("fi", "Europe/Helsinki", ADMIN)
    assert sorted(dates) == [date(2027, 1, 18), date(2027, 2, 15), date(2027, 3, 15)]


@pytest.mark.parametrize(
    ("form", "field", "expected"),
    [
        (_cohort_form(name="SPRING 2027"), "name", "There is already a cohort called “SPRING 2027”"),
        (
            _cohort_form(dates=("2027-01-01", "2027-02-15", "2027-03-15")),
            "session_1",
            "Session 1 on 2027-01-01 would be in the past (today is 2027-01-04). Pick today or a later day.",
        ),
        (
            _cohort_form(dates=("2027-01-18", "2027-03-15", "2027-02-15")),
            "session_3",
            "Session 3 (2027-02-15) must come after session 2 (2027-03-15)",
        ),
        (_cohort_form(timezone="Atlantis/Capital"), "timezone", "“Atlantis/Capital” is not a time zone"),
    ],
)
def test_a_bad_value_is_shown_next_to_its_field_and_nothing_is_stored(
    slack: SlackDriver, engine: Engine, world: Seeded, form: dict[str, Any], field: str, expected: str
) -> None:
    before = snapshot(engine)
    errors = _errors(slack.submit("cohort_create", form, user_id=ADMIN))
    assert list(errors) == [field]
    assert expected in errors[field]
    assert snapshot(engine) == before


# -- organisations ------------------------------------------------------------------------------------------------


def test_a_coach_adds_an_organisation_and_its_goals_from_the_form(
    slack: SlackDriver, engine: Engine, world: Seeded, fake_slack: FakeSlack
) -> None:
    form = _organisation_form(goals="Supervisor skills and peer support\n\n- Living with change\n")
    reply = slack.submit("org_add", form, user_id=COACH, private_metadata=cohort_metadata(world.cohort_a))
    notice = _notice(reply)
    assert "*Kela* is now in *Spring 2027*; its HR summaries go to <#GHRKELA>. Goals added: 2." in notice
    with Session(engine) as session:
        kela = session.exec(select(Organisation).where(Organisation.name == "Kela")).one()
        goals = [g.text for g in session.exec(select(Goal).where(Goal.organisation_id == kela.id))]
    assert (kela.cohort_id, kela.hr_channel_id) == (world.cohort_a, "GHRKELA")
    assert goals == ["Supervisor skills and peer support", "Living with change"]
    assert [c.args["channel"] for c in fake_slack.calls_to("conversations.info")] == ["GHRKELA"]


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        (PUBLIC_CHANNEL, "#general is a public channel, and HR summaries may only go to a private one."),
        (CLOSED_CHANNEL, "Write `/invite @Mentori` in the channel, then try again."),
        ("GNOSUCH", "Mentori is not a member of that channel"),
        ("DMENTOR", "That is a direct message, not a channel."),
    ],
)
def test_an_hr_channel_mentori_cannot_use_is_shown_next_to_the_channel_picker(
    slack: SlackDriver, engine: Engine, world: Seeded, channel: str, expected: str
) -> None:
    before = snapshot(engine)
    reply = slack.submit(
        "org_add", _organisation_form(channel=channel), user_id=COACH, private_metadata=cohort_metadata(world.cohort_a)
    )
    errors = _errors(reply)
    assert list(errors) == ["channel"] and expected in errors["channel"]
    assert snapshot(engine) == before


def test_a_goal_too_long_is_shown_next_to_the_goals(slack: SlackDriver, engine: Engine, world: Seeded) -> None:
    before = snapshot(engine)
    reply = slack.submit(
        "org_add",
        _organisation_form(goals="ok\n" + "x" * 501),
        user_id=COACH,
        private_metadata=cohort_metadata(world.cohort_a),
    )
    assert "A goal can be at most 500 characters long." in _errors(reply)["goals"]
    assert snapshot(engine) == before


def test_a_form_whose_metadata_names_no_cohort_changes_nothing(
    slack: SlackDriver, engine: Engine, world: Seeded
) -> None:
    before = snapshot(engine)
    for metadata in ("", "not json", json.dumps({"cohort": 9999}), json.dumps({"cohort": True})):
        reply = slack.submit("org_add", _organisation_form(), user_id=ADMIN, private_metadata=metadata)
        assert "That cohort no longer exists, so nothing was changed." in _notice(reply)
    assert snapshot(engine) == before


# -- members ------------------------------------------------------------------------------------------------------


def test_a_coach_adds_mentors_from_the_form_and_they_are_welcomed_after_the_ack(
    slack: SlackDriver, engine: Engine, world: Seeded, fake_slack: FakeSlack
) -> None:
    reply = slack.submit(
        "member_add",
        _members_form(["UNEW1", "UNEW2"], organisation=world.organisation),
        user_id=COACH,
        private_metadata=cohort_metadata(world.cohort_a),
    )
    notice = _notice(reply)
    assert "Added to *Spring 2027* as mentors of Vero: <@UNEW1>, <@UNEW2>." in notice
    assert "Each new mentor gets a welcome message now (2)." in notice
    added = members_of(engine, world.cohort_a)
    assert {added[(u, Role.MENTOR)].organisation_id for u in ("UNEW1", "UNEW2")} == {world.organisation}
    assert sorted(m["channel"] for m in fake_slack.messages) == ["DNEW1", "DNEW2"]
    assert fake_slack.invalid == []


def test_a_welcome_that_cannot_be_delivered_is_reported_to_the_coach(
    slack: SlackDriver, world: Seeded, fake_slack: FakeSlack
) -> None:
    fake_slack.script("conversations.open", {"error": "user_disabled"})
    slack.submit(
        "member_add",
        _members_form(["UNEW1"], organisation=world.organisation),
        user_id=COACH,
        private_metadata=cohort_metadata(world.cohort_a),
    )
    [report] = [m for m in fake_slack.messages if m["channel"] == "DCOACH"]
    assert report["text"].startswith("I couldn't send the welcome message to <@UNEW1>; they are added all the same.")


def test_an_admin_names_a_coach_from_the_form_without_an_organisation(
    slack: SlackDriver, engine: Engine, world: Seeded, fake_slack: FakeSlack
) -> None:
    reply = slack.submit(
        "member_add",
        _members_form(["UNEW1"], role="coach"),
        user_id=ADMIN,
        private_metadata=cohort_metadata(world.cohort_a),
    )
    assert "Now coaching *Spring 2027*: <@UNEW1>." in _notice(reply)
    assert members_of(engine, world.cohort_a)[("UNEW1", Role.COACH)].organisation_id is None
    assert fake_slack.messages == []


@pytest.mark.parametrize(
    ("users", "organisation", "field", "expected"),
    [
        (["UAPP"], "vero", "users", "<@UAPP> is an app, not a person"),
        (["UNEW1", "UGONE"], "vero", "users", "<@UGONE>'s account has been deactivated"),
        (["UNOSUCH"], "vero", "users", "The user UNOSUCH is not in this workspace"),
        (["UNEW1"], None, "organisation", "Mentors and HR contacts belong to an organisation of the cohort"),
        (["UNEW1"], "elsewhere", "organisation", "That organisation is no longer in this cohort."),
    ],
)
def test_a_person_or_organisation_that_cannot_be_used_is_shown_next_to_its_field(
    slack: SlackDriver,
    engine: Engine,
    world: Seeded,
    fake_slack: FakeSlack,
    users: list[str],
    organisation: str | None,
    field: str,
    expected: str,
) -> None:
    if organisation == "elsewhere":
        with session_scope(engine) as session:
            other = Organisation(team_id="T111", cohort_id=world.cohort_b, name="Kela", hr_channel_id="GHRKELA")
            session.add(other)
            session.flush()
            chosen = other.id
    else:
        chosen = world.organisation if organisation else None
    before = snapshot(engine)
    reply = slack.submit(
        "member_add",
        _members_form(users, organisation=chosen),
        user_id=ADMIN,
        private_metadata=cohort_metadata(world.cohort_a),
    )
    errors = _errors(reply)
    assert list(errors) == [field] and expected in errors[field]
    assert snapshot(engine) == before
    assert fake_slack.messages == []


# -- who may do what ----------------------------------------------------------------------------------------------

COACHES_ONLY = "Sorry, only the coaches of *Spring 2027* can do that."
ADMINS_ONLY = "Sorry, only workspace admins and Mentori's operators can do that."


def _submissions(world: Seeded) -> dict[str, tuple[str, dict[str, Any], str]]:
    metadata = cohort_metadata(world.cohort_a)
    return {
        "create": ("cohort_create", _cohort_form(), ""),
        "organisation": ("org_add", _organisation_form(goals="Peer support"), metadata),
        "mentors": ("member_add", _members_form(["UNEW1"], organisation=world.organisation), metadata),
        "coach": ("member_add", _members_form(["UNEW1"], role="coach"), metadata),
    }


@pytest.mark.parametrize(
    ("form", "user_id", "expected"),
    [("create", user_id, ADMINS_ONLY) for user_id in (MENTOR, HR, OTHER_COACH, OUTSIDER, COACH)]
    + [
        (form, user_id, COACHES_ONLY)
        for form in ("organisation", "mentors")
        for user_id in (MENTOR, HR, OTHER_COACH, OUTSIDER)
    ]
    + [("coach", user_id, ADMINS_ONLY) for user_id in (MENTOR, HR, OTHER_COACH, OUTSIDER, COACH)],
)
def test_every_submission_is_authorised_again_and_refused_politely(
    slack: SlackDriver, engine: Engine, world: Seeded, fake_slack: FakeSlack, form: str, user_id: str, expected: str
) -> None:
    callback_id, values, metadata = _submissions(world)[form]
    before = snapshot(engine)
    reply = slack.submit(callback_id, values, user_id=user_id, private_metadata=metadata)
    assert _notice(reply).startswith(expected)
    assert snapshot(engine) == before
    assert fake_slack.messages == []
    assert fake_slack.calls_to("conversations.info") == []


def test_a_coach_removed_while_the_form_was_open_is_refused_on_submission(
    slack: SlackDriver, engine: Engine, world: Seeded
) -> None:
    with session_scope(engine) as session:
        coach = session.exec(select(Member).where(Member.user_id == COACH)).one()
        coach.status = MemberStatus.REMOVED
        session.add(coach)
    before = snapshot(engine)
    reply = slack.submit(
        "member_add",
        _members_form(["UNEW1"], organisation=world.organisation),
        user_id=COACH,
        private_metadata=cohort_metadata(world.cohort_a),
    )
    assert _notice(reply).startswith(COACHES_ONLY)
    assert snapshot(engine) == before
