"""Kicking off a session in the domain: started once, planned once, out of order only when confirmed."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

import bot.kickoff
from bot.authz import Actor, Refused
from bot.cohorts import Invalid
from bot.kickoff import KickoffResult, Outcome, kickoff, kickoff_context, parse_number
from bot.programmes import programme_by_id
from storage.db import session_scope
from storage.models import Cohort, CohortStatus, DeliveryStatus, ProgrammeSession
from tests.support.coach_world import (
    ADMIN,
    COACH,
    HR,
    KICKOFF_AT,
    MENTOR,
    OTHER_COACH,
    OUTSIDER,
    TEAM,
    World,
    build,
    deliveries,
    session_row,
    snapshot,
)

PROGRAMME = programme_by_id("feeniks")
BLOCK_1 = [step.id for step in PROGRAMME.steps_in_block(1) if step.is_prompt]
BLOCK_2 = [step.id for step in PROGRAMME.steps_in_block(2) if step.is_prompt]


def _actor(world: World, user_id: str = COACH, *, admin: bool = False) -> Actor:
    roles = {
        COACH: {world.cohort: frozenset({"coach"})},
        MENTOR: {world.cohort: frozenset({"mentor"})},
        HR: {world.cohort: frozenset({"hr"})},
        OTHER_COACH: {world.other: frozenset({"coach"})},
    }.get(user_id, {})
    return Actor(TEAM, user_id, is_admin=admin, roles=roles)


def _kickoff(
    engine: Engine,
    world: World,
    number: int,
    *,
    actor: Actor | None = None,
    confirmed: bool = False,
    now: datetime = KICKOFF_AT,
) -> KickoffResult:
    with session_scope(engine) as session:
        cohort = session.get(Cohort, world.cohort)
        assert cohort is not None
        return kickoff(
            session, actor=actor or _actor(world), cohort=cohort, number=number, now=now, confirmed=confirmed
        )


def test_a_kickoff_marks_the_session_started_and_plans_one_delivery_per_step_and_mentor(engine: Engine) -> None:
    world = build(engine)
    result = _kickoff(engine, world, 1)
    assert result.outcome == Outcome.STARTED
    assert result.plan is not None and (result.plan.mentors, result.plan.planned) == (16, 16 * len(BLOCK_1))
    row = session_row(engine, world.cohort, 1)
    assert (row.started_at, row.started_by) == (KICKOFF_AT, COACH)
    rows = deliveries(engine, world.cohort)
    assert Counter((d.step_id, d.member_id) for d in rows) == {
        (step_id, member_id): 1 for step_id in BLOCK_1 for member_id in world.mentors.values()
    }
    assert {d.status for d in rows} == {DeliveryStatus.PLANNED} and {d.block for d in rows} == {1}
    kickoffs = [d for d in rows if d.step_id == "s1-kickoff"]
    assert len(kickoffs) == 16 and all(d.not_before == KICKOFF_AT for d in kickoffs)
    assert result.plan.next_step is not None and result.plan.next_step.id == "s1-kickoff"
    assert [entry.step_id for entry in result.upcoming] == ["s1-kickoff", "s1-self-efficacy-t0", "s1-assignment-1"]
    assert deliveries(engine, world.other) == []


def test_the_same_kickoff_twice_does_nothing_and_says_when_and_by_whom(engine: Engine) -> None:
    world = build(engine)
    _kickoff(engine, world, 1)
    before = snapshot(engine)
    again = _kickoff(engine, world, 1, actor=_actor(world, ADMIN, admin=True), now=datetime(2027, 1, 12, tzinfo=UTC))
    assert (again.outcome, again.started_at, again.started_by, again.plan) == (
        Outcome.ALREADY_STARTED,
        KICKOFF_AT,
        COACH,
        None,
    )
    assert snapshot(engine) == before


def test_a_later_session_before_an_earlier_one_asks_for_confirmation_and_stores_nothing(engine: Engine) -> None:
    world = build(engine)
    before = snapshot(engine)
    asked = _kickoff(engine, world, 3)
    assert (asked.outcome, asked.not_started) == (Outcome.NEEDS_CONFIRMATION, (1, 2))
    assert _kickoff(engine, world, 2).not_started == (1,)
    assert snapshot(engine) == before
    started = _kickoff(engine, world, 2, confirmed=True)
    assert started.outcome == Outcome.STARTED
    assert sorted({d.step_id for d in deliveries(engine, world.cohort)}) == sorted(BLOCK_2)
    assert session_row(engine, world.cohort, 1).started_at is None


def test_in_order_no_confirmation_is_needed(engine: Engine) -> None:
    world = build(engine)
    _kickoff(engine, world, 1)
    assert _kickoff(engine, world, 2, now=datetime(2027, 2, 8, 12, tzinfo=UTC)).outcome == Outcome.STARTED
    assert len(deliveries(engine, world.cohort)) == 16 * (len(BLOCK_1) + len(BLOCK_2))


@pytest.mark.parametrize("user_id", [MENTOR, HR, OTHER_COACH, OUTSIDER])
def test_only_the_cohorts_coaches_and_admins_may_kick_off(engine: Engine, user_id: str) -> None:
    world = build(engine)
    before = snapshot(engine)
    with pytest.raises(Refused) as refusal:
        _kickoff(engine, world, 1, actor=_actor(world, user_id))
    assert (refusal.value.key, refusal.value.params) == ("authz.coaches_only", {"cohort": "Spring 2027"})
    assert snapshot(engine) == before


def test_an_admin_may_kick_off_any_cohort_of_the_workspace(engine: Engine) -> None:
    world = build(engine)
    assert _kickoff(engine, world, 1, actor=_actor(world, ADMIN, admin=True)).outcome == Outcome.STARTED
    stranger = Actor("T999", ADMIN, is_admin=True)  # an admin of another workspace is nobody here
    with pytest.raises(Refused), session_scope(engine) as session:
        cohort = session.get(Cohort, world.other)
        assert cohort is not None
        kickoff(session, actor=stranger, cohort=cohort, number=1, now=KICKOFF_AT)


def test_an_archived_cohort_is_refused(engine: Engine) -> None:
    world = build(engine)
    with session_scope(engine) as session:
        cohort = session.get(Cohort, world.cohort)
        cohort.status = CohortStatus.ARCHIVED  # type: ignore[union-attr]  # the row (or match) exists here
        session.add(cohort)
    before = snapshot(engine)
    with pytest.raises(Invalid) as problem:
        _kickoff(engine, world, 1)
    assert problem.value.key == "kickoff.error.archived"
    assert snapshot(engine) == before


def test_a_session_without_a_date_cannot_be_started(engine: Engine) -> None:
    world = build(engine)
    with session_scope(engine) as session:
        session.delete(
            session.exec(
                select(ProgrammeSession).where(ProgrammeSession.cohort_id == world.cohort, ProgrammeSession.number == 2)
            ).one()
        )
    with pytest.raises(Invalid) as problem:
        _kickoff(engine, world, 2, confirmed=True)
    assert (problem.value.key, problem.value.params) == ("kickoff.error.no_session", {"cohort": "Spring 2027", "n": 2})
    with pytest.raises(Invalid) as problem:
        _kickoff(engine, world, 4)
    assert problem.value.key == "kickoff.error.number"


@pytest.mark.parametrize(("text", "number"), [("1", 1), (" 2 ", 2), ("3", 3)])
def test_session_numbers_are_read(text: str, number: int) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize("text", ["0", "4", "two", "-1", "1.5", "", "²", "１"])
def test_anything_but_1_2_or_3_is_not_a_session_number(text: str) -> None:
    with pytest.raises(Invalid) as problem:
        parse_number(text)
    assert problem.value.key == "kickoff.error.number"


def test_two_kickoffs_racing_plan_the_block_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both read 'not started' before either writes: the conditional update lets exactly one of them plan."""
    world = build(engine)
    both_read = threading.Barrier(2, timeout=10)
    real_update = bot.kickoff.update

    def update_after_both_read(*args, **kwargs):  # type: ignore[no-untyped-def]  # a callback with the library's loose signature
        both_read.wait()
        return real_update(*args, **kwargs)

    monkeypatch.setattr(bot.kickoff, "update", update_after_both_read)
    results: list[KickoffResult | BaseException] = []

    def run(user_id: str) -> None:
        try:
            results.append(_kickoff(engine, world, 1, actor=_actor(world, user_id, admin=user_id == ADMIN)))
        except BaseException as error:  # reported below
            results.append(error)

    threads = [threading.Thread(target=run, args=(user_id,)) for user_id in (COACH, ADMIN)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(result, KickoffResult) for result in results), results
    outcomes = sorted(result.outcome for result in results)  # type: ignore[union-attr]  # the row (or match) exists here
    assert outcomes == [Outcome.ALREADY_STARTED, Outcome.STARTED]
    winner = next(r for r in results if r.outcome == Outcome.STARTED)  # type: ignore[union-attr]  # the row (or match) exists here
    loser = next(r for r in results if r.outcome == Outcome.ALREADY_STARTED)  # type: ignore[union-attr]  # the row (or match) exists here
    assert loser.started_by == winner.started_by == session_row(engine, world.cohort, 1).started_by  # type: ignore[union-attr]  # the row (or match) exists here
    assert len(deliveries(engine, world.cohort)) == 16 * len(BLOCK_1)


def test_the_kickoff_dm_context_names_the_mentors_next_prompt_the_next_session_and_their_goal(engine: Engine) -> None:
    world = build(engine)
    _kickoff(engine, world, 1)
    with Session(engine) as session:
        delivery = next(
            d
            for d in deliveries(engine, world.cohort)
            if d.step_id == "s1-kickoff" and d.member_id == world.mentors[MENTOR]
        )
        context = kickoff_context(session, delivery, PROGRAMME, "en")
    assert context.goal == "Vero: growing into an expert role"
    assert (context.next_label, context.next_moment) == (
        "Assignment 1: a small step",
        datetime(2027, 1, 18, 7, 0, tzinfo=UTC),
    )
    assert (context.next_session, context.next_session_date, context.tz) == (2, date(2027, 2, 8), "Europe/Helsinki")
