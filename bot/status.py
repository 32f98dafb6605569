"""How a cohort is doing, for its coaches: the outbox counted per session block, who is behind, what goes out next.

Every figure comes from an aggregate query (GROUP BY, EXISTS), never from loading a cohort's deliveries: a cohort
may have thousands of them and the coach's App Home is rebuilt each time it is opened.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from bot.authz import Actor
from bot.programmes import Programme, Step, programme_by_id
from storage.models import (
    Answer,
    Cohort,
    Delivery,
    DeliveryStatus,
    Member,
    MemberStatus,
    ProgrammeSession,
    Role,
)
from storage.models import CohortStatus as CohortState
from storage.types import AwareDateTime

BEHIND_AFTER = timedelta(days=14)
NEXT_STEPS = 3
HOME_MAX_BLOCKS = 90


@dataclass(frozen=True)
class SessionLine:
    number: int
    date: date
    started_at: datetime | None
    started_by: str | None


@dataclass(frozen=True)
class BlockCounts:
    """One session block's deliveries by status; `failures`/`skips` are (reason code, count), most frequent first."""

    block: int
    planned: int = 0
    sending: int = 0
    sent: int = 0
    answered: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0
    kickoffs: int = 0  # kickoff messages sent: never to be answered, so left out of the answer rate
    failures: tuple[tuple[str, int], ...] = ()
    skips: tuple[tuple[str, int], ...] = ()

    @property
    def waiting(self) -> int:
        """Not yet out: planned, or claimed by a sender right now."""
        return self.planned + self.sending

    @property
    def delivered(self) -> int:
        """Every prompt that reached the mentor: an answered one was sent too."""
        return self.sent + self.answered

    @property
    def total(self) -> int:
        return self.waiting + self.delivered + self.failed + self.skipped + self.cancelled

    @property
    def answer_rate(self) -> int | None:
        """Answered as a whole percentage of the questions delivered, None before any question was delivered."""
        asked = self.delivered - self.kickoffs
        return round(100 * self.answered / asked) if asked > 0 else None


@dataclass(frozen=True)
class Behind:
    """An active mentor who got a prompt over two weeks ago and has answered nothing for two weeks."""

    user_id: str
    paused_until: date | None = None


@dataclass(frozen=True)
class NextStep:
    step_id: str
    step: Step | None  # None when the programme no longer has the step
    moment: datetime
    mentors: int


@dataclass(frozen=True)
class CohortStatus:
    """What `/mentori status` and the coach's App Home show for one cohort."""

    cohort_id: int
    name: str
    timezone: str
    archived: bool
    now: datetime
    mentors: int
    sessions: tuple[SessionLine, ...]
    blocks: tuple[BlockCounts, ...]
    behind: tuple[Behind, ...] = ()
    next_steps: tuple[NextStep, ...] = ()
    programme: Programme | None = field(default=None, compare=False)

    def block(self, number: int) -> BlockCounts:
        for counts in self.blocks:
            if counts.block == number:
                return counts
        return BlockCounts(number)

    @property
    def next_to_start(self) -> int | None:
        """The first session not yet started, if any."""
        for line in self.sessions:
            if line.started_at is None:
                return line.number
        return None


def cohort_status(session: Session, cohort: Cohort, now: datetime) -> CohortStatus:
    """The cohort's status as of `now`."""
    cohort_id: int = cohort.id  # type: ignore[assignment]  # a stored row's id is set
    try:
        programme: Programme | None = programme_by_id(cohort.programme)
    except (KeyError, ValueError):
        programme = None
    rows = session.exec(
        select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort_id).order_by(col(ProgrammeSession.number))
    )
    sessions = tuple(SessionLine(row.number, row.date, row.started_at, row.started_by) for row in rows)
    return CohortStatus(
        cohort_id=cohort_id,
        name=cohort.name,
        timezone=cohort.timezone,
        archived=cohort.status == CohortState.ARCHIVED,
        now=now,
        mentors=active_mentor_count(session, cohort_id),
        sessions=sessions,
        blocks=block_counts(session, cohort_id, [line.number for line in sessions], _kickoff_ids(programme)),
        behind=_paused_now(mentors_behind(session, cohort_id, now), now.astimezone(ZoneInfo(cohort.timezone)).date()),
        next_steps=next_steps(session, cohort_id, programme),
        programme=programme,
    )


def active_mentor_count(session: Session, cohort_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Member)
        .where(Member.cohort_id == cohort_id, Member.role == Role.MENTOR, Member.status == MemberStatus.ACTIVE)
    ).one()


def _kickoff_ids(programme: Programme | None) -> list[str]:
    return [step.id for step in programme.steps if step.kind == "kickoff"] if programme is not None else []


def block_counts(
    session: Session, cohort_id: int, numbers: list[int], kickoff_ids: list[str] | None = None
) -> tuple[BlockCounts, ...]:
    """Deliveries per block and status, and the reasons of failed and skipped ones; every session has a block."""
    by_block = _by_status(session, cohort_id, Delivery.block)
    kickoffs = dict(
        session.exec(
            select(Delivery.block, func.count())
            .where(
                Delivery.cohort_id == cohort_id,
                col(Delivery.step_id).in_(kickoff_ids or []),
                col(Delivery.status) == DeliveryStatus.SENT,  # one answered before kickoffs asked nothing counts
            )
            .group_by(col(Delivery.block))
        ).all()
    )
    reasons: dict[tuple[int, str], list[tuple[str, int]]] = defaultdict(list)
    rows = session.exec(
        select(Delivery.block, Delivery.status, Delivery.last_error, func.count())
        .where(
            Delivery.cohort_id == cohort_id,
            col(Delivery.status).in_([DeliveryStatus.FAILED, DeliveryStatus.SKIPPED]),
        )
        .group_by(col(Delivery.block), col(Delivery.status), col(Delivery.last_error))
    )
    for block, status, error, count in rows:
        reasons[(block, status)].append((error or "", count))
    counts = []
    for number in sorted(set(numbers) | set(by_block)):
        statuses = by_block.get(number, {})
        counts.append(
            BlockCounts(
                block=number,
                planned=statuses.get(DeliveryStatus.PLANNED, 0),
                sending=statuses.get(DeliveryStatus.SENDING, 0),
                sent=statuses.get(DeliveryStatus.SENT, 0),
                answered=statuses.get(DeliveryStatus.ANSWERED, 0),
                failed=statuses.get(DeliveryStatus.FAILED, 0),
                skipped=statuses.get(DeliveryStatus.SKIPPED, 0),
                cancelled=statuses.get(DeliveryStatus.CANCELLED, 0),
                kickoffs=kickoffs.get(number, 0),
                failures=_ranked(reasons.get((number, DeliveryStatus.FAILED), [])),
                skips=_ranked(reasons.get((number, DeliveryStatus.SKIPPED), [])),
            )
        )
    return tuple(counts)


@dataclass(frozen=True)
class StepCounts:
    """One programme step's deliveries by status, for the dashboard's per-step figures."""

    step_id: str
    statuses: dict[str, int] = field(default_factory=dict)

    def count(self, status: DeliveryStatus) -> int:
        return self.statuses.get(status, 0)

    @property
    def delivered(self) -> int:
        return self.count(DeliveryStatus.SENT) + self.count(DeliveryStatus.ANSWERED)


def step_counts(session: Session, cohort_id: int) -> dict[str, StepCounts]:
    """Deliveries per step and status, in one aggregate query."""
    counts = _by_status(session, cohort_id, Delivery.step_id)
    return {step_id: StepCounts(step_id, statuses) for step_id, statuses in counts.items()}


def _by_status(session: Session, cohort_id: int, key: Any) -> dict[Any, dict[str, int]]:
    """The cohort's deliveries counted by `key` (a Delivery column) and status, in one aggregate query."""
    counts: dict[Any, dict[str, int]] = defaultdict(dict)
    rows = session.exec(
        select(key, Delivery.status, func.count())
        .where(Delivery.cohort_id == cohort_id)
        .group_by(col(key), col(Delivery.status))
    )
    for value, status, count in rows:
        counts[value][status] = count
    return counts


def _ranked(reasons: list[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(reasons, key=lambda pair: (-pair[1], pair[0])))


def mentors_behind(session: Session, cohort_id: int, now: datetime) -> tuple[Behind, ...]:
    """Active mentors sent a prompt at least two weeks ago who have answered nothing in the last two weeks."""
    cutoff = now - BEHIND_AFTER
    prompted_long_ago = exists().where(
        col(Delivery.member_id) == col(Member.id),
        col(Delivery.sent_at).is_not(None),
        col(Delivery.sent_at) <= cutoff,
    )
    answered_lately = exists().where(col(Answer.member_id) == col(Member.id), col(Answer.created_at) >= cutoff)
    rows = session.exec(
        select(col(Member.user_id), col(Member.paused_until))
        .where(
            Member.cohort_id == cohort_id,
            Member.role == Role.MENTOR,
            Member.status == MemberStatus.ACTIVE,
            prompted_long_ago,
            ~answered_lately,
        )
        .order_by(col(Member.user_id))
    )
    return tuple(Behind(user_id, paused_until) for user_id, paused_until in rows)


def _paused_now(behind: tuple[Behind, ...], today: date) -> tuple[Behind, ...]:
    """ "Paused" only while the pause lasts: a pause that ended is no reason to be behind."""
    return tuple(
        replace(b, paused_until=None) if b.paused_until is not None and b.paused_until < today else b for b in behind
    )


def next_steps(
    session: Session, cohort_id: int, programme: Programme | None, limit: int = NEXT_STEPS
) -> tuple[NextStep, ...]:
    """The next `limit` distinct steps still waiting to go out, by the earliest moment any mentor may get them."""
    earliest = func.min(Delivery.not_before, type_=AwareDateTime)
    rows = session.exec(
        select(Delivery.step_id, earliest, func.count())
        .where(Delivery.cohort_id == cohort_id, Delivery.status == DeliveryStatus.PLANNED)
        .group_by(col(Delivery.step_id))
        .order_by(earliest, col(Delivery.step_id))
        .limit(limit)
    )
    return tuple(NextStep(step_id, _step(programme, step_id), moment, count) for step_id, moment, count in rows)


def _step(programme: Programme | None, step_id: str) -> Step | None:
    if programme is None:
        return None
    try:
        return programme.step(step_id)
    except KeyError:
        return None


def managed_cohorts(session: Session, actor: Actor, *, active_only: bool = True) -> list[Cohort]:
    """The cohorts the actor manages (admins: every one of their workspace), oldest first."""
    query = select(Cohort).where(Cohort.team_id == actor.team_id)
    if active_only:
        query = query.where(Cohort.status == CohortState.ACTIVE)
    if not actor.is_admin:
        coached = [cohort_id for cohort_id in actor.roles if actor.holds(cohort_id, Role.COACH)]
        query = query.where(col(Cohort.id).in_(coached))
    return list(session.exec(query.order_by(col(Cohort.created_at), col(Cohort.id))))
