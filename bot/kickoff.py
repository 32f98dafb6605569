"""Kicking off a coaching session: mark it started and plan its block of prompts, once, whoever asks twice."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.authz import Actor, require_manager
from bot.cohorts import Invalid
from bot.numbers import whole_number
from bot.peers import Formed, PeerMessages, after_kickoff
from bot.planning import PlanResult, active_mentors, mentor_context, plan_block
from bot.programmes import Programme, programme_by_id
from bot.programmes.render import StepContext
from bot.status import NextStep, next_steps
from storage.models import (
    Cohort,
    CohortStatus,
    Delivery,
    DeliveryStatus,
    Goal,
    Member,
    ProgrammeSession,
)

SESSIONS = (1, 2, 3)
DAYS_AHEAD_WITHOUT_ASKING = 1  # a session dated further ahead than this is probably a typo: ask first


class Outcome(StrEnum):
    STARTED = "started"
    ALREADY_STARTED = "already_started"  # nothing was done
    NEEDS_CONFIRMATION = "needs_confirmation"  # out of order or too early; nothing was done


@dataclass(frozen=True)
class KickoffResult:
    outcome: Outcome
    cohort_id: int
    cohort: str
    timezone: str
    number: int
    date: date
    started_at: datetime | None = None
    started_by: str | None = None
    not_started: tuple[int, ...] = ()  # earlier sessions still waiting, when confirmation is needed
    days_ahead: int = 0  # how many days away the session's date is, when that is why confirmation is needed
    mentors: int = 0  # active mentors who would get the kickoff, when confirmation is needed
    programme: str = "feeniks"
    plan: PlanResult | None = None
    upcoming: tuple[NextStep, ...] = ()  # what goes out next, after a start
    peer_groups: Formed | None = None  # the block's peer groups, when they were formed with the start


def parse_number(text: str, *, field: str | None = None) -> int:
    """A session number 1–3 as typed; Invalid says what the numbers are otherwise."""
    value = text.strip()
    number = whole_number(value, maximum=max(SESSIONS))
    if number is not None and number in SESSIONS:
        return number
    raise Invalid("kickoff.error.number", field=field, value=value[:40])


@dataclass(frozen=True)
class Safety:
    """Why a kickoff must be confirmed before anything is sent (both empty: it may go at once)."""

    not_started: tuple[int, ...] = ()
    days_ahead: int = 0

    @property
    def ask(self) -> bool:
        return bool(self.not_started) or self.days_ahead > DAYS_AHEAD_WITHOUT_ASKING


def safety(number: int, session_date: date, today: date, started: dict[int, bool]) -> Safety:
    """Whether starting session `number` now needs a question: earlier sessions not started, or a date > a day away.

    `today` is the date in the cohort's time zone; `started` says, per session number, whether it has started.
    """
    earlier = tuple(n for n in SESSIONS if n < number and not started.get(n, False))
    ahead = (session_date - today).days
    return Safety(earlier, ahead if ahead > DAYS_AHEAD_WITHOUT_ASKING else 0)


def kickoff(
    session: Session,
    *,
    actor: Actor,
    cohort: Cohort,
    number: int,
    now: datetime,
    confirmed: bool = False,
    peer_messages: PeerMessages | None = None,
) -> KickoffResult:
    """Start session `number` of `cohort` and plan its block, in the caller's transaction.

    Marking the session started is a conditional UPDATE (`started_at IS NULL`), so of two kickoffs racing each other
    exactly one plans the block; the other sees who won and reports it, as a repeated kickoff does. With
    `peer_messages`, the block's cross-organisation peer groups are formed too (when the cohort has them on).
    """
    require_manager(actor, cohort)
    if cohort.status != CohortStatus.ACTIVE:
        raise Invalid("kickoff.error.archived", cohort=cohort.name)
    if number not in SESSIONS:
        raise Invalid("kickoff.error.number", field="session", value=str(number))
    rows = {
        row.number: row for row in session.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort.id))
    }
    target = rows.get(number)
    if target is None or target.date is None:
        raise Invalid("kickoff.error.no_session", field="session", cohort=cohort.name, n=number)
    base = KickoffResult(
        Outcome.ALREADY_STARTED,
        cohort.id,  # type: ignore[arg-type]  # a stored row's id is set
        cohort.name,
        cohort.timezone,
        number,
        target.date,
        programme=cohort.programme,
    )
    if target.started_at is not None:
        return replace(base, started_at=target.started_at, started_by=target.started_by)
    today = now.astimezone(ZoneInfo(cohort.timezone)).date()
    asked = safety(number, target.date, today, {n: row.started_at is not None for n, row in rows.items()})
    if asked.ask and not confirmed:
        return replace(
            base,
            outcome=Outcome.NEEDS_CONFIRMATION,
            not_started=asked.not_started,
            days_ahead=asked.days_ahead,
            mentors=len(active_mentors(session, cohort.id)),  # type: ignore[arg-type]  # a stored row's id is set
        )
    marked = session.exec(
        update(ProgrammeSession)
        .where(col(ProgrammeSession.id) == target.id, col(ProgrammeSession.started_at).is_(None))
        .values(started_at=now, started_by=actor.user_id)
    )
    session.refresh(target)  # the winner's values, if another kickoff got there first
    if marked.rowcount != 1:
        return replace(base, started_at=target.started_at, started_by=target.started_by)
    plan = plan_block(session, cohort, number, now)
    peer_groups = after_kickoff(session, cohort, number, now, peer_messages) if peer_messages else None
    upcoming = next_steps(session, cohort.id, programme_by_id(cohort.programme))  # type: ignore[arg-type]  # a stored row's id is set
    return replace(
        base,
        outcome=Outcome.STARTED,
        started_at=now,
        started_by=actor.user_id,
        plan=plan,
        upcoming=upcoming,
        peer_groups=peer_groups,
    )


# -- the kickoff DM's context, for the outbox sender --------------------------------------------------------------


@dataclass(frozen=True)
class KickoffContext(StepContext):
    """A step's placeholders plus what the kickoff DM says comes next: the mentor's next prompt and session."""

    tz: str = "Europe/Helsinki"  # the mentor's time zone, for `next_moment`
    next_label: str | None = None  # the next prompt's label, in the mentor's language
    next_moment: datetime | None = None
    next_session: int | None = None
    next_session_date: date | None = None


def kickoff_context(session: Session, delivery: Delivery, programme: Programme, language: str) -> KickoffContext:
    """What the kickoff DM of `delivery` needs: the mentor's goal, their next prompt and the next session."""
    cohort = session.get(Cohort, delivery.cohort_id)
    member = session.get(Member, delivery.member_id)
    if cohort is None or member is None:
        return KickoffContext()
    tz = mentor_context(session, cohort, [member])[member.id].tz  # type: ignore[index]  # a stored row's id is set
    goal = None
    if member.organisation_id is not None:
        goal = session.exec(
            select(Goal.text).where(Goal.organisation_id == member.organisation_id).order_by(col(Goal.position))
        ).first()
    # The kickoff text itself announces what follows it at once (T0), so "next" is the first prompt after that.
    kickoff_ids = [step.id for step in programme.steps if step.kind == "kickoff" or step.follows_kickoff]
    following = session.exec(
        select(Delivery.step_id, Delivery.not_before)
        .where(
            Delivery.member_id == member.id,
            Delivery.status == DeliveryStatus.PLANNED,
            col(Delivery.step_id).not_in(kickoff_ids),
        )
        .order_by(col(Delivery.not_before))
    ).first()
    next_label = next_moment = None
    steps = {step.id: step for step in programme.steps}
    if following is not None and following[0] in steps:
        next_label, next_moment = steps[following[0]].label.get(language), following[1]
    step_session = steps[delivery.step_id].session if delivery.step_id in steps else delivery.block
    later = session.exec(
        select(col(ProgrammeSession.number), col(ProgrammeSession.date))
        .where(col(ProgrammeSession.cohort_id) == cohort.id, col(ProgrammeSession.number) > step_session)
        .order_by(col(ProgrammeSession.number))
    ).first()
    return KickoffContext(
        goal=goal,
        tz=tz,
        next_label=next_label,
        next_moment=next_moment,
        next_session=later[0] if later else None,
        next_session_date=later[1] if later else None,
    )
