"""Organisations, their HR channels and goals."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import cohorts, organisations
from bot.cohorts import Invalid
from storage.db import session_scope
from storage.models import Goal, Organisation
from tests.support.cohorts import NOW, Seeded, add_people, seed
from tests.support.fake_slack import FakeSlack


@pytest.fixture
def world(engine: Engine, fake_slack: FakeSlack) -> Seeded:
    add_people(fake_slack)
    return seed(engine)


def test_a_private_channel_with_mentori_in_it_is_accepted(slack_client: WebClient, world: Seeded) -> None:
    assert organisations.verify_hr_channel(slack_client, "GHRVERO") == organisations.HrChannel("GHRVERO", "hr-vero")


@pytest.mark.parametrize(
    ("channel", "key"),
    [
        ("CPUBLIC", "organisations.error.channel_public"),
        ("GCLOSED", "organisations.error.channel_not_member"),
        ("GNOSUCH", "organisations.error.channel_not_member"),
        ("DMENTOR", "organisations.error.channel_not_channel"),
    ],
)
def test_a_channel_mentori_cannot_post_to_privately_is_refused(
    slack_client: WebClient, world: Seeded, channel: str, key: str
) -> None:
    with pytest.raises(Invalid) as raised:
        organisations.verify_hr_channel(slack_client, channel)
    assert (raised.value.key, raised.value.field) == (key, "channel")


def test_slack_failing_to_answer_is_not_mistaken_for_a_bad_channel(
    slack_client: WebClient, fake_slack: FakeSlack, world: Seeded
) -> None:
    fake_slack.script("conversations.info", {"error": "missing_scope"})
    with pytest.raises(Invalid) as raised:
        organisations.verify_hr_channel(slack_client, "GHRVERO")
    assert (raised.value.key, raised.value.params) == (
        "organisations.error.channel_unreadable",
        {"error": "missing_scope"},
    )


def test_organisations_and_goals_are_added_and_numbered(engine: Engine, world: Seeded) -> None:
    with session_scope(engine) as session:
        cohort = cohorts.get_cohort(session, "T111", world.cohort_a)
        added = organisations.add_organisation(
            session, cohort, name=" Kela ", hr_channel_id="GHRKELA", goals=["Peer support", "Living with change"]
        )
        assert (added.created, added.goals_added) == (True, 2)
        again = organisations.add_organisation(
            session, cohort, name="KELA", hr_channel_id="GOTHER", goals=["Supervisor skills"]
        )
        assert (again.created, again.organisation.id) == (False, added.organisation.id)
    with Session(engine) as session:
        kela = session.exec(select(Organisation).where(Organisation.name == "Kela")).one()
        assert kela.hr_channel_id == "GOTHER"
        goals = organisations.goals_of(session, kela)
    assert [(g.position, g.text) for g in goals] == [
        (1, "Peer support"),
        (2, "Living with change"),
        (3, "Supervisor skills"),
    ]


def test_a_goal_is_removed_by_the_number_it_is_listed_with(engine: Engine, world: Seeded) -> None:
    with session_scope(engine) as session:
        cohort = cohorts.get_cohort(session, "T111", world.cohort_a)
        vero = organisations.find_organisation(session, cohort, "vero")
        organisations.add_goal(session, vero, "Second")
        assert organisations.remove_goal(session, vero, "1").text == "Growing into an expert role"
        for wrong in ("0", "2", "x", "-1"):
            with pytest.raises(Invalid, match="goal_number"):
                organisations.remove_goal(session, vero, wrong)
    with Session(engine) as session:
        assert [g.text for g in session.exec(select(Goal))] == ["Second"]


def test_goals_written_one_per_line_are_split_and_checked() -> None:
    assert organisations.split_goals("  First goal \n\n• Second\n- Third  ") == ["First goal", "Second", "Third"]
    assert organisations.split_goals(None) == []
    with pytest.raises(Invalid) as raised:
        organisations.split_goals("fine\n" + "y" * 501)
    assert (raised.value.key, raised.value.field) == ("organisations.error.goal_long", "goals")


def test_an_unknown_organisation_is_answered_with_the_names_there_are(engine: Engine, world: Seeded) -> None:
    with Session(engine) as session:
        with pytest.raises(Invalid) as raised:
            organisations.find_organisation(session, cohorts.get_cohort(session, "T111", world.cohort_a), "Kela")
        assert raised.value.params == {"name": "Kela", "cohort": "Spring 2027", "names": "“Vero”"}
        with pytest.raises(Invalid, match="none_yet"):
            organisations.find_organisation(session, cohorts.get_cohort(session, "T111", world.cohort_b), "Kela")


def test_no_organisation_is_added_to_an_archived_cohort(engine: Engine, world: Seeded) -> None:
    with session_scope(engine) as session:
        cohorts.archive_cohort(session, cohorts.get_cohort(session, "T111", world.cohort_a), now=NOW)
    with pytest.raises(Invalid, match="archived"), session_scope(engine) as session:
        cohort = cohorts.get_cohort(session, "T111", world.cohort_a)
        organisations.add_organisation(session, cohort, name="Kela", hr_channel_id="GHRKELA")
