"""The constraints that keep the programme's data consistent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, select

from storage.models import Cohort, Delivery, Member, ProgrammeSession

T = "T111"


def _cohort_with_mentor(session: Session) -> tuple[Cohort, Member]:
    cohort = Cohort(team_id=T, name="Spring 2027")
    session.add(cohort)
    session.flush()
    mentor = Member(team_id=T, cohort_id=cohort.id, user_id="U1", role="mentor")
    session.add(mentor)
    session.flush()
    return cohort, mentor


def _delivery(cohort: Cohort, mentor: Member, step: str = "s1-kickoff") -> Delivery:
    moment = datetime(2027, 1, 11, 9, tzinfo=UTC)
    return Delivery(
        team_id=T, cohort_id=cohort.id, member_id=mentor.id, step_id=step, block=1, due_at=moment, not_before=moment
    )


def test_a_delivery_is_unique_per_cohort_step_and_mentor(engine: Engine) -> None:
    with Session(engine) as session:
        cohort, mentor = _cohort_with_mentor(session)
        session.add(_delivery(cohort, mentor))
        session.commit()
        session.add(_delivery(cohort, mentor))
        with pytest.raises(IntegrityError):
            session.commit()


def test_timestamps_come_back_timezone_aware_in_utc(engine: Engine) -> None:
    helsinki_morning = datetime(2027, 3, 29, 9, 0, tzinfo=timezone(timedelta(hours=3)))
    with Session(engine) as session:
        cohort, mentor = _cohort_with_mentor(session)
        delivery = _delivery(cohort, mentor)
        delivery.not_before = helsinki_morning
        session.add(delivery)
        session.commit()
    with Session(engine) as session:
        stored = session.exec(select(Delivery)).one()
        assert stored.not_before.tzinfo is not None
        assert stored.not_before == helsinki_morning
        assert stored.not_before.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(engine: Engine) -> None:
    with Session(engine) as session:
        cohort, mentor = _cohort_with_mentor(session)
        delivery = _delivery(cohort, mentor)
        delivery.due_at = datetime(2027, 1, 11, 9, 0)
        session.add(delivery)
        with pytest.raises(StatementError, match="naive datetime"):
            session.commit()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Member(team_id=T, cohort_id=999, user_id="U1", role="mentor"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_roles_and_session_numbers_are_checked(engine: Engine) -> None:
    with Session(engine) as session:
        cohort, _ = _cohort_with_mentor(session)
        session.commit()
        session.add(Member(team_id=T, cohort_id=cohort.id, user_id="U2", role="boss"))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        session.add(ProgrammeSession(team_id=T, cohort_id=cohort.id, number=4, date=date(2027, 1, 11)))
        with pytest.raises(IntegrityError):
            session.commit()


def test_cohort_names_are_unique_within_a_workspace_only(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Cohort(team_id=T, name="Spring 2027"))
        session.add(Cohort(team_id="T222", name="Spring 2027"))
        session.commit()
        session.add(Cohort(team_id=T, name="Spring 2027"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_deleting_a_cohort_removes_what_belongs_to_it(engine: Engine) -> None:
    with Session(engine) as session:
        cohort, mentor = _cohort_with_mentor(session)
        session.add(_delivery(cohort, mentor))
        session.commit()
        session.delete(cohort)
        session.commit()
        assert session.exec(select(Delivery)).all() == []
        assert session.exec(select(Member)).all() == []
