"""A mentor's side of peer groups: did they meet, what they learned, their choices, and their current partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.cohorts import Invalid
from storage.models import (
    Cohort,
    CohortStatus,
    Member,
    MemberStatus,
    Organisation,
    PeerGroup,
    PeerGroupMember,
    PeerMet,
    PeerPreference,
    Role,
)

REFLECTION_MAX = 3000


@dataclass(frozen=True)
class Partner:
    user_id: str
    organisation: str | None


@dataclass(frozen=True)
class MyGroup:
    """The mentor's group in the current round of one cohort."""

    group_id: int
    cohort: str
    block: int
    partners: tuple[Partner, ...]
    met: str | None
    reflected: bool


@dataclass(frozen=True)
class MyPeers:
    """What the mentor's Home shows of peer groups."""

    opted_out: bool
    share_experiment: bool
    groups: tuple[MyGroup, ...]


def _mine(session: Session, team_id: str, user_id: str, group_id: int) -> PeerGroupMember:
    """The mentor's place in that group; Invalid when they are not in it (a forged or stale button)."""
    row = session.exec(
        select(PeerGroupMember)
        .join(Member, col(Member.id) == col(PeerGroupMember.member_id))
        .where(PeerGroupMember.group_id == group_id, Member.team_id == team_id, Member.user_id == user_id)
    ).first()
    if row is None:
        raise Invalid("peers.error.not_yours")
    return row


def record_met(
    session: Session, *, team_id: str, user_id: str, group_id: int, met: str, now: datetime
) -> PeerGroupMember:
    """The mentor's answer to "Did you meet?" (they may change it)."""
    if met not in {m.value for m in PeerMet}:
        raise Invalid("peers.error.not_yours")
    row = _mine(session, team_id, user_id, group_id)
    row.met, row.met_at = met, now
    session.add(row)
    session.flush()
    return row


def partners_of(session: Session, row: PeerGroupMember) -> tuple[str, ...]:
    """The user ids of the others in the mentor's group."""
    return tuple(
        session.exec(
            select(Member.user_id)
            .join(PeerGroupMember, col(PeerGroupMember.member_id) == col(Member.id))
            .where(PeerGroupMember.group_id == row.group_id, col(Member.id) != row.member_id)
            .order_by(col(Member.id))
        )
    )


def save_reflection(
    session: Session, *, team_id: str, user_id: str, group_id: int, text: str, now: datetime
) -> PeerGroupMember:
    """What the mentor learned from the other organisation: theirs alone, exported and erased with their data."""
    cleaned = text.replace("\x00", "").strip()
    if not cleaned:
        raise Invalid("peers.error.empty", field="reflection")
    if len(cleaned) > REFLECTION_MAX:
        raise Invalid("peers.error.too_long", field="reflection", limit=REFLECTION_MAX)
    row = _mine(session, team_id, user_id, group_id)
    row.reflection, row.reflected_at = cleaned, now
    session.add(row)
    session.flush()
    return row


def _memberships(session: Session, team_id: str, user_id: str) -> list[Member]:
    return list(
        session.exec(
            select(Member)
            .join(Cohort, col(Cohort.id) == col(Member.cohort_id))
            .where(
                Member.team_id == team_id,
                Member.user_id == user_id,
                Member.role == Role.MENTOR,
                Member.status == MemberStatus.ACTIVE,
                Cohort.status == CohortStatus.ACTIVE,
            )
            .order_by(col(Member.id))
        )
    )


def set_choice(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    now: datetime,
    opted_out: bool | None = None,
    share_experiment: bool | None = None,
) -> int:
    """Change the mentor's peer-group choices in every active cohort; returns how many memberships changed."""
    members = _memberships(session, team_id, user_id)
    for member in members:
        preference = session.get(PeerPreference, member.id) or PeerPreference(member_id=member.id, team_id=team_id)  # type: ignore[arg-type]
        if opted_out is not None:
            preference.opted_out = opted_out
        if share_experiment is not None:
            preference.share_experiment = share_experiment
        preference.updated_at = now
        session.add(preference)
    session.flush()
    return len(members)


def my_peers(session: Session, team_id: str, user_id: str) -> MyPeers | None:
    """The mentor's choices and current partners; None for someone who is no active mentor."""
    members = _memberships(session, team_id, user_id)
    if not members:
        return None
    preferences = [session.get(PeerPreference, m.id) for m in members]
    groups = [group for member in members if (group := _current_group(session, member)) is not None]
    return MyPeers(
        opted_out=all(p is not None and p.opted_out for p in preferences),
        share_experiment=any(p is not None and p.share_experiment for p in preferences),
        groups=tuple(groups),
    )


def _current_group(session: Session, member: Member) -> MyGroup | None:
    """The member's group in their cohort's newest round, if they are in one."""
    newest = session.exec(select(func.max(PeerGroup.round)).where(PeerGroup.cohort_id == member.cohort_id)).one()
    found = session.exec(
        select(PeerGroup, PeerGroupMember)
        .join(PeerGroupMember, col(PeerGroupMember.group_id) == col(PeerGroup.id))
        .where(
            PeerGroup.cohort_id == member.cohort_id, PeerGroup.round == newest, PeerGroupMember.member_id == member.id
        )
    ).first()
    if found is None:
        return None
    group, mine = found
    others = session.exec(
        select(Member.user_id, Organisation.name)
        .join(PeerGroupMember, col(PeerGroupMember.member_id) == col(Member.id))
        .join(Organisation, col(Organisation.id) == col(Member.organisation_id), isouter=True)
        .where(PeerGroupMember.group_id == group.id, col(Member.id) != member.id)
        .order_by(col(Member.id))
    ).all()
    cohort = session.get(Cohort, member.cohort_id)
    return MyGroup(
        int(group.id or 0),
        cohort.name if cohort else "",
        group.block,
        tuple(Partner(u, o) for u, o in others),
        mine.met,
        mine.reflection is not None,
    )
