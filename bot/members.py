"""Members of a cohort: mentors, HR contacts and coaches; adding, removing, and the welcome DM."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.cohorts import Invalid, require_active, sessions_of
from bot.directory import SlackDirectory, UnknownUser
from bot.i18n import LANGUAGES
from bot.organisations import goals_of
from bot.outbox import SendNow, not_sent, send_and_read, told
from bot.people import chosen_language
from bot.planning import cancel_open, plan_block, replan_member
from storage.models import (
    Cohort,
    Delivery,
    DeliveryStatus,
    Member,
    MemberStatus,
    MessageKind,
    Organisation,
    Role,
    SlackUser,
)
from storage.outbox_messages import Envelope, enqueue, post

log = logging.getLogger(__name__)
MEMBER_ROLES = (Role.MENTOR, Role.HR)  # what `member add` names; coaches are named by admins


class Outcome(StrEnum):
    ADDED = "added"
    REACTIVATED = "reactivated"  # removed before, back now
    MOVED = "moved"  # already there, now with another organisation
    ALREADY = "already"  # nothing changed


@dataclass(frozen=True)
class Joined:
    member: Member
    outcome: Outcome

    @property
    def is_new(self) -> bool:
        return self.outcome in (Outcome.ADDED, Outcome.REACTIVATED)


def check_person(user: SlackUser | None, user_id: str) -> None:
    """Refuse someone who cannot take part: not in the workspace, an app, or a deactivated account."""
    if user is None:
        raise Invalid("members.error.user_unknown", user=user_id)
    if user.is_bot:
        raise Invalid("members.error.user_bot", user=user_id)
    if user.deleted:
        raise Invalid("members.error.user_deleted", user=user_id)


def look_up_people(
    directory: SlackDirectory, team_id: str, user_ids: Iterable[str], *, field: str | None = None
) -> None:
    """Check every user with users.info (cached a day); Invalid for the first who cannot take part."""
    for user_id in dict.fromkeys(user_ids):
        try:
            user: SlackUser | None = directory.user(team_id, user_id)
        except UnknownUser:
            user = None
        try:
            check_person(user, user_id)
        except Invalid as error:
            error.field = field
            raise


def parse_role(word: str, *, allowed: Sequence[Role] = MEMBER_ROLES) -> Role:
    value = word.strip().lower()
    for role in allowed:
        if value == role.value:
            return role
    raise Invalid("members.error.role", value=word)


def add_member(
    session: Session,
    cohort: Cohort,
    *,
    user_id: str,
    role: Role,
    organisation: Organisation | None,
    now: datetime,
    language: str | None = None,
) -> Joined:
    """Add a person to the cohort in a role; re-adding a removed person brings them back.

    Mentors and HR contacts need an organisation of the cohort; coaches need none. The person must have been
    checked with check_person (that needs Slack, this does not).
    """
    require_active(cohort)
    if role != Role.COACH and organisation is None:
        raise Invalid("members.error.organisation_needed", field="organisation")
    if organisation is not None and organisation.cohort_id != cohort.id:
        raise Invalid("organisations.error.gone", field="organisation")
    if language is not None and language not in LANGUAGES:
        raise Invalid("cohorts.error.language", value=language)
    organisation_id = organisation.id if organisation is not None and role != Role.COACH else None
    own = language or chosen_language(session, cohort.team_id, user_id)  # a person's language follows them
    member = session.exec(
        select(Member).where(Member.cohort_id == cohort.id, Member.user_id == user_id, Member.role == role)
    ).first()
    if member is None:
        member = Member(
            team_id=cohort.team_id, cohort_id=cohort.id, user_id=user_id, role=role,  # type: ignore[arg-type]  # a stored row's id is set
            organisation_id=organisation_id, language=own, joined_at=now,
        )  # fmt: skip
        outcome = Outcome.ADDED
    elif member.status != MemberStatus.ACTIVE:
        member.status, member.removed_at, member.joined_at = MemberStatus.ACTIVE, None, now
        member.organisation_id = organisation_id
        member.language = own or member.language
        outcome = Outcome.REACTIVATED
    elif member.organisation_id != organisation_id:
        member.organisation_id = organisation_id
        outcome = Outcome.MOVED
    else:
        outcome = Outcome.ALREADY
    if language is not None and outcome in (Outcome.MOVED, Outcome.ALREADY) and member.language != language:
        member.language = language
    session.add(member)
    session.flush()
    return Joined(member, outcome)


def remove_member(
    session: Session, cohort: Cohort, *, user_id: str, roles: Sequence[Role], now: datetime
) -> list[Member]:
    """Remove the person's active roles among `roles`; a mentor's prompts not yet sent are cancelled."""
    require_active(cohort)
    members = list(
        session.exec(
            select(Member).where(
                Member.cohort_id == cohort.id,
                Member.user_id == user_id,
                Member.status == MemberStatus.ACTIVE,
                col(Member.role).in_([role.value for role in roles]),
            )
        )
    )
    if not members:
        key = "members.error.not_coach" if list(roles) == [Role.COACH] else "members.error.not_member"
        raise Invalid(key, user=user_id, cohort=cohort.name)
    for member in members:
        member.status, member.removed_at = MemberStatus.REMOVED, now
        session.add(member)
        if member.role == Role.MENTOR:
            cancel_open(session, Delivery.member_id == member.id)
    session.flush()
    return members


def started_block(session: Session, cohort: Cohort) -> int | None:
    """The newest session that has been kicked off: its block is the one running now."""
    started = [row.number for row in sessions_of(session, cohort) if row.started_at is not None]
    return max(started) if started else None


def plan_for_joiners(session: Session, cohort: Cohort, joined: Sequence[Joined], *, now: datetime) -> int:
    """Mentors who join a running block get its prompts too; a returning mentor's cancelled ones reopen."""
    mentors = [j.member for j in joined if j.is_new and j.member.role == Role.MENTOR]
    block = started_block(session, cohort)
    if not mentors or block is None:
        return 0
    reopened = 0
    for member in mentors:
        cancelled = list(
            session.exec(
                select(Delivery).where(
                    Delivery.member_id == member.id,
                    Delivery.status == DeliveryStatus.CANCELLED,
                    col(Delivery.last_error).is_(None),
                    Delivery.block == block,
                )
            )
        )
        for delivery in cancelled:
            delivery.status = DeliveryStatus.PLANNED
            session.add(delivery)
        if cancelled:
            session.flush()
            replan_member(session, cohort, member, now)
            reopened += len(cancelled)
    return reopened + plan_block(session, cohort, block, now).planned


WELCOME_FOR = timedelta(days=7)  # a welcome that could not go out within a week is no longer a welcome


@dataclass(frozen=True)
class Welcome:
    """What a new mentor's welcome DM tells them."""

    language: str
    cohort: str
    organisation: str | None
    dates: list[date]
    coaches: list[str]
    goals: list[str]
    returning: bool = False  # removed before and added again: a short welcome back


RenderWelcome = Callable[[Welcome], dict[str, Any]]  # the chat.postMessage arguments (bot.blocks.welcome)


def plan_welcomes(
    session: Session, cohort: Cohort, joined: Sequence[Joined], *, render: RenderWelcome, now: datetime
) -> list[int]:
    """Put a welcome DM in the outbox for each mentor who is new in the cohort (a short welcome back for one who was
    removed before), in their language, in the transaction that adds them; returns the outbox ids."""
    mentors = [j for j in joined if j.is_new and j.member.role == Role.MENTOR]
    if not mentors:
        return []
    dates = [row.date for row in sessions_of(session, cohort)]
    coaches = list(
        session.exec(
            select(Member.user_id).where(
                Member.cohort_id == cohort.id, Member.role == Role.COACH, Member.status == MemberStatus.ACTIVE
            )
        )
    )
    ids = []
    for one in mentors:
        member = one.member
        organisation = session.get(Organisation, member.organisation_id) if member.organisation_id else None
        goals = [goal.text for goal in goals_of(session, organisation)] if organisation else []
        message = render(
            Welcome(
                member.language or cohort.language,
                cohort=cohort.name,
                organisation=organisation.name if organisation else None,
                dates=dates,
                coaches=coaches,
                goals=goals,
                returning=one.outcome == Outcome.REACTIVATED,
            )
        )
        ids.append(
            enqueue(
                session,
                Envelope(
                    kind=MessageKind.WELCOME,
                    key=f"welcome:{member.id}:{member.joined_at.isoformat()}",
                    team_id=cohort.team_id,
                    due_at=now,
                    latest_at=now + WELCOME_FOR,
                    payload=post(message),
                    user_id=member.user_id,
                    cohort_id=cohort.id,
                    member_id=member.id,
                ),
                now=now,
            )
        )
    return ids


def send_welcomes(engine: Engine, send_now: SendNow | None, client: WebClient, ids: Sequence[int]) -> list[str]:
    """Send the planned welcomes now; returns the user ids they could not reach (the members stay added)."""
    failed = not_sent(send_and_read(engine, send_now, client, ids))
    if send_now is not None:  # the caller tells whoever added them
        told(engine, failed, datetime.now(UTC))
    return sorted(str(row.user_id) for row in failed)
