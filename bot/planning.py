"""Turning a session's block of programme steps into outbox rows, one per step and mentor."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.cohort_calendar import QUIET, CohortCalendar, calendar_of, keep_moved
from bot.programmes import Programme, Step, programme_by_id
from bot.work_calendar import WorkPolicy, next_slot, nominal_moment
from storage.models import (
    Cohort,
    Delivery,
    DeliveryStatus,
    Member,
    MemberStatus,
    Organisation,
    ProgrammeSession,
    Role,
    SlackUser,
)
from storage.types import AwareDateTime

PAUSED = "paused"  # the skip reason of a prompt that would have reached the mentor during their pause
MAX_PROMPTS_A_WEEK = 2  # DOMAIN.md: one prompt a week by default, never more than two, kickoff weeks included
AFTER_KICKOFF = timedelta(minutes=2)  # a step placed on its session's day follows the kickoff DM by this much
# What a mentor has had or will have in a week: deliveries cancelled, skipped or failed never reached them.
COUNTED_STATUSES = (DeliveryStatus.PLANNED, DeliveryStatus.SENDING, DeliveryStatus.SENT, DeliveryStatus.ANSWERED)


@dataclass(frozen=True)
class PlanResult:
    mentors: int
    planned: int  # rows written now (0 when the block was planned before)
    next_step: Step | None
    next_moment: datetime | None


def session_dates(session: Session, cohort_id: int) -> dict[int, date]:
    rows = session.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort_id))
    return {row.number: row.date for row in rows}


def work_policy(
    cohort: Cohort,
    member: Member,
    user: SlackUser | None,
    organisation: Organisation | None,
    calendar: CohortCalendar | None = None,
) -> WorkPolicy:
    """When this mentor may be sent something: their time zone, the cohort's hours and calendar, their country's
    holidays."""
    calendar = calendar or CohortCalendar()
    return WorkPolicy(
        tz=(user.tz if user and user.tz and _known_zone(user.tz) else cohort.timezone),
        start=_clock(cohort.work_start),
        end=_clock(cohort.work_end),
        workdays=calendar.workdays,
        country=(organisation.country if organisation else cohort.country),
        paused_until=member.paused_until,
        quiet_periods=calendar.quiet,
    )


def _known_zone(tz: str) -> bool:
    """Whether this machine knows the time zone Slack reported (else the cohort's is used, not an error)."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def active_mentors(session: Session, cohort_id: int) -> list[Member]:
    return list(
        session.exec(
            select(Member)
            .where(Member.cohort_id == cohort_id, Member.role == Role.MENTOR, Member.status == MemberStatus.ACTIVE)
            .order_by(col(Member.id))
        )
    )


def mentor_context(session: Session, cohort: Cohort, mentors: Iterable[Member]) -> dict[int, WorkPolicy]:
    """Each mentor's work policy, loading their Slack record and organisation in two queries."""
    mentors = list(mentors)
    users = {
        user.user_id: user
        for user in session.exec(
            select(SlackUser).where(
                SlackUser.team_id == cohort.team_id, col(SlackUser.user_id).in_([m.user_id for m in mentors])
            )
        )
    }
    organisations = {o.id: o for o in session.exec(select(Organisation).where(Organisation.cohort_id == cohort.id))}
    calendar = calendar_of(session, cohort)
    return {
        member.id: work_policy(
            cohort,
            member,
            users.get(member.user_id),
            organisations.get(member.organisation_id),
            calendar,
        )
        for member in mentors
        if member.id is not None
    }


def step_schedule(step: Step, dates: dict[int, date], policy: WorkPolicy, now: datetime) -> tuple[datetime, datetime]:
    """(due_at, not_before) for one step and mentor: kickoffs go at once and a step on the session's day right
    after its kickoff; the rest at their nominal moment, moved into the mentor's working hours."""
    if step.kind == "kickoff":
        return now, now
    if step.follows_kickoff:
        return now + AFTER_KICKOFF, now + AFTER_KICKOFF
    due = nominal_moment(dates[step.session] + timedelta(days=step.days), step.at, policy.tz)
    return due, next_slot(due, policy)


def quiet_skip(step: Step, due: datetime, slot: datetime, dates: dict[int, date], policy: WorkPolicy) -> bool:
    """Whether a step due on a quiet day or day off of the cohort, moved to `slot`, is too late to be of use.

    Kickoffs and what follows them go when the coach runs the kickoff, so they are never skipped here.
    """
    if step.kind == "kickoff" or step.follows_kickoff:
        return False
    calendar = CohortCalendar(policy.workdays, policy.quiet_periods)
    local_due = due.astimezone(ZoneInfo(policy.tz)).date()
    return not keep_moved(due, slot, local_due, calendar, dates.get(step.block + 1), policy.tz)


def schedule_block(
    steps: Sequence[Step],
    dates: dict[int, date],
    policy: WorkPolicy,
    now: datetime,
    busy: Counter[tuple[int, int]],
    reserved: Counter[tuple[int, int]] | None = None,
) -> list[tuple[Step, datetime, datetime]]:
    """(step, due_at, not_before) for a block's steps and one mentor, kicked off at `now`: each at its moment,
    but never a third prompt in a week. `busy` counts the mentor's prompts already in each week (and is updated);
    `reserved` holds the weeks of later sessions' kickoffs, which these steps must leave room for."""
    schedules = [step_schedule(step, dates, policy, now) for step in steps]
    wanted = [(step, not_before) for step, (_, not_before) in zip(steps, schedules, strict=True)]
    slots = cap_weeks(wanted, busy, policy, reserved or Counter())
    return [(step, due, slot) for step, (due, _), slot in zip(steps, schedules, slots, strict=True)]


def later_kickoffs(programme: Programme, block: int, dates: dict[int, date], tz: str) -> Counter[tuple[int, int]]:
    """The weeks of the sessions after `block`, each with its kickoff and the prompts that follow it at once."""
    reserved: Counter[tuple[int, int]] = Counter()
    for number, day in dates.items():
        if number > block and day is not None:
            at_kickoff = [s for s in programme.steps_in_block(number) if s.kind == "kickoff" or s.follows_kickoff]
            reserved[week_of(nominal_moment(day, time(12), tz), tz)] += len(at_kickoff)
    return reserved


def week_of(moment: datetime, tz: str) -> tuple[int, int]:
    """The ISO (year, week) of `moment` in the mentor's own time zone."""
    year, week, _ = moment.astimezone(ZoneInfo(tz)).isocalendar()
    return year, week


def cap_weeks(
    wanted: Sequence[tuple[Step, datetime]],
    busy: Counter[tuple[int, int]],
    policy: WorkPolicy,
    reserved: Counter[tuple[int, int]] | None = None,
) -> list[datetime]:
    """Each wanted moment, or — where its week already holds MAX_PROMPTS_A_WEEK prompts (`busy` counts the
    mentor's other prompts by week, `reserved` the kickoffs still to come) — the step's time on the first working
    day of the next week with room.

    Shifts past weekends, holidays and pauses can otherwise pile three prompts into one week. Kickoffs stay
    where they are and count first; the rest are taken in time order. `busy` is updated with each one placed.
    """
    reserved = reserved or Counter()
    placed: dict[int, datetime] = {}
    for index, (step, moment) in enumerate(wanted):
        if step.kind == "kickoff":  # the coach's kickoff goes when it is run; the other prompts make room for it
            busy[week_of(moment, policy.tz)] += 1
            placed[index] = moment
    for index, (step, moment) in sorted(enumerate(wanted), key=lambda pair: (pair[1][1], pair[0])):
        if index in placed:
            continue
        while busy[week_of(moment, policy.tz)] + reserved[week_of(moment, policy.tz)] >= MAX_PROMPTS_A_WEEK:
            local = moment.astimezone(ZoneInfo(policy.tz)).date()
            monday = local + timedelta(days=7 - local.weekday())
            moment = next_slot(nominal_moment(monday, step.at, policy.tz), policy)
        busy[week_of(moment, policy.tz)] += 1
        placed[index] = moment
    return [placed[index] for index in range(len(wanted))]


def _busy_weeks(session: Session, member_id: int, tz: str, leave_out: Iterable[int] = ()) -> Counter[tuple[int, int]]:
    """How many prompts the mentor has (had) in each week, leaving out the deliveries being placed now."""
    skipped = set(leave_out)
    rows = session.exec(
        select(Delivery.id, Delivery.not_before, Delivery.sent_at).where(
            Delivery.member_id == member_id, col(Delivery.status).in_(COUNTED_STATUSES)
        )
    )
    return Counter(week_of(sent_at or not_before, tz) for id_, not_before, sent_at in rows if id_ not in skipped)


def plan_block(session: Session, cohort: Cohort, block: int, now: datetime) -> PlanResult:
    """Write a delivery for every prompt step of `block` and every active mentor; already planned ones stay."""
    programme = programme_by_id(cohort.programme)
    dates = session_dates(session, cohort.id)  # type: ignore[arg-type]  # a stored row's id is set
    mentors = active_mentors(session, cohort.id)  # type: ignore[arg-type]  # a stored row's id is set
    policies = mentor_context(session, cohort, mentors)
    steps = [step for step in programme.steps_in_block(block) if step.is_prompt]
    existing = _existing_keys(session, cohort.id, [step.id for step in steps])  # type: ignore[arg-type]  # a stored row's id is set
    planned = 0
    for mentor in mentors:
        policy = policies[mentor.id]  # type: ignore[index]  # a stored row's id is set
        todo = [step for step in steps if (step.id, mentor.id) not in existing]
        if not todo:
            continue
        busy = _busy_weeks(session, mentor.id, policy.tz)  # type: ignore[arg-type]  # a stored row's id is set
        reserved = later_kickoffs(programme, block, dates, policy.tz)
        lost = [step for step in todo if quiet_skip(step, *step_schedule(step, dates, policy, now), dates, policy)]
        kept = [step for step in todo if step not in lost]  # what cannot go out takes no room in a week
        scheduled = [(step, *step_schedule(step, dates, policy, now)) for step in lost]
        for step, due, not_before in scheduled + schedule_block(kept, dates, policy, now, busy, reserved):
            quiet = quiet_skip(step, due, not_before, dates, policy)
            session.add(
                Delivery(
                    team_id=cohort.team_id,
                    cohort_id=cohort.id,  # type: ignore[arg-type]  # a stored row's id is set
                    member_id=mentor.id,  # type: ignore[arg-type]  # a stored row's id is set
                    step_id=step.id,
                    block=block,
                    due_at=due,
                    not_before=not_before,
                    planned_at=not_before,
                    status=DeliveryStatus.SKIPPED if quiet else DeliveryStatus.PLANNED,
                    last_error=QUIET if quiet else None,
                )
            )
            planned += 0 if quiet else 1
    session.flush()
    next_step, next_moment = upcoming(session, cohort, programme, now)
    return PlanResult(mentors=len(mentors), planned=planned, next_step=next_step, next_moment=next_moment)


def _existing_keys(session: Session, cohort_id: int, step_ids: list[str]) -> set[tuple[str, int]]:
    rows = session.exec(
        select(Delivery.step_id, Delivery.member_id).where(
            Delivery.cohort_id == cohort_id, col(Delivery.step_id).in_(step_ids)
        )
    )
    return {(step_id, member_id) for step_id, member_id in rows}


def upcoming(
    session: Session, cohort: Cohort, programme: Programme, now: datetime
) -> tuple[Step | None, datetime | None]:
    """The next step still waiting to go out to someone in the cohort, and its earliest moment."""
    earliest = func.min(Delivery.not_before, type_=AwareDateTime)
    row = session.exec(
        select(Delivery.step_id, earliest)
        .where(Delivery.cohort_id == cohort.id, Delivery.status == DeliveryStatus.PLANNED)
        .group_by(Delivery.step_id)
        .order_by(earliest)
    ).first()
    if row is None:
        return None, None
    return programme.step(row[0]), row[1]


def replan_cohort(session: Session, cohort: Cohort, now: datetime) -> int:
    """After session dates or hours change: move every delivery not yet sent to its new moment."""
    programme = programme_by_id(cohort.programme)
    dates = session_dates(session, cohort.id)  # type: ignore[arg-type]  # a stored row's id is set
    mentors = {m.id: m for m in active_mentors(session, cohort.id)}  # type: ignore[arg-type]  # a stored row's id is set
    policies = mentor_context(session, cohort, mentors.values())
    by_member: dict[int, list[Delivery]] = {}
    for delivery in _open_deliveries(session, Delivery.cohort_id == cohort.id):
        by_member.setdefault(delivery.member_id, []).append(delivery)
    return sum(
        _reschedule(session, deliveries, programme, dates, policies[member_id], now)
        for member_id, deliveries in by_member.items()
        if member_id in policies
    )


def replan_member(session: Session, cohort: Cohort, member: Member, now: datetime) -> int:
    """After a pause or resume: prompts due during the pause are skipped, later ones wait for the mentor's return."""
    programme = programme_by_id(cohort.programme)
    dates = session_dates(session, cohort.id)  # type: ignore[arg-type]  # a stored row's id is set
    policy = mentor_context(session, cohort, [member])[member.id]  # type: ignore[index]  # a stored row's id is set
    deliveries = _open_deliveries(session, Delivery.member_id == member.id)
    return _reschedule(session, deliveries, programme, dates, policy, now)


def _reschedule(
    session: Session,
    deliveries: list[Delivery],
    programme: Programme,
    dates: dict[int, date],
    policy: WorkPolicy,
    now: datetime,
) -> int:
    """Move one mentor's open deliveries to their moments now, skipping those due in a pause; count the changes."""
    known = {step.id: step for step in programme.steps}
    free = replace(policy, paused_until=None)  # where each prompt would arrive were the mentor not paused
    changed = 0
    kept: list[tuple[Delivery, Step, datetime, datetime]] = []
    for delivery in deliveries:
        step = known.get(delivery.step_id)
        if step is None:
            continue
        if step.kind == "kickoff" or step.follows_kickoff:
            due, not_before = delivery.due_at, next_slot(max(delivery.due_at, now), free)
        else:
            due, not_before = step_schedule(step, dates, free, now)
        if in_pause(policy, max(not_before, delivery.not_before)):
            changed += update_open(session, delivery, status=DeliveryStatus.SKIPPED, last_error=PAUSED)
        elif quiet_skip(step, due, not_before, dates, policy):
            changed += update_open(session, delivery, status=DeliveryStatus.SKIPPED, last_error=QUIET)
        else:
            kept.append((delivery, step, due, next_slot(not_before, policy)))
    if not kept:
        return changed
    member_id = kept[0][0].member_id
    busy = _busy_weeks(session, member_id, policy.tz, leave_out=(delivery.id for delivery, *_ in kept))  # type: ignore[misc]  # a stored row's id is set
    reserved = later_kickoffs(programme, max(delivery.block for delivery, *_ in kept), dates, policy.tz)
    slots = cap_weeks([(step, not_before) for _, step, _, not_before in kept], busy, policy, reserved)
    for (delivery, step, due, _), not_before in zip(kept, slots, strict=True):
        if quiet_skip(step, due, not_before, dates, policy):
            changed += update_open(session, delivery, status=DeliveryStatus.SKIPPED, last_error=QUIET)
        elif (due, not_before) != (delivery.due_at, delivery.not_before):
            changed += update_open(session, delivery, due_at=due, not_before=not_before, planned_at=not_before)
    return changed


def in_pause(policy: WorkPolicy, moment: datetime) -> bool:
    """Whether a prompt that would reach the mentor at `moment` falls in their pause (its last day included)."""
    return policy.paused_until is not None and moment.astimezone(ZoneInfo(policy.tz)).date() <= policy.paused_until


def update_open(session: Session, delivery: Delivery, **values: Any) -> int:
    """Change a delivery only while it is still planned: a sender that claimed it meanwhile wins (1 if changed)."""
    result = session.exec(
        update(Delivery)
        .where(col(Delivery.id) == delivery.id, col(Delivery.status) == DeliveryStatus.PLANNED)
        .values(**values)
    )
    return int(result.rowcount or 0)


def cancel_open(session: Session, *criteria: Any) -> int:
    """Cancel every delivery not yet sent that matches `criteria` (a mentor removed, a cohort archived)."""
    return sum(
        update_open(session, delivery, status=DeliveryStatus.CANCELLED)
        for delivery in _open_deliveries(session, *criteria)
    )


def _open_deliveries(session: Session, *criteria: Any) -> list[Delivery]:
    return list(session.exec(select(Delivery).where(Delivery.status == DeliveryStatus.PLANNED, *criteria)))
