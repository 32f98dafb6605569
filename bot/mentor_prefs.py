"""A mentor's own settings: which memberships are theirs, their language, pausing and resuming their prompts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.answers import mentor_zone
from bot.cohorts import Invalid, sessions_of
from bot.i18n import LANGUAGES
from bot.planning import PAUSED, replan_member
from bot.programmes import Step, programme_by_id
from storage.models import Cohort, CohortStatus, Delivery, DeliveryStatus, Member, MemberStatus, Role

PAUSE_MAX_DAYS = 365


@dataclass(frozen=True)
class Membership:
    member: Member
    cohort: Cohort


def mentor_memberships(session: Session, *, team_id: str, user_id: str) -> list[Membership]:
    """The user's active mentor memberships in active cohorts, newest first."""
    rows = session.exec(
        select(Member, Cohort)
        .join(Cohort, col(Cohort.id) == col(Member.cohort_id))
        .where(
            Member.team_id == team_id,
            Member.user_id == user_id,
            Member.role == Role.MENTOR,
            Member.status == MemberStatus.ACTIVE,
            Cohort.status == CohortStatus.ACTIVE,
        )
        .order_by(col(Member.joined_at).desc(), col(Member.id).desc())
    ).all()
    return [Membership(member, cohort) for member, cohort in rows]


def own_membership(session: Session, *, team_id: str, user_id: str, member_id: Any = None) -> Membership:
    """The mentor membership a form was opened for (re-checked to be the user's own), else their newest."""
    memberships = mentor_memberships(session, team_id=team_id, user_id=user_id)
    if not memberships:
        raise Invalid("mentor.error.not_mentor")
    if member_id is None:
        return memberships[0]
    for membership in memberships:
        if str(membership.member.id) == str(member_id):
            return membership
    raise Invalid("mentor.error.not_found")


def set_language(session: Session, *, team_id: str, user_id: str, language: str) -> int:
    """Speak `language` to the user in every cohort they are active in; returns how many memberships changed."""
    if language not in LANGUAGES:
        raise Invalid("mentor.error.language", value=language)
    members = session.exec(
        select(Member).where(Member.team_id == team_id, Member.user_id == user_id, Member.status == MemberStatus.ACTIVE)
    ).all()
    if not members:
        raise Invalid("mentor.error.not_mentor")
    for member in members:
        member.language = language
        session.add(member)
    return len(members)


OFFERED = "pause_offered"  # skipped in a pause, then offered to the mentor on their return
OFFERED_KINDS = ("self_efficacy", "assignment")  # what is worth answering late; reflections of the moment are not


@dataclass(frozen=True)
class Missed:
    """A prompt skipped in the mentor's pause: its step, and the delivery to answer it by."""

    delivery_id: int
    step: Step


@dataclass(frozen=True)
class PauseResult:
    until: date | None
    skipped: tuple[Missed, ...] = ()  # pause: the prompts that would have come during the pause and now will not
    offered: tuple[Missed, ...] = ()  # resume: the missed check-ins and assignments still worth answering


def pause(session: Session, *, team_id: str, user_id: str, until: date, now: datetime) -> PauseResult:
    """No prompts until `until` (inclusive) in any of the user's cohorts; those that would arrive meanwhile are
    skipped. Changing a pause first brings back what the earlier one skipped and is not yet due."""
    memberships = mentor_memberships(session, team_id=team_id, user_id=user_id)
    if not memberships:
        raise Invalid("mentor.error.not_mentor")
    first = memberships[0]
    today = now.astimezone(mentor_zone(session, first.cohort, first.member)).date()
    if until < today:
        raise Invalid("mentor.error.pause_past", field="until", value=until, today=today)
    if until > today + timedelta(days=PAUSE_MAX_DAYS):
        raise Invalid("mentor.error.pause_far", field="until", value=until, days=PAUSE_MAX_DAYS)
    skipped: list[Missed] = []
    for membership in memberships:
        member = membership.member
        before = {d.id for d in _skipped_in_pause(session, member)}
        before -= {d.id for d in _bring_back(session, membership, now)}
        member.paused_until = until
        session.add(member)
        session.flush()
        replan_member(session, membership.cohort, member, now)
        session.flush()
        now_skipped = [d for d in _skipped_in_pause(session, member) if d.id not in before]
        skipped += _missed(membership, now_skipped)
    return PauseResult(until, skipped=tuple(skipped))


def resume(session: Session, *, team_id: str, user_id: str, now: datetime) -> PauseResult:
    """Prompts start again from now on: those the pause skipped that are not yet due come as planned; of those
    whose moment passed, the self-efficacy check-ins and assignments of a block still running are offered."""
    memberships = mentor_memberships(session, team_id=team_id, user_id=user_id)
    if not memberships:
        raise Invalid("mentor.error.not_mentor")
    if all(m.member.paused_until is None for m in memberships):
        raise Invalid("mentor.error.not_paused")
    offered: list[Missed] = []
    for membership in memberships:
        membership.member.paused_until = None
        session.add(membership.member)
        session.flush()
        _bring_back(session, membership, now)
        replan_member(session, membership.cohort, membership.member, now)
        offered += _offer(session, membership)
    return PauseResult(None, offered=tuple(offered))


def pauses_ended(session: Session, now: datetime) -> list[tuple[str, str]]:
    """(team id, user id) of mentors whose pause's last day has passed in their own time zone, each once."""
    rows = session.exec(
        select(Member, Cohort)
        .join(Cohort, col(Cohort.id) == col(Member.cohort_id))
        .where(
            col(Member.paused_until).is_not(None),
            col(Member.paused_until) < now.date(),
            Member.role == Role.MENTOR,
            Member.status == MemberStatus.ACTIVE,
            Cohort.status == CohortStatus.ACTIVE,
        )
        .order_by(col(Member.id))
    ).all()
    ended = [(m.team_id, m.user_id) for m, cohort in rows if not _pause_lasts(session, cohort, m, now)]
    return list(dict.fromkeys(ended))


def _pause_lasts(session: Session, cohort: Cohort, member: Member, now: datetime) -> bool:
    today = now.astimezone(mentor_zone(session, cohort, member)).date()
    return member.paused_until is not None and member.paused_until >= today


def _skipped_in_pause(session: Session, member: Member) -> list[Delivery]:
    return list(
        session.exec(
            select(Delivery)
            .where(
                Delivery.member_id == member.id,
                Delivery.status == DeliveryStatus.SKIPPED,
                Delivery.last_error == PAUSED,
            )
            .order_by(col(Delivery.not_before), col(Delivery.id))
        )
    )


def _bring_back(session: Session, membership: Membership, now: datetime) -> list[Delivery]:
    """The prompts the pause skipped whose moment has not passed (within the cohort's grace) wait again."""
    grace = timedelta(hours=membership.cohort.grace_hours)
    back = [d for d in _skipped_in_pause(session, membership.member) if (d.planned_at or d.not_before) >= now - grace]
    for delivery in back:
        delivery.status, delivery.last_error = DeliveryStatus.PLANNED, None
        session.add(delivery)
    session.flush()
    return back


def _offer(session: Session, membership: Membership) -> list[Missed]:
    """The missed check-ins and assignments of blocks still running, marked so that they are offered once."""
    started = [s.number for s in sessions_of(session, membership.cohort) if s.started_at is not None]
    current = max(started, default=0)
    worth = []
    for missed in _missed(membership, _skipped_in_pause(session, membership.member)):
        row = session.get(Delivery, missed.delivery_id)
        if row is None or missed.step.kind not in OFFERED_KINDS or row.block < current:
            continue
        row.last_error = OFFERED
        session.add(row)
        worth.append(missed)
    session.flush()
    return worth


def _missed(membership: Membership, deliveries: list[Delivery]) -> list[Missed]:
    programme = programme_by_id(membership.cohort.programme)
    found = []
    for delivery in deliveries:
        try:
            found.append(Missed(int(delivery.id or 0), programme.step(delivery.step_id)))
        except KeyError:
            continue
    return found


def paused_until(memberships: list[Membership], today: date) -> date | None:
    """The end of the user's pause, if one is still running."""
    ends = [m.member.paused_until for m in memberships if m.member.paused_until and m.member.paused_until >= today]
    return max(ends) if ends else None
