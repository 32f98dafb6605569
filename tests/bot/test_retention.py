"""Answer texts are purged a set time after the cohort ends; what HR may see stays countable."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.retention import purge_expired, purge_transient
from storage.models import (
    Answer,
    Cohort,
    Delivery,
    DmNote,
    Experiment,
    HrMeeting,
    Member,
    ProcessedEvent,
    ProgrammeSession,
    QueuedWork,
)

T = "T111"


def _cohort_with_answer(session: Session, name: str, first_session: date) -> Answer:
    cohort = Cohort(team_id=T, name=name)
    session.add(cohort)
    session.flush()
    for number in (1, 2, 3):
        day = first_session + timedelta(weeks=4 * (number - 1))
        session.add(ProgrammeSession(team_id=T, cohort_id=cohort.id, number=number, date=day))
    mentor = Member(team_id=T, cohort_id=cohort.id, user_id=f"U{name}", role="mentor")
    session.add(mentor)
    session.flush()
    moment = datetime.combine(first_session, datetime.min.time(), UTC)
    delivery = Delivery(
        team_id=T,
        cohort_id=cohort.id,
        member_id=mentor.id,
        step_id="s1-kickoff",
        block=1,
        due_at=moment,
        not_before=moment,
        status="answered",
    )
    session.add(delivery)
    session.flush()
    answer = Answer(
        team_id=T,
        delivery_id=delivery.id,
        member_id=mentor.id,
        text="My reflection",
        ratings={"SE1": 4},
        consent_to_quote=True,
    )
    session.add(answer)
    session.add(HrMeeting(team_id=T, member_id=mentor.id, held_on=first_session, notes="private"))
    session.add(
        Experiment(
            team_id=T,
            member_id=mentor.id,
            title=f"Our {name} pilot",
            plan_when="When we meet",
            plan_then="I share one idea",
            outcome="It helped",
            status="done",
        )
    )
    return answer


def test_texts_of_long_ended_cohorts_are_purged_and_ratings_kept(engine: Engine) -> None:
    with Session(engine) as session:
        old = _cohort_with_answer(session, "old", date(2025, 1, 13))
        recent = _cohort_with_answer(session, "recent", date(2026, 9, 7))
        session.commit()
        old_id, recent_id = old.id, recent.id
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    with Session(engine) as session:
        purged = purge_expired(session, retention_days=180, now=now)
        session.commit()
    assert (purged.cohorts, purged.answers, purged.notes) == (1, 1, 1)
    with Session(engine) as session:
        old, recent = session.get(Answer, old_id), session.get(Answer, recent_id)
        assert old.text is None and old.consent_to_quote is False and old.ratings == {"SE1": 4}
        assert recent.text == "My reflection"
        notes = sorted(str(m.notes) for m in session.exec(select(HrMeeting)))
        assert notes == ["None", "private"]
        experiments = sorted((e.title, e.plan_when, e.outcome, e.status) for e in session.exec(select(Experiment)))
        assert experiments == [("", None, None, "done"), ("Our recent pilot", "When we meet", "It helped", "done")]


def test_nothing_is_purged_before_the_retention_period(engine: Engine) -> None:
    with Session(engine) as session:
        _cohort_with_answer(session, "recent", date(2026, 6, 1))
        session.commit()
        assert purge_expired(session, retention_days=180, now=datetime(2026, 11, 27, tzinfo=UTC)).answers == 0


def test_unattached_dms_event_ids_and_untaken_queued_work_are_dropped_after_a_week_in_every_workspace(
    engine: Engine,
) -> None:
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    with Session(engine) as session:
        answer = _cohort_with_answer(session, "live", date(2026, 11, 2))
        session.flush()
        for team, days in (("T111", 8), ("T222", 8), ("T111", 6)):
            session.add(
                DmNote(
                    team_id=team,
                    delivery_id=answer.delivery_id,
                    channel_id="D1",
                    message_ts=f"{days}.1",
                    text="kept",
                    created_at=now - timedelta(days=days),
                )
            )
        session.add(ProcessedEvent(event_id="Ev0OLD", team_id="T111", received_at=now - timedelta(days=8)))
        session.add(ProcessedEvent(event_id="Ev0NEW", team_id="T222", received_at=now - timedelta(hours=1)))
        for days in (8, 1):
            session.add(
                QueuedWork(
                    kind="event",
                    team_id="T111",
                    payload={"event": {"text": f"{days}"}},
                    enqueued_at=now - timedelta(days=days),
                )
            )
        session.commit()
        assert purge_transient(session, now=now) == (2, 1, 1)
        session.commit()
        assert [note.message_ts for note in session.exec(select(DmNote))] == ["6.1"]
        assert [event.event_id for event in session.exec(select(ProcessedEvent))] == ["Ev0NEW"]
        assert [item.payload["event"]["text"] for item in session.exec(select(QueuedWork))] == ["1"]
