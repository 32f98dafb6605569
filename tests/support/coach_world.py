"""A realistic cohort for the kickoff and status tests: three organisations, sixteen mentors, a coach, HR, an admin.

Rows are written directly with SQLModel: these tests are about kickoffs and status, not about how people are added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.deps import Deps
from bot.settings import Settings
from storage.db import session_scope
from storage.models import (
    Answer,
    Cohort,
    Delivery,
    DeliveryStatus,
    Goal,
    Member,
    MemberStatus,
    Organisation,
    ProgrammeSession,
    Role,
)
from tests.support.fake_slack import FakeSlack

TEAM = "T111"
KICKOFF_AT = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)  # Monday 11 January 2027, 14:00 in Helsinki
STATUS_AT = datetime(2027, 1, 29, 10, 0, tzinfo=UTC)  # Friday of the third week of block 1
DATES = (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8))
ADMIN, COACH, OTHER_COACH, HR, OUTSIDER = "UADMIN", "UCOACH", "UCOACHB", "UHR", "UOUTSIDER"
MENTORS = tuple(f"UM{number:02d}" for number in range(1, 17))
MENTOR = MENTORS[0]
ORGANISATIONS = (("Vero", 6), ("Kela", 5), ("Helmet", 5))  # name, how many of the mentors (in order)
BLOCK_1 = (  # (step id, days after session 1) of every prompt step of the Feeniks programme's block 1
    ("s1-kickoff", 0),
    ("s1-self-efficacy-t0", 0),
    ("s1-assignment-1", 7),
    ("s1-peer-learning", 14),
    ("s1-goal", 21),
    ("s1-pulse-se5", 24),
)


def add_people(fake: FakeSlack) -> None:
    """Everyone, English-speaking so replies can be read in one language; the admin is a workspace admin."""
    fake.add_user(ADMIN, name="Ada Admin", locale="en-GB", is_admin=True)
    for user_id in (COACH, OTHER_COACH, HR, OUTSIDER, *MENTORS):
        fake.add_user(user_id, name=user_id.title(), locale="en-GB")


@dataclass
class World:
    cohort: int  # "Spring 2027", coached by COACH
    other: int  # "Autumn 2027", coached by OTHER_COACH
    organisations: dict[str, int] = field(default_factory=dict)
    mentors: dict[str, int] = field(default_factory=dict)  # user id → member id in "Spring 2027"


def build(engine: Engine, *, language: str = "en", name: str = "Spring 2027") -> World:
    """Spring 2027 (16 active mentors in three organisations, COACH, HR of Vero) and Autumn 2027 (OTHER_COACH)."""
    with session_scope(engine) as session:
        cohort = _cohort(session, name, language)
        other = _cohort(session, "Autumn 2027", language)
        world = World(cohort.id, other.id)  # type: ignore[arg-type]  # a stored row's id is set
        mentors = iter(MENTORS)
        for position, (org_name, count) in enumerate(ORGANISATIONS):
            organisation = Organisation(
                team_id=TEAM, cohort_id=cohort.id, name=org_name, hr_channel_id=f"GHR{position}"
            )
            session.add(organisation)
            session.flush()
            world.organisations[org_name] = organisation.id  # type: ignore[assignment]  # a stored row's id is set
            session.add(
                Goal(team_id=TEAM, organisation_id=organisation.id, text=f"{org_name}: growing into an expert role")
            )
            for _ in range(count):
                member = _member(session, cohort.id, next(mentors), Role.MENTOR, organisation.id)  # type: ignore[arg-type]  # a stored row's id is set
                world.mentors[member.user_id] = member.id  # type: ignore[assignment]  # a stored row's id is set
        _member(session, cohort.id, COACH, Role.COACH)  # type: ignore[arg-type]  # a stored row's id is set
        _member(session, cohort.id, HR, Role.HR, world.organisations["Vero"])  # type: ignore[arg-type]  # a stored row's id is set
        _member(session, other.id, OTHER_COACH, Role.COACH)  # type: ignore[arg-type]  # a stored row's id is set
    return world


def _cohort(session: Session, name: str, language: str) -> Cohort:
    cohort = Cohort(team_id=TEAM, name=name, language=language, created_at=KICKOFF_AT - timedelta(days=30))
    session.add(cohort)
    session.flush()
    for number, value in enumerate(DATES, start=1):
        session.add(ProgrammeSession(team_id=TEAM, cohort_id=cohort.id, number=number, date=value))
    session.flush()
    return cohort


def _member(session: Session, cohort_id: int, user_id: str, role: Role, organisation_id: int | None = None) -> Member:
    member = Member(
        team_id=TEAM,
        cohort_id=cohort_id,
        user_id=user_id,
        role=role,
        organisation_id=organisation_id,
        joined_at=KICKOFF_AT - timedelta(days=20),
    )
    session.add(member)
    session.flush()
    return member


def _sent_at(days: int) -> datetime:
    """When a block-1 step went out: the kickoff at once, the others at 09:00 Helsinki on their day."""
    if days == 0:
        return KICKOFF_AT
    return datetime(2027, 1, 11, 7, 0, tzinfo=UTC) + timedelta(days=days)


# Block 1 as it stands on STATUS_AT (Friday 29 January): steps 0–3 have gone out, steps 4–5 wait.
# Each mentor's story, step by step: "A" answered, "S" sent, "P" planned, "K" sending, "-" skipped by the mentor,
# "F:<code>" failed, "X:<code>" skipped with a reason, "C" cancelled.
STORIES: dict[str, tuple[str, ...]] = {
    **{m: ("S", "A", "A", "A", "P", "P") for m in MENTORS[0:8]},  # keen: answer everything
    **{m: ("S", "A", "S", "S", "P", "P") for m in MENTORS[8:12]},  # stopped answering in week 1
    MENTORS[12]: ("S", "S", "X:paused", "X:paused", "X:paused", "X:paused"),
    MENTORS[13]: ("F:account_inactive",) * 4 + ("P", "P"),  # left the organisation: Slack account deactivated
    MENTORS[14]: ("S", "-", "S", "K", "P", "P"),  # reads, never answers
    MENTORS[15]: ("S", "A", "S", "S", "C", "C"),  # removed from the cohort on 20 January
}
STORIES[MENTORS[10]] = ("S", "A", "S", "F:some_new_error", "P", "P")
PAUSED_UNTIL = date(2027, 2, 5)


def fill_block_1(engine: Engine, world: World) -> None:
    """Session 1 started by COACH at KICKOFF_AT, and block 1's outbox as in STORIES."""
    with session_scope(engine) as session:
        started = session.exec(
            select(ProgrammeSession).where(ProgrammeSession.cohort_id == world.cohort, ProgrammeSession.number == 1)
        ).one()
        started.started_at, started.started_by = KICKOFF_AT, COACH
        session.add(started)
        for user_id, story in STORIES.items():
            member_id = world.mentors[user_id]
            for (step_id, days), mark in zip(BLOCK_1, story, strict=True):
                _delivery(session, world.cohort, member_id, step_id, days, mark)
        paused = session.get(Member, world.mentors[MENTORS[12]])
        removed = session.get(Member, world.mentors[MENTORS[15]])
        assert paused is not None and removed is not None
        paused.paused_until = PAUSED_UNTIL
        removed.status, removed.removed_at = MemberStatus.REMOVED, datetime(2027, 1, 20, 8, 0, tzinfo=UTC)
        session.add_all([paused, removed])
        _other_cohort_activity(session, world)


def _delivery(session: Session, cohort_id: int, member_id: int, step_id: str, days: int, mark: str) -> Delivery:
    due = _sent_at(days)
    code, _, error = mark.partition(":")
    status = {
        "A": DeliveryStatus.ANSWERED,
        "S": DeliveryStatus.SENT,
        "P": DeliveryStatus.PLANNED,
        "K": DeliveryStatus.SENDING,
        "-": DeliveryStatus.SKIPPED,
        "F": DeliveryStatus.FAILED,
        "X": DeliveryStatus.SKIPPED,
        "C": DeliveryStatus.CANCELLED,
    }[code]
    went_out = code in ("A", "S", "-")
    delivery = Delivery(
        team_id=TEAM,
        cohort_id=cohort_id,
        member_id=member_id,
        step_id=step_id,
        block=1,
        status=status,
        due_at=due,
        not_before=due,
        sent_at=due if went_out else None,
        last_error=error or None,
        created_at=KICKOFF_AT,
    )
    session.add(delivery)
    session.flush()
    if code == "A":
        answered = due + timedelta(hours=1)
        session.add(
            Answer(
                team_id=TEAM,
                delivery_id=delivery.id,
                member_id=member_id,
                text="…",
                created_at=answered,
                updated_at=answered,
            )
        )
    return delivery


def _other_cohort_activity(session: Session, world: World) -> None:
    """UM09 is a mentor in Autumn 2027 too and answered there yesterday: that must not count for Spring 2027."""
    member = _member(session, world.other, MENTORS[8], Role.MENTOR)  # type: ignore[arg-type]  # a stored row's id is set
    for step_id, days in BLOCK_1[:3]:
        _delivery(session, world.other, member.id, step_id, days + 14, "A")  # type: ignore[arg-type]  # a stored row's id is set


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row a kickoff could write, to show that a refused or unconfirmed one wrote nothing."""
    with Session(engine) as session:
        return {
            name: [tuple(row.model_dump().values()) for row in session.exec(select(model).order_by(col(model.id)))]
            for name, model in (("programme_session", ProgrammeSession), ("delivery", Delivery), ("answer", Answer))
        }


def deliveries(engine: Engine, cohort_id: int) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).where(Delivery.cohort_id == cohort_id).order_by(col(Delivery.id))))


def session_row(engine: Engine, cohort_id: int, number: int) -> ProgrammeSession:
    with Session(engine) as session:
        return session.exec(
            select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort_id, ProgrammeSession.number == number)
        ).one()


@pytest.fixture
def status_deps(settings: Settings, engine: Engine) -> Deps:
    """The app's dependencies with the clock at STATUS_AT."""
    return Deps(settings=settings, engine=engine, now=lambda: STATUS_AT)


@pytest.fixture
def filled_world(fake_slack: FakeSlack, engine: Engine) -> World:
    """Everyone in Slack, the cohorts built and block 1 sent, answered, skipped and failed as of STATUS_AT."""
    add_people(fake_slack)
    world = build(engine)
    fill_block_1(engine, world)
    return world
