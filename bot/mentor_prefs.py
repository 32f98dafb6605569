"""A mentor's own settings: which memberships are theirs, their language, pausing and resuming their prompts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.answers import mentor_zone
from bot.cohorts import Invalid
from bot.i18n import LANGUAGES
from bot.planning import replan_member
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


@dataclass(frozen=True)
class PauseResult:
    until: date | None
    skipped: int  # prompts that would have come during the pause and now will not


def pause(session: Session, *, team_id: str, user_id: str, until: date, now: datetime) -> PauseResult:
    """No prompts until `until` (inclusive) in any of the user's cohorts; those due meanwhile are skipped."""
    memberships = mentor_memberships(session, team_id=team_id, user_id=user_id)
    if not memberships:
        raise Invalid("mentor.error.not_mentor")
    first = memberships[0]
    today = now.astimezone(mentor_zone(session, first.cohort, first.member)).date()
    if until < today:
        raise Invalid("mentor.error.pause_past", field="until", value=until, today=today)
    if until > today + timedelta(days=PAUSE_MAX_DAYS):
        raise Invalid("mentor.error.pause_far", field="until", value=until, days=PAUSE_MAX_DAYS)
    skipped = 0
    for membership in memberships:
        membership.member.paused_until = until
        session.add(membership.member)
        session.flush()
        before = _skipped(session, membership.member)
        replan_member(session, membership.cohort, membership.member, now)
        session.flush()
        skipped += _skipped(session, membership.member) - before
    return PauseResult(until, skipped)


def resume(session: Session, *, team_id: str, user_id: str, now: datetime) -> PauseResult:
    """Prompts start again from now on; those skipped during the pause stay skipped."""
    memberships = mentor_memberships(session, team_id=team_id, user_id=user_id)
    if not memberships:
        raise Invalid("mentor.error.not_mentor")
    if all(m.member.paused_until is None for m in memberships):
        raise Invalid("mentor.error.not_paused")
    for membership in memberships:
        membership.member.paused_until = None
        session.add(membership.member)
        session.flush()
        replan_member(session, membership.cohort, membership.member, now)
    return PauseResult(None, 0)


def paused_until(memberships: list[Membership], today: date) -> date | None:
    """The end of the user's pause, if one is still running."""
    ends = [m.member.paused_until for m in memberships if m.member.paused_until and m.member.paused_until >= today]
    return max(ends) if ends else None


def _skipped(session: Session, member: Member) -> int:
    return len(
        session.exec(
            select(Delivery.id).where(Delivery.member_id == member.id, Delivery.status == DeliveryStatus.SKIPPED)
        ).all()
    )
