"""Cohorts in the domain: dates, names, creating, changing dates, archiving, who sees which."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import cohorts
from bot.authz import Actor
from bot.cohorts import Invalid
from storage.db import session_scope
from storage.models import Cohort, Delivery, DeliveryStatus, Member, ProgrammeSession, Role
from tests.support.cohorts import DATES, MENTOR, NOW, Seeded, seed


@pytest.fixture
def world(engine: Engine) -> Seeded:
    return seed(engine)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-11", date(2027, 1, 11)),
        ("2027-1-5", date(2027, 1, 5)),
        ("11.1.2027", date(2027, 1, 11)),
        (" 8.3.2027 ", date(2027, 3, 8)),
    ],
)
def test_dates_are_read_as_iso_or_as_finns_write_them(text: str, expected: date) -> None:
    assert cohorts.parse_day(text) == expected


@pytest.mark.parametrize("text", ["2027-02-30", "30.2.2027", "2027-00-10", "tomorrow", "11/01/2027", ""])
def test_a_date_that_does_not_exist_says_how_to_write_one(text: str) -> None:
    with pytest.raises(Invalid) as raised:
        cohorts.parse_day(text, field="session_2")
    assert (raised.value.key, raised.value.field, raised.value.params) == (
        "cohorts.error.date_format",
        "session_2",
        {"value": text.strip()},
    )


def test_session_dates_must_be_three_in_order_and_not_past() -> None:
    today = date(2027, 1, 4)
    cohorts.check_dates(DATES, today=today)
    cohorts.check_dates((today, today + timedelta(days=1), today + timedelta(days=2)), today=today)
    cases = {
        (date(2027, 1, 3), DATES[1], DATES[2]): ("cohorts.error.date_past", "session_1"),
        (DATES[0], DATES[0], DATES[2]): ("cohorts.error.date_order", "session_2"),
        (DATES[0], DATES[2], DATES[1]): ("cohorts.error.date_order", "session_3"),
    }
    for dates, (key, field) in cases.items():
        with pytest.raises(Invalid) as raised:
            cohorts.check_dates(dates, today=today)
        assert (raised.value.key, raised.value.field) == (key, field)
    with pytest.raises(Invalid, match="dates_count"):
        cohorts.check_dates(DATES[:2], today=today)


def test_a_past_date_left_as_it_was_is_allowed_when_changing_dates() -> None:
    past = date(2026, 12, 1)
    cohorts.check_dates((past, DATES[1], DATES[2]), today=date(2027, 1, 4), unchanged={1: past})
    with pytest.raises(Invalid, match="date_past"):
        cohorts.check_dates((past, DATES[1], DATES[2]), today=date(2027, 1, 4), unchanged={1: date(2026, 11, 1)})


def test_today_is_the_cohorts_own_today() -> None:
    late_evening_utc = datetime(2027, 1, 3, 22, 30, tzinfo=UTC)
    assert cohorts.today_in("Europe/Helsinki", late_evening_utc) == date(2027, 1, 4)
    assert cohorts.today_in("Europe/London", late_evening_utc) == date(2027, 1, 3)


def test_a_cohort_is_created_with_its_sessions(engine: Engine) -> None:
    with session_scope(engine) as session:
        cohort = cohorts.create_cohort(
            session,
            team_id="T1",
            name="  Kevät   2027 ",
            language="FI",
            timezone="Europe/Helsinki",
            dates=DATES,
            now=NOW,
            created_by="U1",
        )
    with Session(engine) as session:
        stored = session.get(Cohort, cohort.id)
        rows = session.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort.id)).all()
    assert stored is not None
    assert (stored.name, stored.language, stored.status, stored.created_at) == ("Kevät 2027", "fi", "active", NOW)
    assert sorted((row.number, row.date) for row in rows) == list(enumerate(DATES, start=1))


@pytest.mark.parametrize(
    ("name", "language", "timezone", "key"),
    [
        ("", "fi", "Europe/Helsinki", "cohorts.error.name_empty"),
        ("x" * 81, "fi", "Europe/Helsinki", "cohorts.error.name_long"),
        ("Fine", "de", "Europe/Helsinki", "cohorts.error.language"),
        ("Fine", "fi", "Helsinki", "cohorts.error.timezone"),
        ("spring 2027", "fi", "Europe/Helsinki", "cohorts.error.name_taken"),
    ],
)
def test_a_cohort_with_a_bad_value_is_not_created(
    engine: Engine, world: Seeded, name: str, language: str, timezone: str, key: str
) -> None:
    with pytest.raises(Invalid) as raised, session_scope(engine) as session:
        cohorts.create_cohort(
            session, team_id="T111", name=name, language=language, timezone=timezone, dates=DATES, now=NOW
        )
    assert raised.value.key == key
    with Session(engine) as session:
        assert len(session.exec(select(Cohort)).all()) == 2


def test_an_archived_cohorts_name_stays_taken_and_other_workspaces_may_use_it(engine: Engine, world: Seeded) -> None:
    with session_scope(engine) as session:
        cohorts.archive_cohort(session, cohorts.find_cohort(session, "T111", "spring 2027"), now=NOW)
    with Session(engine) as session:
        assert cohorts.name_taken(session, "T111", "SPRING 2027")
        assert not cohorts.name_taken(session, "T222", "Spring 2027")


def test_cohorts_are_found_by_name_whatever_the_case_and_only_in_their_workspace(engine: Engine, world: Seeded) -> None:
    with Session(engine) as session:
        assert cohorts.find_cohort(session, "T111", "sPRING  2027").id == world.cohort_a
        with pytest.raises(Invalid, match="unknown_cohort"):
            cohorts.find_cohort(session, "T222", "Spring 2027")
        with pytest.raises(Invalid, match="gone"):
            cohorts.get_cohort(session, "T222", world.cohort_a)


def _delivery(session: Session, world: Seeded, step_id: str, status: str) -> Delivery:
    member = session.exec(select(Member).where(Member.user_id == MENTOR)).one()
    delivery = Delivery(
        team_id="T111",
        cohort_id=world.cohort_a,
        member_id=member.id,
        step_id=step_id,
        block=1,
        status=status,
        due_at=NOW,
        not_before=NOW,
    )
    session.add(delivery)
    session.flush()
    return delivery


def test_archiving_cancels_only_prompts_not_yet_sent(engine: Engine, world: Seeded) -> None:
    with session_scope(engine) as session:
        planned = _delivery(session, world, "a", DeliveryStatus.PLANNED)
        sent = _delivery(session, world, "b", DeliveryStatus.SENT)
    with session_scope(engine) as session:
        cohort = cohorts.get_cohort(session, "T111", world.cohort_a)
        assert cohorts.archive_cohort(session, cohort, now=NOW) == 1
    with Session(engine) as session:
        assert session.get(Delivery, planned.id).status == DeliveryStatus.CANCELLED  # type: ignore[union-attr]  # the row (or match) exists here
        assert session.get(Delivery, sent.id).status == DeliveryStatus.SENT  # type: ignore[union-attr]  # the row (or match) exists here
        cohort = session.get(Cohort, world.cohort_a)
    assert cohort is not None
    with pytest.raises(Invalid, match="already_archived"), session_scope(engine) as session:
        cohorts.archive_cohort(session, cohort, now=NOW)
    with pytest.raises(Invalid, match="archived"), session_scope(engine) as session:
        cohorts.change_dates(session, cohort, DATES, now=NOW)


def test_admins_see_every_cohort_coaches_their_own(engine: Engine, world: Seeded) -> None:
    with Session(engine) as session:
        admin = Actor("T111", "U1", is_admin=True)
        coach = Actor("T111", "U2", roles={world.cohort_b: frozenset({Role.COACH.value})})
        mentor = Actor("T111", "U3", roles={world.cohort_a: frozenset({Role.MENTOR.value})})
        assert [c.id for c in cohorts.cohorts_for(session, admin)] == [world.cohort_a, world.cohort_b]
        assert [c.id for c in cohorts.cohorts_for(session, coach)] == [world.cohort_b]
        assert cohorts.cohorts_for(session, mentor) == []


def test_the_overview_counts_people_per_organisation(engine: Engine, world: Seeded) -> None:
    with Session(engine) as session:
        overview = cohorts.overview(session, cohorts.get_cohort(session, "T111", world.cohort_a))
    assert overview.coaches == ("UCOACH",)
    assert overview.mentors == 1
    [vero] = overview.organisations
    assert (vero.organisation.name, vero.goals, vero.mentors, vero.hr) == (
        "Vero",
        ("Growing into an expert role",),
        1,
        ("UHR",),
    )
    assert overview.date_of(2) == DATES[1]
