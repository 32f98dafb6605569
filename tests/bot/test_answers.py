"""The rules behind answering: which HR summary period a prompt belongs to, what an answer may hold, events seen
once, and erasing a person without breaking the counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.answers import check_answer, claim_event, summary_period
from bot.cohorts import Invalid
from bot.data_rights import erase_person, export_person, is_erased
from bot.programmes import default_programme
from storage.db import session_scope
from storage.models import (
    Answer,
    Cohort,
    Delivery,
    DeliveryStatus,
    Member,
    MemberStatus,
    ProcessedEvent,
    ProgrammeSession,
    Role,
    SlackUser,
)
from tests.support.mentors import MENTOR, NOW, OTHER, TEAM, seed


@pytest.mark.parametrize(
    ("step_id", "period"),
    [
        ("s1-self-efficacy-t0", "before-session-2"),
        ("s1-pulse-se5", "before-session-2"),
        ("s2-kickoff", "before-session-3"),
        ("s2-peer-learning", "before-session-3"),
        ("s3-self-efficacy-t1", "after-session-3"),
        ("s3-recent-success", "after-session-3"),
        ("s3-followup-1", "follow-up"),
        ("s3-followup-3", "follow-up"),
        ("s3-self-efficacy-t2", "follow-up"),  # placed after the after-session-3 summary
    ],
)
def test_each_prompt_belongs_to_the_next_summary_after_it(step_id: str, period: str) -> None:
    programme = default_programme()
    assert summary_period(programme, programme.step(step_id)) == period


def test_every_prompt_of_the_programme_has_a_period_that_a_summary_posts() -> None:
    programme = default_programme()
    periods = {step.period for step in programme.steps if step.kind == "summary"}
    for step in programme.steps:
        if step.is_prompt:
            assert summary_period(programme, step) in periods, step.id


def test_an_answer_needs_words_or_a_rating_and_fits_the_limit() -> None:
    programme = default_programme()
    reflection, t0 = programme.step("s1-goal"), programme.step("s1-self-efficacy-t0")
    thumbs = programme.step("s3-followup-3")
    assert check_answer(reflection, "  Words.  ", {}) == ("Words.", {})
    assert check_answer(t0, "", {"SE1": "4", "SE2": None}) == (None, {"SE1": 4})
    assert check_answer(thumbs, None, {"thumbs": "down"}) == (None, {"thumbs": "down"})
    with pytest.raises(Invalid) as empty:
        check_answer(reflection, "   ", {})
    assert (empty.value.key, empty.value.field) == ("mentor.error.empty", "text")
    with pytest.raises(Invalid) as long:
        check_answer(reflection, "x" * 2001, {})
    assert long.value.params == {"max": 2000, "length": 2001}
    for step, ratings in (
        (t0, {"SE1": 0}),
        (t0, {"SE1": "five"}),
        (reflection, {"SE1": 3}),
        (reflection, {"thumbs": "up"}),
        (thumbs, {"thumbs": "meh"}),
    ):
        with pytest.raises(Invalid):
            check_answer(step, "text", ratings)


def test_an_event_is_claimed_once(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert claim_event(session, event_id="Ev1", team_id=TEAM, now=NOW) is True
    with session_scope(engine) as session:
        assert claim_event(session, event_id="Ev1", team_id=TEAM, now=NOW) is False


def test_two_deliveries_of_one_event_racing_cannot_both_commit(engine: Engine) -> None:
    first, second = Session(engine), Session(engine)
    assert claim_event(first, event_id="EvRace", team_id=TEAM, now=NOW)
    first.commit()
    second.add(ProcessedEvent(event_id="EvRace", team_id=TEAM, received_at=NOW))
    with pytest.raises(IntegrityError):
        second.commit()
    first.close()
    second.close()


def _answered(session: Session, member_id: int, cohort_id: int, step_id: str, text: str) -> int:
    delivery = Delivery(
        team_id=TEAM,
        cohort_id=cohort_id,
        member_id=member_id,
        step_id=step_id,
        block=1,
        status=DeliveryStatus.ANSWERED,
        due_at=NOW,
        not_before=NOW,
        sent_at=NOW,
        channel_id="D1",
        message_ts="1.1",
    )
    session.add(delivery)
    session.flush()
    session.add(
        Answer(team_id=TEAM, delivery_id=delivery.id, member_id=member_id, text=text, created_at=NOW, updated_at=NOW)
    )
    return int(delivery.id or 0)


def test_erasing_a_person_keeps_anonymous_counts_and_nobody_elses_data(engine: Engine) -> None:
    world = seed(engine)
    with session_scope(engine) as session:
        mine = _answered(session, world.mentor, world.cohort, "s1-goal", "mine")
        _answered(session, world.other, world.cohort, "s1-goal", "theirs")
        session.add(Member(team_id=TEAM, cohort_id=world.cohort, user_id=MENTOR, role=Role.HR, joined_at=NOW))
        session.add(
            SlackUser(
                team_id=TEAM,
                user_id=MENTOR,
                tz="Europe/Helsinki",
                real_name="Maija Mentor",
                display_name="maija",
                checked_at=NOW,
            )
        )
        prompt = session.get(Delivery, mine)
        prompt.snoozed_until, prompt.reminded_at = NOW + timedelta(days=1), NOW + timedelta(days=2)  # type: ignore[union-attr]  # the row (or match) exists here
        row = session.exec(select(ProgrammeSession).where(ProgrammeSession.number == 1)).one()
        row.started_by = MENTOR
        session.get(Cohort, world.cohort).created_by = MENTOR  # type: ignore[union-attr]  # the row (or match) exists here
    with session_scope(engine) as session:
        exported = export_person(session, team_id=TEAM, user_id=MENTOR, language="fi", now=NOW)
        erased = erase_person(session, team_id=TEAM, user_id=MENTOR, now=NOW + timedelta(days=1))
    assert [a["text"] for a in exported["answers"]] == ["mine"]
    [held] = [p for p in exported["prompts"] if p["step"] == "s1-goal"]  # where it was posted, snoozes, reminders
    assert (held["posted_in_channel"], held["message_ts"]) == ("D1", "1.1")
    assert held["snoozed_until"] == (NOW + timedelta(days=1)).isoformat()
    assert held["reminded_at"] == (NOW + timedelta(days=2)).isoformat()
    assert exported["slack_profile"]["real_name"] == "Maija Mentor"
    assert exported["slack_profile"]["display_name"] == "maija" and "time_zone" in exported["slack_profile"]
    assert sorted(m["role"] for m in exported["memberships"]) == ["hr", "mentor"]
    assert (erased.memberships, erased.answers, erased.messages) == (2, 1, [("D1", "1.1")])
    with Session(engine) as session:
        members = session.exec(select(Member).where(Member.cohort_id == world.cohort)).all()
        assert MENTOR not in {m.user_id for m in members}
        gone = [m for m in members if is_erased(m.user_id)]
        assert {(m.role, m.status) for m in gone} == {("mentor", MemberStatus.LEFT), ("hr", MemberStatus.LEFT)}
        assert session.get(Delivery, mine).status == DeliveryStatus.ANSWERED  # type: ignore[union-attr]  # the row (or match) exists here
        assert [a.text for a in session.exec(select(Answer))] == ["theirs"]
        assert session.get(SlackUser, (TEAM, MENTOR)) is None
        assert session.get(Cohort, world.cohort).created_by is None  # type: ignore[union-attr]  # the row (or match) exists here
        assert all(s.started_by is None for s in session.exec(select(ProgrammeSession)))
        assert session.exec(select(Member).where(Member.user_id == OTHER)).one().status == MemberStatus.ACTIVE
        exported_again = export_person(
            session, team_id=TEAM, user_id=MENTOR, language="en", now=datetime(2027, 2, 1, tzinfo=UTC)
        )
    assert exported_again["memberships"] == [] and exported_again["answers"] == []
