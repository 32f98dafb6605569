"""Members: who can take part, adding, re-adding, removing, planning for joiners, and the welcome DM."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import cohorts, members, organisations
from bot.blocks.welcome import welcome_renderer
from bot.cohorts import Invalid
from bot.directory import SlackDirectory
from bot.members import Outcome
from bot.planning import plan_block
from storage.db import session_scope
from storage.models import Delivery, DeliveryStatus, Member, MemberStatus, ProgrammeSession, Role
from tests.support import outbox_world
from tests.support.cohorts import MENTOR, NOW, Seeded, add_people, members_of, seed
from tests.support.fake_slack import FakeSlack


@pytest.fixture
def world(engine: Engine, fake_slack: FakeSlack) -> Seeded:
    add_people(fake_slack)
    return seed(engine)


@pytest.mark.parametrize(
    ("user_id", "key"),
    [
        ("UNOSUCH", "members.error.user_unknown"),
        ("UAPP", "members.error.user_bot"),
        ("UGONE", "members.error.user_deleted"),
        ("USLACKBOT", "members.error.user_unknown"),
    ],
)
def test_only_people_in_the_workspace_can_take_part(
    engine: Engine, slack_client: WebClient, world: Seeded, user_id: str, key: str
) -> None:
    directory = SlackDirectory(engine, slack_client, lambda: NOW)
    members.look_up_people(directory, "T111", ["UNEW1"])
    with pytest.raises(Invalid) as raised:
        members.look_up_people(directory, "T111", ["UNEW1", user_id], field="users")
    assert (raised.value.key, raised.value.field, raised.value.params) == (key, "users", {"user": user_id})


def _add(
    engine: Engine,
    world: Seeded,
    user_id: str,
    role: Role = Role.MENTOR,
    *,
    organisation: bool = True,
    language: str | None = None,
) -> members.Joined:
    with session_scope(engine) as session:
        cohort = cohorts.get_cohort(session, "T111", world.cohort_a)
        chosen = organisations.find_organisation(session, cohort, "Vero") if organisation else None
        return members.add_member(
            session, cohort, user_id=user_id, role=role, organisation=chosen, now=NOW, language=language
        )


def test_adding_again_says_what_happened(engine: Engine, world: Seeded) -> None:
    assert _add(engine, world, "UNEW1").outcome == Outcome.ADDED
    assert _add(engine, world, "UNEW1").outcome == Outcome.ALREADY
    assert _add(engine, world, "UNEW1", Role.HR).outcome == Outcome.ADDED  # a second role is a second membership
    assert _add(engine, world, "UNEW1", language="sv").outcome == Outcome.ALREADY
    assert members_of(engine, world.cohort_a)[("UNEW1", Role.MENTOR)].language == "sv"


def test_a_member_moved_to_another_organisation(engine: Engine, world: Seeded) -> None:
    with session_scope(engine) as session:
        cohort = cohorts.get_cohort(session, "T111", world.cohort_a)
        kela = organisations.add_organisation(session, cohort, name="Kela", hr_channel_id="GHRKELA").organisation
        joined = members.add_member(session, cohort, user_id=MENTOR, role=Role.MENTOR, organisation=kela, now=NOW)
        assert joined.outcome == Outcome.MOVED
    assert members_of(engine, world.cohort_a)[(MENTOR, Role.MENTOR)].organisation_id == kela.id


def test_mentors_and_hr_need_an_organisation_coaches_do_not(engine: Engine, world: Seeded) -> None:
    for role in (Role.MENTOR, Role.HR):
        with pytest.raises(Invalid) as raised:
            _add(engine, world, "UNEW1", role, organisation=False)
        assert (raised.value.key, raised.value.field) == ("members.error.organisation_needed", "organisation")
    assert _add(engine, world, "UNEW1", Role.COACH).member.organisation_id is None
    assert _add(engine, world, "UNEW2", Role.COACH, organisation=True).member.organisation_id is None


def test_an_organisation_of_another_cohort_is_refused(engine: Engine, world: Seeded) -> None:
    with pytest.raises(Invalid, match="gone"), session_scope(engine) as session:
        vero = organisations.find_organisation(session, cohorts.get_cohort(session, "T111", world.cohort_a), "Vero")
        members.add_member(
            session,
            cohorts.get_cohort(session, "T111", world.cohort_b),
            user_id="UNEW1",
            role=Role.MENTOR,
            organisation=vero,
            now=NOW,
        )


def _planned(engine: Engine, world: Seeded) -> None:
    with session_scope(engine) as session:
        cohort = cohorts.get_cohort(session, "T111", world.cohort_a)
        first = session.exec(
            select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort.id, ProgrammeSession.number == 1)
        ).one()
        first.started_at = NOW
        session.add(first)
        plan_block(session, cohort, 1, NOW)


def _statuses(engine: Engine, member_id: int) -> list[str]:
    with Session(engine) as session:
        return [d.status for d in session.exec(select(Delivery).where(Delivery.member_id == member_id))]


def test_removing_a_mentor_cancels_their_prompts_and_re_adding_reopens_them(engine: Engine, world: Seeded) -> None:
    _planned(engine, world)
    mentor = members_of(engine, world.cohort_a)[(MENTOR, Role.MENTOR)]
    assert _statuses(engine, mentor.id) and set(_statuses(engine, mentor.id)) == {DeliveryStatus.PLANNED}  # type: ignore[arg-type]  # a stored row's id is set
    with session_scope(engine) as session:
        cohort = cohorts.get_cohort(session, "T111", world.cohort_a)
        removed = members.remove_member(session, cohort, user_id=MENTOR, roles=members.MEMBER_ROLES, now=NOW)
    assert [(m.user_id, m.status) for m in removed] == [(MENTOR, MemberStatus.REMOVED)]
    assert set(_statuses(engine, mentor.id)) == {DeliveryStatus.CANCELLED}  # type: ignore[arg-type]  # a stored row's id is set
    with session_scope(engine) as session:
        cohort = cohorts.get_cohort(session, "T111", world.cohort_a)
        vero = organisations.find_organisation(session, cohort, "Vero")
        joined = members.add_member(session, cohort, user_id=MENTOR, role=Role.MENTOR, organisation=vero, now=NOW)
        assert joined.outcome == Outcome.REACTIVATED
        assert members.plan_for_joiners(session, cohort, [joined], now=NOW) > 0
    assert set(_statuses(engine, mentor.id)) == {DeliveryStatus.PLANNED}  # type: ignore[arg-type]  # a stored row's id is set


def test_removing_someone_who_is_not_there_is_refused(engine: Engine, world: Seeded) -> None:
    with pytest.raises(Invalid) as raised, session_scope(engine) as session:
        cohort = cohorts.get_cohort(session, "T111", world.cohort_a)
        members.remove_member(session, cohort, user_id=MENTOR, roles=[Role.COACH], now=NOW)
    assert raised.value.key == "members.error.not_coach"


def test_other_mentors_prompts_are_left_alone(engine: Engine, world: Seeded) -> None:
    _add(engine, world, "UNEW1")
    _planned(engine, world)
    newcomer = members_of(engine, world.cohort_a)[("UNEW1", Role.MENTOR)]
    with session_scope(engine) as session:
        cohort = cohorts.get_cohort(session, "T111", world.cohort_a)
        members.remove_member(session, cohort, user_id=MENTOR, roles=members.MEMBER_ROLES, now=NOW)
    assert set(_statuses(engine, newcomer.id)) == {DeliveryStatus.PLANNED}  # type: ignore[arg-type]  # a stored row's id is set


def test_nothing_is_planned_for_joiners_before_the_first_kickoff(engine: Engine, world: Seeded) -> None:
    joined = _add(engine, world, "UNEW1")
    with session_scope(engine) as session:
        cohort = cohorts.get_cohort(session, "T111", world.cohort_a)
        assert members.plan_for_joiners(session, cohort, [joined], now=NOW) == 0
    assert _statuses(engine, joined.member.id) == []  # type: ignore[arg-type]  # a stored row's id is set


def test_a_welcome_is_written_for_each_new_mentor_in_their_language(engine: Engine, world: Seeded) -> None:
    joined = [
        _add(engine, world, "UNEW1", language="sv"),
        _add(engine, world, "UNEW2"),
        _add(engine, world, "UHR", Role.HR),
        _add(engine, world, MENTOR),
    ]
    with session_scope(engine) as session:
        ids = members.plan_welcomes(
            session, cohorts.get_cohort(session, "T111", world.cohort_a), joined, render=welcome_renderer(5), now=NOW
        )
    notes = outbox_world.messages_of(engine)
    assert [note.id for note in notes] == ids
    assert [(n.kind, n.user_id) for n in notes] == [("welcome", "UNEW1"), ("welcome", "UNEW2")]
    assert notes[0].payload["message"]["text"] == "Välkommen till Spring 2027! Så här fungerar Mentori."
    with session_scope(engine) as session:  # planning again (a retried command) writes nothing more
        members.plan_welcomes(
            session, cohorts.get_cohort(session, "T111", world.cohort_a), joined, render=welcome_renderer(5), now=NOW
        )
    assert len(outbox_world.messages_of(engine)) == 2


def test_welcomes_are_sent_as_direct_messages_and_failures_reported(
    engine: Engine, slack_client: WebClient, fake_slack: FakeSlack, world: Seeded
) -> None:
    joined = [_add(engine, world, "UNEW1"), _add(engine, world, "UNEW2")]
    with session_scope(engine) as session:
        ids = members.plan_welcomes(
            session, cohorts.get_cohort(session, "T111", world.cohort_a), joined, render=welcome_renderer(5), now=NOW
        )
    fake_slack.add_user("UNEW1", name="UNEW1", deleted=True)  # left Slack meanwhile: conversations.open refuses
    assert members.send_welcomes(engine, outbox_world.send_now(engine, NOW), slack_client, ids) == ["UNEW1"]
    from schedules.coach_reports import report_to_coaches

    assert report_to_coaches(engine, now=NOW) == {}  # whoever added them read it in the receipt: not told twice
    [sent] = fake_slack.messages
    assert (sent["channel"], sent["text"]) == ("DNEW2", "Welcome to Spring 2027! Here is how Mentori works.")
    assert fake_slack.invalid == []


def test_member_rows_are_unique_per_role(engine: Engine, world: Seeded) -> None:
    _add(engine, world, "UNEW1")
    _add(engine, world, "UNEW1")
    with Session(engine) as session:
        rows = session.exec(select(Member).where(Member.user_id == "UNEW1")).all()
    assert len(rows) == 1
