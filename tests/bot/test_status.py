"""A cohort's status from the database: counts per block, reasons, who is behind, what's next — on SQLite and PG."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, event
from sqlmodel import Session

from bot.status import Behind, BlockCounts, cohort_status
from storage.db import session_scope
from storage.models import Cohort, Delivery, Member, Role
from tests.support.coach_world import (
    KICKOFF_AT,
    MENTORS,
    PAUSED_UNTIL,
    STATUS_AT,
    TEAM,
    World,
    build,
    fill_block_1,
)


def _status(engine: Engine, cohort_id: int, now: datetime = STATUS_AT):
    with Session(engine) as session:
        cohort = session.get(Cohort, cohort_id)
        assert cohort is not None
        return cohort_status(session, cohort, now)


def _world(engine: Engine) -> World:
    world = build(engine)
    fill_block_1(engine, world)
    return world


def test_block_1_is_counted_by_status_with_the_reasons_of_failures_and_skips(engine: Engine) -> None:
    status = _status(engine, _world(engine).cohort)
    block = status.block(1)
    assert block == BlockCounts(
        block=1,
        planned=28,
        sending=1,
        sent=26,
        answered=29,
        failed=5,
        skipped=5,
        cancelled=2,
        kickoffs=15,
        failures=(("account_inactive", 4), ("some_new_error", 1)),
        skips=(("paused", 4), ("", 1)),
    )
    assert block.total == 16 * 6
    # the kickoff asks nothing: the rate is of the 40 questions delivered, not of the 55 messages
    assert (block.waiting, block.delivered, block.answer_rate) == (29, 55, 72)
    assert status.block(2) == BlockCounts(2) and status.block(3) == BlockCounts(3)
    assert [line.number for line in status.sessions] == [1, 2, 3]
    assert status.sessions[0].started_at == KICKOFF_AT and status.sessions[1].started_at is None


def test_the_mentors_behind_are_active_were_prompted_two_weeks_ago_and_have_not_answered_since(engine: Engine) -> None:
    status = _status(engine, _world(engine).cohort)
    assert status.behind == (
        Behind("UM09"),  # answered in Autumn 2027 yesterday, which does not count here
        Behind("UM10"),
        Behind("UM11"),
        Behind("UM12"),
        Behind("UM13", PAUSED_UNTIL),
        Behind("UM15"),
    )
    assert status.mentors == 15  # UM16 was removed


def test_nobody_is_behind_before_two_weeks_have_passed(engine: Engine) -> None:
    status = _status(engine, _world(engine).cohort, now=KICKOFF_AT + timedelta(days=13, hours=23))
    assert status.behind == ()


def test_an_answer_in_the_last_two_weeks_takes_a_mentor_off_the_list(engine: Engine) -> None:
    world = _world(engine)
    with session_scope(engine) as session:
        from storage.models import Answer

        delivery = Delivery(
            team_id=TEAM,
            cohort_id=world.cohort,
            member_id=world.mentors["UM10"],
            step_id="s1-goal-late",
            block=1,
            status="answered",
            due_at=STATUS_AT,
            not_before=STATUS_AT,
            sent_at=STATUS_AT - timedelta(days=1),
        )
        session.add(delivery)
        session.flush()
        session.add(
            Answer(
                team_id=TEAM,
                delivery_id=delivery.id,
                member_id=world.mentors["UM10"],
                created_at=STATUS_AT - timedelta(hours=2),
                updated_at=STATUS_AT,
            )
        )
    assert "UM10" not in [mentor.user_id for mentor in _status(engine, world.cohort).behind]


def test_the_next_steps_are_the_earliest_distinct_steps_still_planned(engine: Engine) -> None:
    status = _status(engine, _world(engine).cohort)
    assert [(entry.step_id, entry.moment, entry.mentors) for entry in status.next_steps] == [
        ("s1-goal", datetime(2027, 2, 1, 7, 0, tzinfo=UTC), 14),
        ("s1-pulse-se5", datetime(2027, 2, 4, 7, 0, tzinfo=UTC), 14),
    ]
    assert status.next_steps[0].step is not None and status.next_steps[0].step.kind == "reflection"
    assert status.next_to_start == 2


def test_another_cohort_is_counted_on_its_own(engine: Engine) -> None:
    world = _world(engine)
    status = _status(engine, world.other)
    assert status.block(1).answered == 3 and status.block(1).total == 3
    assert status.behind == () and status.next_steps == ()
    assert status.mentors == 1


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]  # a callback with the library's loose signature
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_status_is_a_fixed_number_of_aggregate_queries_however_big_the_cohort(engine: Engine) -> None:
    world = _world(engine)
    with _statements(engine) as small:
        _status(engine, world.cohort)
    with session_scope(engine) as session:
        extra = [
            Member(team_id=TEAM, cohort_id=world.cohort, user_id=f"UX{n:04d}", role=Role.MENTOR) for n in range(200)
        ]
        session.add_all(extra)
        session.flush()
        for member in extra:
            session.add_all(
                Delivery(
                    team_id=TEAM,
                    cohort_id=world.cohort,
                    member_id=member.id,
                    step_id=f"step-{n}",
                    block=1,
                    status="sent",
                    due_at=KICKOFF_AT,
                    not_before=KICKOFF_AT,
                    sent_at=KICKOFF_AT,
                )
                for n in range(10)
            )
    with _statements(engine) as big:
        status = _status(engine, world.cohort)
    assert status.block(1).sent == 26 + 2000
    assert len(big) == len(small) <= 8
    delivery_queries = [s for s in big if "FROM delivery" in s and "GROUP BY" not in s and "EXISTS" not in s]
    assert delivery_queries == []


def test_mentors_in_every_role_but_mentor_are_not_counted(engine: Engine) -> None:
    status = _status(engine, _world(engine).cohort)
    assert all(mentor.user_id in MENTORS for mentor in status.behind)
