"""What peer groups a cohort has and who met, gathered as plain values; shown only through bot.privacy_gate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.peers import setting_of
from storage.models import (
    Cohort,
    DeliveryStatus,
    Member,
    MessageKind,
    Organisation,
    OutboxMessage,
    PeerGroup,
    PeerGroupMember,
    PeerMet,
)


@dataclass(frozen=True)
class GroupMember:
    user_id: str
    organisation: str | None
    met: str | None  # a PeerMet value, or None before they answer


@dataclass(frozen=True)
class GroupRow:
    position: int
    members: tuple[GroupMember, ...]

    @property
    def met(self) -> bool:
        """A group met when any of its members says so."""
        return any(m.met == PeerMet.YES for m in self.members)


@dataclass(frozen=True)
class PeerRound:
    """A cohort's setting and its newest round of groups, with each member's answer (for its coaches)."""

    cohort: str
    enabled: bool
    size: int
    block: int | None
    formed_at: datetime | None
    groups: tuple[GroupRow, ...]


@dataclass(frozen=True)
class GroupsMet:
    """How many of the introduced groups met, and the people behind the figure (member ids, never shown)."""

    met: int
    groups: int
    people: frozenset[int]


def current_round(session: Session, cohort: Cohort) -> PeerRound:
    setting = setting_of(session, cohort)
    newest = session.exec(select(func.max(PeerGroup.round)).where(PeerGroup.cohort_id == cohort.id)).one()
    groups = list(
        session.exec(
            select(PeerGroup)
            .where(PeerGroup.cohort_id == cohort.id, PeerGroup.round == newest)
            .order_by(col(PeerGroup.position))
        )
    )
    rows = _members(session, [int(g.id or 0) for g in groups])
    return PeerRound(
        cohort=cohort.name, enabled=setting.enabled, size=setting.size,
        block=groups[0].block if groups else None, formed_at=groups[0].created_at if groups else None,
        groups=tuple(GroupRow(g.position, tuple(m for _, m in rows.get(int(g.id or 0), []))) for g in groups),
    )  # fmt: skip


def _members(session: Session, group_ids: list[int]) -> dict[int, list[tuple[int, GroupMember]]]:
    found = session.execute(
        sa_select(
            col(PeerGroupMember.group_id),
            col(Member.id),
            col(Member.user_id),
            col(Organisation.name),
            col(PeerGroupMember.met),
        )
        .join(Member, col(Member.id) == col(PeerGroupMember.member_id))
        .join(Organisation, col(Organisation.id) == col(Member.organisation_id), isouter=True)
        .where(col(PeerGroupMember.group_id).in_(group_ids))
        .order_by(col(Member.id))
    )
    out: dict[int, list[tuple[int, GroupMember]]] = {}
    for group_id, member_id, user_id, organisation, met in found:
        out.setdefault(group_id, []).append((member_id, GroupMember(user_id, organisation, met)))
    return out


def groups_met(session: Session, cohort: Cohort) -> GroupsMet | None:
    """Of every group whose introduction went out, how many met; None when no introduction has gone out."""
    sent = session.exec(
        select(OutboxMessage.key).where(
            OutboxMessage.cohort_id == cohort.id,
            OutboxMessage.kind == MessageKind.INTRODUCTION,
            OutboxMessage.status == DeliveryStatus.SENT,
            col(OutboxMessage.key).like("peer:intro:%"),
        )
    )
    ids = [int(key.rsplit(":", 1)[1]) for key in sent]
    if not ids:
        return None
    rows = _members(session, ids)
    people = frozenset(member_id for members in rows.values() for member_id, _ in members)
    met = sum(1 for members in rows.values() if GroupRow(0, tuple(m for _, m in members)).met)
    return GroupsMet(met=met, groups=len(rows), people=people)
