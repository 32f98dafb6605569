"""A cohort of mentors for the nudge-engine tests, and the job context that sends to the fake Slack.

Rows are written directly: these tests are about what goes out and when, not about how people are added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.deps import Deps
from bot.planning import plan_block
from bot.settings import Settings
from schedules import jobs
from storage.db import session_scope
from storage.models import Cohort, Delivery, Goal, Member, Organisation, ProgrammeSession, Role, SlackUser
from tests.support.fake_slack import FakeSlack

TEAM = "T111"
COACH = "UCOACH"
GOAL = "Growing into an expert role"
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Mentor:
    user_id: str
    tz: str = "Europe/Helsinki"
    language: str | None = None


@dataclass
class Seeded:
    cohort: int
    organisation: int
    members: dict[str, int] = field(default_factory=dict)  # user id → member id


def add_people(fake: FakeSlack, mentors: Sequence[Mentor | str], coach: str = COACH) -> None:
    fake.add_user(coach, name="Coach", locale="en-GB")
    for mentor in mentors:
        mentor = Mentor(mentor) if isinstance(mentor, str) else mentor
        fake.add_user(mentor.user_id, name=mentor.user_id.title(), tz=mentor.tz, locale="en-GB")


def seed(
    engine: Engine,
    *,
    dates: Sequence[date],
    mentors: Sequence[Mentor | str],
    name: str = "Spring 2027",
    language: str = "en",
    grace_hours: int = 24,
    reminder_days: int = 2,
    coach: str | None = COACH,
    checked_at: datetime | None = None,
    usual_quiet: bool = True,
) -> Seeded:
    """A cohort with its session dates, one organisation (Finnish, with a goal), a coach and the mentors; each
    mentor's Slack record (time zone) is cached as of `checked_at`. `usual_quiet=False` leaves out the Finnish
    summer and Christmas quiet periods, for tests of public holidays alone."""
    with session_scope(engine) as session:
        cohort = Cohort(
            team_id=TEAM,
            name=name,
            language=language,
            grace_hours=grace_hours,
            reminder_days=reminder_days,
            created_at=LONG_AGO,
            usual_quiet=usual_quiet,
        )
        session.add(cohort)
        session.flush()
        for number, day in enumerate(dates, start=1):
            session.add(ProgrammeSession(team_id=TEAM, cohort_id=cohort.id, number=number, date=day))
        organisation = Organisation(team_id=TEAM, cohort_id=cohort.id, name="Vero", country="FI")
        session.add(organisation)
        session.flush()
        session.add(Goal(team_id=TEAM, organisation_id=organisation.id, text=GOAL, position=1))
        seeded = Seeded(cohort.id, organisation.id)  # type: ignore[arg-type]  # a stored row's id is set
        if coach:
            session.add(Member(team_id=TEAM, cohort_id=cohort.id, user_id=coach, role=Role.COACH, joined_at=LONG_AGO))
        for mentor in mentors:
            mentor = Mentor(mentor) if isinstance(mentor, str) else mentor
            member = Member(
                team_id=TEAM,
                cohort_id=cohort.id,
                user_id=mentor.user_id,
                role=Role.MENTOR,
                organisation_id=organisation.id,
                language=mentor.language,
                joined_at=LONG_AGO,
            )
            session.add(member)
            session.merge(
                SlackUser(
                    team_id=TEAM,
                    user_id=mentor.user_id,
                    tz=mentor.tz,
                    locale="en-GB",
                    checked_at=checked_at or LONG_AGO,
                )
            )
            session.flush()
            seeded.members[mentor.user_id] = member.id  # type: ignore[assignment]  # a stored row's id is set
        return seeded


def plan(engine: Engine, cohort_id: int, block: int, now: datetime) -> int:
    """What a kickoff of session `block` plans; returns how many rows were written."""
    with session_scope(engine) as session:
        cohort = session.get(Cohort, cohort_id)
        assert cohort is not None
        return plan_block(session, cohort, block, now).planned


def deliveries(engine: Engine, *criteria: Any) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).where(*criteria).order_by(col(Delivery.id))))


def delivery(engine: Engine, member_id: int, step_id: str) -> Delivery:
    found = deliveries(engine, Delivery.member_id == member_id, Delivery.step_id == step_id)
    assert len(found) == 1, found
    return found[0]


def posting_client(fake: FakeSlack, token: str = "xoxb-test") -> WebClient:
    """Like production's sending client: no retry handlers, the sender does its own retrying."""
    return WebClient(token=token, base_url=fake.url, timeout=5, retry_handlers=[])


def context(
    settings: Settings, engine: Engine, fake: FakeSlack, *, worker: str = "test-sender", concurrency: int = 4
) -> jobs.JobContext:
    """A job context whose clients talk to the fake Slack and whose clock is `datetime.now` (freezable)."""
    client = posting_client(fake)
    return jobs.JobContext(
        deps=Deps(settings=settings, engine=engine),
        posting_client=lambda _team: client,
        reading_client=lambda _team: client,
        worker=worker,
        concurrency=concurrency,
    )


@contextmanager
def registered(ctx: jobs.JobContext) -> Iterator[jobs.JobContext]:
    jobs.register(ctx)
    try:
        yield ctx
    finally:
        jobs.unregister()


def prompts_in(fake: FakeSlack) -> list[dict[str, Any]]:
    """Every prompt the fake received (messages carrying our metadata), oldest first."""
    return [m for m in fake.messages if (m.get("metadata") or {}).get("event_type") == "mentori_prompt"]


def prompt_ids(fake: FakeSlack) -> list[int]:
    return [int(m["metadata"]["event_payload"]["delivery_id"]) for m in prompts_in(fake)]


def send_now(engine: Engine, now: datetime | None = None) -> Callable[[WebClient, Sequence[int]], None]:
    """What the composition root wires into Deps.send_now: the outbox sender over the given rows, at once."""
    from schedules.sender import send_now as send

    def run(client: WebClient, ids: Sequence[int]) -> None:
        send(engine, client, ids, now=(lambda: now) if now else lambda: datetime.now(UTC))

    return run


def send_messages(engine: Engine, fake: FakeSlack, now: datetime, **options: Any) -> Any:
    """One run of the outbox sender over every message besides prompts (what the scheduler's jobs do)."""
    from schedules.message_source import MessageSource
    from schedules.sender import Sender

    client = posting_client(fake)
    return Sender(
        engine=engine,
        client_for=lambda _team: client,
        now=lambda: now,
        worker="test-messages",
        sources=[MessageSource()],
        **options,
    ).run()


def messages_of(engine: Engine, *criteria: Any) -> list[Any]:
    """Outbox messages (not prompts), oldest first."""
    from storage.models import OutboxMessage

    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).where(*criteria).order_by(col(OutboxMessage.id))))
