"""Peer groups as use cases: who takes part, the group's language, what HR may see, export, erasure, retention."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bot.authz import Refused
from bot.blocks.peers import Messages
from bot.data_rights import erase_person, export_person
from bot.peer_answers import record_met, save_reflection, set_choice
from bot.peers import after_kickoff
from bot.privacy import PrivacyPolicy
from bot.privacy_gate import Audience, groups_met_for, peer_groups_for
from bot.retention import purge_expired
from storage.db import session_scope
from storage.models import (
    Cohort,
    DeliveryStatus,
    Member,
    Organisation,
    OutboxMessage,
    PeerGroup,
    PeerGroupMember,
    PeerSetting,
)
from tests.support.coach_world import KICKOFF_AT, MENTORS, TEAM, World, build

NOW = KICKOFF_AT


@pytest.fixture
def world(engine: Engine) -> World:
    return build(engine)


def _cohort(session: Session, world: World) -> Cohort:
    cohort = session.get(Cohort, world.cohort)
    assert cohort is not None
    return cohort


def _form(engine: Engine, world: World) -> list[list[int]]:
    with session_scope(engine) as session:
        formed = after_kickoff(session, _cohort(session, world), 1, NOW, Messages())
    assert formed is not None
    return [list(group) for group in formed.groups]


def _sent(engine: Engine) -> None:
    """The introductions went out (what the sender records)."""
    with session_scope(engine) as session:
        session.execute(
            update(OutboxMessage).where(col(OutboxMessage.key).like("peer:intro:%")).values(status=DeliveryStatus.SENT)
        )


def _group_of(engine: Engine, member_id: int) -> int:
    with Session(engine) as session:
        return session.exec(select(PeerGroupMember.group_id).where(PeerGroupMember.member_id == member_id)).one()


def test_paused_and_opted_out_mentors_are_left_out_and_nothing_is_formed_twice(engine: Engine, world: World) -> None:
    with session_scope(engine) as session:
        paused = session.get(Member, world.mentors[MENTORS[1]])
        assert paused is not None
        paused.paused_until = date(2027, 1, 20)
        session.add(paused)
        set_choice(session, team_id=TEAM, user_id=MENTORS[2], now=NOW, opted_out=True)
    placed = [m for g in _form(engine, world) for m in g]
    assert len(placed) == 14 and world.mentors[MENTORS[1]] not in placed and world.mentors[MENTORS[2]] not in placed
    with session_scope(engine) as session:
        assert after_kickoff(session, _cohort(session, world), 1, NOW, Messages()) is None


def test_a_cohort_with_peer_groups_off_or_too_few_mentors_forms_none(engine: Engine, world: World) -> None:
    with session_scope(engine) as session:
        session.add(PeerSetting(cohort_id=world.cohort, team_id=TEAM, enabled=False))
        session.add(PeerSetting(cohort_id=world.other, team_id=TEAM))
    with session_scope(engine) as session:
        assert after_kickoff(session, _cohort(session, world), 1, NOW, Messages()) is None
        other = session.get(Cohort, world.other)
        assert other is not None
        formed = after_kickoff(session, other, 1, NOW, Messages())
        assert formed is not None and formed.groups == ()
    with Session(engine) as session:
        assert session.exec(select(PeerGroup)).all() == []


def test_a_group_speaks_the_language_its_members_share_else_the_cohorts(engine: Engine, world: World) -> None:
    with session_scope(engine) as session:
        session.execute(update(Member).values(language="sv"))
    _form(engine, world)
    with Session(engine) as session:
        assert {g.language for g in session.exec(select(PeerGroup))} == {"sv"}
        payloads = [
            m.payload for m in session.exec(select(OutboxMessage).where(col(OutboxMessage.key).like("peer:intro:%")))
        ]
    assert all(p["message"]["text"] == "Träffa din kamratgrupp från andra organisationer" for p in payloads)


def test_coaches_see_who_met_and_hr_only_a_figure_enough_people_stand_behind(engine: Engine, world: World) -> None:
    groups = _form(engine, world)
    _sent(engine)
    user_of = {member_id: user_id for user_id, member_id in world.mentors.items()}
    with session_scope(engine) as session:
        for group in groups[:3]:  # three of eight groups met
            record_met(
                session,
                team_id=TEAM,
                user_id=user_of[group[0]],
                group_id=_group_of(engine, group[0]),
                met="yes",
                now=NOW,
            )
    policy = PrivacyPolicy(min_group=5)
    with Session(engine) as session:
        cohort = _cohort(session, world)
        organisation = session.exec(select(Organisation).where(Organisation.cohort_id == cohort.id)).first()
        assert organisation is not None
        hr, coaches = Audience.hr(organisation), Audience.coaches(cohort)
        assert groups_met_for(session, coaches, cohort, policy=policy).met == 3  # type: ignore[union-attr]
        shown = groups_met_for(session, hr, cohort, policy=policy)
        assert shown is not None and (shown.met, shown.groups) == (3, 8)
        with pytest.raises(Refused):
            peer_groups_for(session, hr, cohort)  # who met is for coaches only
        round_ = peer_groups_for(session, coaches, cohort)
        assert sum(1 for g in round_.groups if g.met) == 3
        assert groups_met_for(session, hr, cohort, policy=PrivacyPolicy(min_group=17)) is None  # 16 people behind


def test_hr_never_learns_that_every_group_or_none_met(engine: Engine, world: World) -> None:
    groups = _form(engine, world)
    _sent(engine)
    policy = PrivacyPolicy()
    with Session(engine) as session:
        cohort = _cohort(session, world)
        organisation = session.exec(select(Organisation)).first()
        assert organisation is not None
        assert groups_met_for(session, Audience.hr(organisation), cohort, policy=policy) is None  # none met
    user_of = {member_id: user_id for user_id, member_id in world.mentors.items()}
    with session_scope(engine) as session:
        for group in groups:
            record_met(
                session,
                team_id=TEAM,
                user_id=user_of[group[0]],
                group_id=_group_of(engine, group[0]),
                met="yes",
                now=NOW,
            )
    with Session(engine) as session:
        cohort = _cohort(session, world)
        assert groups_met_for(session, Audience.hr(organisation), cohort, policy=policy) is None  # all met
        assert groups_met_for(session, Audience.coaches(cohort), cohort, policy=policy) is not None


def test_what_a_mentor_learned_is_exported_erased_and_purged_with_their_words(engine: Engine, world: World) -> None:
    _form(engine, world)
    mine = world.mentors[MENTORS[0]]
    with session_scope(engine) as session:
        group_id = _group_of(engine, mine)
        record_met(session, team_id=TEAM, user_id=MENTORS[0], group_id=group_id, met="yes", now=NOW)
        save_reflection(session, team_id=TEAM, user_id=MENTORS[0], group_id=group_id, text="Kelan tapa", now=NOW)
    with Session(engine) as session:
        exported = export_person(session, team_id=TEAM, user_id=MENTORS[0], language="en", now=NOW)
    assert exported["peer_groups"][0]["what_i_learned"] == "Kelan tapa"
    assert exported["peer_groups"][0]["met"] == "yes" and len(exported["peer_groups"][0]["partners"]) == 1

    with session_scope(engine) as session:  # retention: the words go, the group and the answer stay
        session.execute(update(Cohort).values(created_at=KICKOFF_AT))
        purged = purge_expired(session, retention_days=1, now=KICKOFF_AT + timedelta(days=3650))
    assert purged.cohorts >= 1
    with Session(engine) as session:
        row = session.exec(select(PeerGroupMember).where(PeerGroupMember.member_id == mine)).one()
    assert (row.met, row.reflection) == ("yes", None)

    with session_scope(engine) as session:
        erase_person(session, team_id=TEAM, user_id=MENTORS[0], now=NOW)
    with Session(engine) as session:
        assert session.exec(select(PeerGroupMember).where(PeerGroupMember.member_id == mine)).all() == []
        intro = session.exec(select(OutboxMessage).where(OutboxMessage.key == f"peer:intro:{group_id}")).one()
    assert (intro.status, intro.payload) == (DeliveryStatus.CANCELLED, {})  # it would have named them


def test_hr_summary_counts_the_groups_that_met_through_the_privacy_filter(engine: Engine) -> None:
    from bot.blocks.summary import summary_message
    from bot.privacy_gate import csv_for, summary_for
    from bot.summaries.model import COHORT
    from tests.support import summary_cohort

    cohort = summary_cohort.build(engine)
    cohort.fill("before-session-2")
    at = cohort.moment("before-session-2")
    with session_scope(engine) as session:
        row = session.get(Cohort, cohort.cohort_id)
        assert row is not None
        formed = after_kickoff(session, row, 1, at - timedelta(days=20), Messages())
    assert formed is not None and len(formed.groups) == 8
    _sent(engine)
    user_of = {member_id: user_id for user_id, member_id in cohort.mentors.items()}
    with session_scope(engine) as session:
        for group in formed.groups[:3]:
            record_met(
                session,
                team_id=summary_cohort.TEAM,
                user_id=user_of[group[0]],
                group_id=_group_of(engine, group[0]),
                met="yes",
                now=at,
            )
    with Session(engine) as session:
        vero = session.get(Organisation, cohort.organisations[0])
    assert vero is not None
    summary = summary_for(engine, Audience.hr(vero), policy=PrivacyPolicy(), now=at)
    assert summary is not None
    figure = summary.figure(COHORT, "peers")
    assert figure is not None and figure.value == {"met": 3, "groups": 8}
    lines = [b["text"]["text"] for b in summary_message(summary, "fi")["blocks"] if b.get("type") == "section"]
    assert any("tavanneita vertaisryhmiä (eri organisaatioista): 3/8" in line for line in lines)
    exported = csv_for(engine, Audience.hr(vero), policy=PrivacyPolicy(), now=at)
    assert exported is not None and "Tavanneet vertaisryhmät" in exported[1]


def test_each_introduction_is_due_inside_every_members_working_hours(engine: Engine, world: World) -> None:
    from bot.planning import mentor_context
    from bot.work_calendar import is_working_moment
    from storage.models import SlackUser

    with session_scope(engine) as session:  # two mentors work from Halifax, where Monday 14:00 Helsinki is 08:00
        for user_id in MENTORS[:2]:
            session.add(SlackUser(team_id=TEAM, user_id=user_id, tz="America/Halifax"))
    _form(engine, world)
    with Session(engine) as session:
        cohort = _cohort(session, world)
        policies = mentor_context(session, cohort, session.exec(select(Member).where(Member.cohort_id == cohort.id)))
        for group in session.exec(select(PeerGroup)):
            members = session.exec(select(PeerGroupMember.member_id).where(PeerGroupMember.group_id == group.id))
            assert all(is_working_moment(group.introduce_at, policies[m]) for m in members)
            intro = session.exec(select(OutboxMessage).where(OutboxMessage.key == f"peer:intro:{group.id}")).one()
            assert intro.due_at == group.introduce_at
    far = {world.mentors[u] for u in MENTORS[:2]}
    with Session(engine) as session:
        later = [g for g in session.exec(select(PeerGroup)) if g.introduce_at > NOW]
        ids = {
            m
            for g in later
            for m in session.exec(select(PeerGroupMember.member_id).where(PeerGroupMember.group_id == g.id))
        }
    assert far <= ids  # their groups wait for 09:00 in Halifax (15:00 in Helsinki, inside both)


def test_an_erased_mentors_posted_introduction_is_deleted_from_slack(engine: Engine, world: World) -> None:
    _form(engine, world)
    group_id = _group_of(engine, world.mentors[MENTORS[0]])
    with session_scope(engine) as session:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.key) == f"peer:intro:{group_id}")
            .values(status=DeliveryStatus.SENT, channel_id="GPEERS", message_ts="1700000000.000100", payload={})
        )
        erased = erase_person(session, team_id=TEAM, user_id=MENTORS[0], now=NOW)
    assert ("GPEERS", "1700000000.000100") in erased.messages
    with session_scope(engine) as session:  # it named the partner too: erasing them later asks for it again (done)
        partner = session.exec(
            select(Member.user_id)
            .join(PeerGroupMember, col(PeerGroupMember.member_id) == Member.id)
            .where(PeerGroupMember.group_id == group_id)
        ).one()
        assert ("GPEERS", "1700000000.000100") in erase_person(session, team_id=TEAM, user_id=partner, now=NOW).messages
