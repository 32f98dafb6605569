"""The status message and the coach's App Home section, in every language, compact and within Slack's limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.authz import Actor
from bot.blocks.status import cohort_status_blocks, cohort_status_message, home_blocks
from bot.i18n import LANGUAGES
from bot.programmes import programme_by_id
from bot.status import Behind, BlockCounts, CohortStatus, NextStep, SessionLine
from bot.surfaces.home import coach_home_blocks
from storage.db import session_scope
from storage.models import Cohort, Member, ProgrammeSession, Role
from storage.models import CohortStatus as CohortState
from tests.support.block_kit import validate_blocks
from tests.support.coach_world import ADMIN, COACH, MENTOR, OTHER_COACH, STATUS_AT, TEAM, build, fill_block_1
from tests.support.golden import assert_golden

PROGRAMME = programme_by_id("feeniks")
NOW = datetime(2027, 1, 29, 10, 0, tzinfo=UTC)


def _status(*, behind: int = 3, reasons: int = 2, archived: bool = False) -> CohortStatus:
    codes = ["account_inactive", "some_new_error", "user_not_found", "missing_scope", "a", "b", "c", "d"][:reasons]
    return CohortStatus(
        cohort_id=7,
        name="Kevät 2027",
        timezone="Europe/Helsinki",
        archived=archived,
        now=NOW,
        mentors=15,
        sessions=(
            SessionLine(1, date(2027, 1, 11), datetime(2027, 1, 11, 12, 0, tzinfo=UTC), "UCOACH"),
            SessionLine(2, date(2027, 2, 8), None, None),
            SessionLine(3, date(2027, 3, 8), None, None),
        ),
        blocks=(
            BlockCounts(
                1,
                planned=28,
                sending=1,
                sent=39,
                answered=57,
                failed=8,
                skipped=7,
                cancelled=4,
                failures=tuple((code, 7 - i) for i, code in enumerate(codes)),
                skips=(("paused", 6), ("", 1)),
            ),
            BlockCounts(2),
            BlockCounts(3),
        ),
        behind=tuple(Behind(f"UM{n:02d}", date(2027, 2, 5) if n == 13 else None) for n in range(9, 9 + behind)),
        next_steps=(
            NextStep("s1-goal", PROGRAMME.step("s1-goal"), datetime(2027, 2, 1, 7, tzinfo=UTC), 14),
            NextStep("s1-pulse-se5", PROGRAMME.step("s1-pulse-se5"), datetime(2027, 2, 2, 7, tzinfo=UTC), 14),
            NextStep("gone-step", None, NOW - timedelta(hours=1), 2),
        ),
    )


def _texts(blocks: list[dict]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [element["text"] for element in block.get("elements", []) if "text" in element]
    return out


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_status_message(language: str) -> None:
    message = cohort_status_message(_status(behind=5), language, "Europe/Helsinki")
    assert_golden(f"status/status.{language}", message, surface="message")


def test_the_status_reads_well_in_english() -> None:
    texts = _texts(cohort_status_blocks(_status(), "en", "Europe/Helsinki"))
    assert texts == [
        "Kevät 2027: how it's going",
        "Active mentors: 15 · as of Fri 29 Jan 2027 at 12:00",
        "*Session 1* · Mon 11 Jan 2027 · started Mon 11 Jan 2027 at 14:00 by <@UCOACH>\n"
        "Waiting 29 · sent 96 · answered 57 (59%) · skipped 7 · failed 8 · cancelled 4",
        "*Session 2* · Mon 8 Feb 2027 · not started yet",
        "*Session 3* · Mon 8 Mar 2027 · not started yet",
        "Failed: 7 × Slack account deactivated, 6 × `some_new_error` · Skipped: 6 × mentor paused, "
        "1 × skipped by the mentor",
        "*No answer in two weeks (3):* <@UM09>, <@UM10>, <@UM11>",
        "*Going out next*\n"
        "• Reflection: your organisation's goal — Mon 1 Feb 2027 at 09:00 · mentors: 14\n"
        "• Self-efficacy: one statement — Tue 2 Feb 2027 at 09:00 · mentors: 14\n"
        "• step `gone-step` — now · mentors: 2",
    ]


def test_long_lists_are_clipped_with_and_n_more() -> None:
    blocks = cohort_status_blocks(_status(behind=31, reasons=8), "en", "Europe/Helsinki")
    texts = _texts(blocks)
    behind = next(text for text in texts if text.startswith("*No answer"))
    assert behind.startswith("*No answer in two weeks (31):* <@UM09>, ")
    assert behind.count("<@") == 20 and behind.endswith("<@UM28>, and 11 more")
    assert "<@UM13> (paused until Fri 5 Feb 2027)" in behind
    reasons = next(text for text in texts if text.startswith("Failed:"))
    assert reasons.count("×") == 5 + 2 and "and 3 more" in reasons
    assert validate_blocks(blocks, "message") == [] and len(blocks) <= 50


def test_an_empty_cohort_says_nothing_is_waiting_and_how_to_start() -> None:
    status = CohortStatus(
        7,
        "Kevät 2027",
        "Europe/Helsinki",
        False,
        NOW,
        0,
        (SessionLine(1, date(2027, 1, 11), None, None),),
        (BlockCounts(1),),
    )
    texts = _texts(cohort_status_blocks(status, "en", "Europe/Helsinki"))
    assert texts[-2:] == [
        "*No answer in two weeks:* nobody. Everyone who got a prompt over two weeks ago has answered since.",
        'Nothing is waiting to go out. When session 1 has been held, start its block with `/mentori kickoff "Kevät '
        '2027" 1`.',
    ]


def test_an_archived_cohort_says_so_and_suggests_no_kickoff() -> None:
    status = _status(archived=True)
    status = CohortStatus(**{**status.__dict__, "next_steps": ()})
    texts = _texts(cohort_status_blocks(status, "en", "Europe/Helsinki"))
    assert texts[1].endswith("archived: nothing more goes out")
    assert texts[-1] == "Nothing is waiting to go out."


# -- the coach's App Home ------------------------------------------------------------------------------------------


def _actor(user_id: str, world_cohort: int | None = None, *, admin: bool = False) -> Actor:
    roles = {world_cohort: frozenset({"coach"})} if world_cohort is not None else {}
    return Actor(TEAM, user_id, is_admin=admin, roles=roles)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_coach_home_shows_each_active_cohort_they_manage(engine: Engine, language: str) -> None:
    world = build(engine)
    fill_block_1(engine, world)
    with Session(engine) as session:
        blocks = coach_home_blocks(session, _actor(ADMIN, admin=True), language, STATUS_AT)
    assert_golden(f"status/home.{language}", blocks, surface="home")
    assert [b["text"]["text"] for b in blocks if b["type"] == "header"] == [
        {"fi": "Spring 2027: tilanne", "sv": "Spring 2027: läget", "en": "Spring 2027: how it's going"}[language],
        {"fi": "Autumn 2027: tilanne", "sv": "Autumn 2027: läget", "en": "Autumn 2027: how it's going"}[language],
    ]


def test_a_coach_sees_only_their_cohorts_and_a_mentor_nothing(engine: Engine) -> None:
    world = build(engine)
    with Session(engine) as session:
        coach = coach_home_blocks(session, _actor(COACH, world.cohort), "en", STATUS_AT)
        other = coach_home_blocks(session, _actor(OTHER_COACH, world.other), "en", STATUS_AT)
        mentor = coach_home_blocks(
            session, Actor(TEAM, MENTOR, roles={world.cohort: frozenset({"mentor"})}), "en", STATUS_AT
        )
    assert [b["text"]["text"] for b in coach if b["type"] == "header"] == ["Spring 2027: how it's going"]
    assert [b["text"]["text"] for b in other if b["type"] == "header"] == ["Autumn 2027: how it's going"]
    assert mentor == []


def test_archived_cohorts_are_left_off_the_home(engine: Engine) -> None:
    world = build(engine)
    with session_scope(engine) as session:
        cohort = session.get(Cohort, world.other)
        cohort.status = CohortState.ARCHIVED  # type: ignore[union-attr]  # the row (or match) exists here
        session.add(cohort)
    with Session(engine) as session:
        blocks = coach_home_blocks(session, _actor(ADMIN, admin=True), "en", STATUS_AT)
    assert [b["text"]["text"] for b in blocks if b["type"] == "header"] == ["Spring 2027: how it's going"]


def test_many_cohorts_stay_within_the_home_limit_and_name_the_rest(engine: Engine) -> None:
    with session_scope(engine) as session:
        for number in range(15):
            cohort = Cohort(team_id=TEAM, name=f"Cohort {number:02d}", language="en")
            session.add(cohort)
            session.flush()
            session.add(Member(team_id=TEAM, cohort_id=cohort.id, user_id=COACH, role=Role.COACH))
            for session_number in (1, 2, 3):
                session.add(
                    ProgrammeSession(
                        team_id=TEAM, cohort_id=cohort.id, number=session_number, date=date(2027, session_number, 11)
                    )
                )
    with Session(engine) as session:
        actor = Actor(TEAM, COACH, roles={c: frozenset({"coach"}) for c in range(1, 16)})
        blocks = coach_home_blocks(session, actor, "en", STATUS_AT)
    assert len(blocks) <= 90 and validate_blocks(blocks, "home") == []
    shown = [b["text"]["text"] for b in blocks if b["type"] == "header"]
    assert shown == [f"Cohort {n:02d}: how it's going" for n in range(len(shown))] and len(shown) < 15
    assert blocks[-1]["elements"][0]["text"] == (
        f"…and {15 - len(shown)} more cohorts. `/mentori status <cohort>` shows any of them."
    )


def test_home_blocks_with_nothing_to_show_are_empty() -> None:
    assert home_blocks([], "en", max_blocks=90) == []
