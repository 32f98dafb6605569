"""A small programme under way for the mentor tests: one cohort, two mentors, prompts sent to their DMs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
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
    DmNote,
    Experiment,
    Goal,
    HrMeeting,
    Member,
    Organisation,
    ProgrammeSession,
    Role,
    SummaryPost,
)
from tests.support.fake_slack import FakeSlack

NOW = datetime(2027, 1, 19, 10, 0, tzinfo=UTC)  # Tuesday 19 January 2027, 12:00 in Helsinki
DATES = (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8))
MENTOR, OTHER, COACH, STRANGER = "U111", "U222", "UCOACH", "USTRANGER"
TEAM = "T111"
REFLECTION = "s1-peer-learning"  # a reflection of block 1: a free-text answer
T0 = "s1-self-efficacy-t0"  # the self-efficacy baseline: six ratings from 1 to 5


@dataclass(frozen=True)
class World:
    cohort: int
    organisation: int
    goal: int
    mentor: int  # member id of MENTOR (U111)
    other: int  # member id of OTHER (U222), a mentor in the same cohort
    coach: int


def add_people(fake: FakeSlack) -> None:
    """U111 and U222 exist already; a coach and someone Mentori does not know, both reading English."""
    fake.add_user(COACH, name="Coach Carla", locale="en-GB")
    fake.add_user(STRANGER, name="Sam Stranger", locale="en-GB")


def seed(engine: Engine, *, language: str = "en", started: int = 1) -> World:
    """Cohort "Spring 2027" (sessions 11 Jan, 8 Feb, 8 Mar 2027; sessions up to `started` kicked off)."""
    with session_scope(engine) as session:
        cohort = Cohort(team_id=TEAM, name="Spring 2027", language=language, created_at=NOW - timedelta(days=30))
        session.add(cohort)
        session.flush()
        for number, value in enumerate(DATES, start=1):
            started_at = datetime.combine(value, datetime.min.time(), UTC) if number <= started else None
            session.add(
                ProgrammeSession(team_id=TEAM, cohort_id=cohort.id, number=number, date=value, started_at=started_at)
            )
        vero = Organisation(team_id=TEAM, cohort_id=cohort.id, name="Vero", hr_channel_id="GHR")
        session.add(vero)
        session.flush()
        goal = Goal(team_id=TEAM, organisation_id=vero.id, text="Growing into an expert role", position=1)
        session.add(goal)
        joined = NOW - timedelta(days=20)
        mentor = Member(
            team_id=TEAM,
            cohort_id=cohort.id,
            user_id=MENTOR,
            role=Role.MENTOR,
            organisation_id=vero.id,
            joined_at=joined,
        )
        other = Member(
            team_id=TEAM,
            cohort_id=cohort.id,
            user_id=OTHER,
            role=Role.MENTOR,
            organisation_id=vero.id,
            joined_at=joined,
        )
        coach = Member(team_id=TEAM, cohort_id=cohort.id, user_id=COACH, role=Role.COACH, joined_at=joined)
        session.add_all([mentor, other, coach])
        session.flush()
        return World(cohort.id, vero.id, goal.id, mentor.id, other.id, coach.id)  # type: ignore[arg-type]  # a stored row's id is set


@pytest.fixture
def deps(settings: Settings, engine: Engine) -> Deps:
    """The app's dependencies with the clock at NOW; import it into a test module to drive the app on that day."""
    return Deps(settings=settings, engine=engine, now=lambda: NOW)


@pytest.fixture
def world(fake_slack: FakeSlack, engine: Engine) -> World:
    """The seeded programme, with the coach and the stranger known to the fake Slack."""
    add_people(fake_slack)
    return seed(engine)


def prompt_blocks(delivery_id: int, text: str) -> list[dict[str, Any]]:
    """A prompt DM shaped like the nudge engine's: the question and Answer / Snooze / Skip."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "block_id": "prompt",
            "elements": [
                {
                    "type": "button",
                    "action_id": "prompt.answer",
                    "value": str(delivery_id),
                    "text": {"type": "plain_text", "text": "Answer"},
                    "style": "primary",
                },
                {
                    "type": "button",
                    "action_id": "prompt.snooze",
                    "value": str(delivery_id),
                    "text": {"type": "plain_text", "text": "Snooze"},
                },
                {
                    "type": "button",
                    "action_id": "prompt.skip",
                    "value": str(delivery_id),
                    "text": {"type": "plain_text", "text": "Skip"},
                },
            ],
        },
    ]


def send_prompt(
    engine: Engine,
    client: WebClient,
    member_id: int,
    step_id: str,
    *,
    block: int = 1,
    status: str = DeliveryStatus.SENT,
    sent_at: datetime | None = None,
) -> Delivery:
    """A delivery row for the step, and its prompt DM really posted to the fake Slack (so chat.update finds it)."""
    sent_at = sent_at or NOW - timedelta(hours=2)
    with session_scope(engine) as session:
        member = session.get(Member, member_id)
        assert member is not None
        delivery = Delivery(
            team_id=TEAM,
            cohort_id=member.cohort_id,
            member_id=member_id,
            step_id=step_id,
            block=block,
            status=status,
            due_at=sent_at,
            not_before=sent_at,
            sent_at=sent_at,
            attempts=1,
        )
        session.add(delivery)
        session.flush()
        posted = client.chat_postMessage(
            channel=member.user_id,
            text=f"Prompt {step_id}",
            blocks=prompt_blocks(delivery.id or 0, step_id),
            metadata={"event_type": "mentori_prompt", "event_payload": {"delivery_id": delivery.id}},
        )
        delivery.channel_id, delivery.message_ts = posted["channel"], posted["ts"]
        session.add(delivery)
        return delivery


def plan(engine: Engine, member_id: int, step_id: str, at: datetime, *, block: int = 1) -> int:
    """A delivery still waiting in the outbox."""
    with session_scope(engine) as session:
        member = session.get(Member, member_id)
        assert member is not None
        delivery = Delivery(
            team_id=TEAM,
            cohort_id=member.cohort_id,
            member_id=member_id,
            step_id=step_id,
            block=block,
            due_at=at,
            not_before=at,
        )
        session.add(delivery)
        session.flush()
        return int(delivery.id or 0)


def post_summary(engine: Engine, world: World, period: str, posted_at: datetime = NOW - timedelta(hours=1)) -> None:
    with session_scope(engine) as session:
        session.add(
            SummaryPost(
                team_id=TEAM,
                cohort_id=world.cohort,
                organisation_id=world.organisation,
                period=period,
                posted_at=posted_at,
                channel_id="GHR",
                message_ts="1.1",
            )
        )


def answer_of(engine: Engine, delivery_id: int) -> Answer | None:
    with Session(engine) as session:
        return session.exec(select(Answer).where(Answer.delivery_id == delivery_id)).first()


def delivery(engine: Engine, delivery_id: int) -> Delivery:
    with Session(engine) as session:
        row = session.get(Delivery, delivery_id)
        assert row is not None
        return row


def member(engine: Engine, member_id: int) -> Member:
    with Session(engine) as session:
        row = session.get(Member, member_id)
        assert row is not None
        return row


def rows(engine: Engine, model: Any) -> list[Any]:
    with Session(engine) as session:
        return list(session.exec(select(model).order_by(col(model.id))))


def mentor_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a mentor can write, to show that a refused action wrote nothing."""
    tables = {
        "answer": Answer,
        "experiment": Experiment,
        "hr_meeting": HrMeeting,
        "dm_note": DmNote,
        "delivery": Delivery,
        "member": Member,
    }
    with Session(engine) as session:
        return {
            name: [tuple(row.model_dump().values()) for row in session.exec(select(model).order_by(col(model.id)))]
            for name, model in tables.items()
        }


def view_text(node: Any) -> str:
    """Every text in a view or message, for assertions on what the user reads."""
    if isinstance(node, dict):
        return "\n".join(view_text(v) for k, v in node.items() if k not in ("type", "action_id", "block_id"))
    if isinstance(node, list):
        return "\n".join(view_text(item) for item in node)
    return node if isinstance(node, str) else ""


def opened_view(fake: FakeSlack) -> dict[str, Any]:
    """The view of the latest views.open call."""
    return fake.calls_to("views.open")[-1].args["view"]
