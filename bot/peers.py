"""Cross-organisation peer groups: forming them after a kickoff (or when a coach asks), and each cohort's setting.

Forming a round writes the groups and, in the same transaction, their outbox rows: one introduction per group in the
group DM, at a moment inside every member's working hours (bot.work_calendar.common_slot), and a week later one
"Did you meet?" per mentor in their own DM, in their own working hours. Outbox keys make both exactly-once. The
messages are built by the caller's `PeerMessages` (Block Kit lives in bot.blocks.peers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from bot.answers import current_experiment
from bot.authz import Actor, require_manager
from bot.cohorts import Invalid
from bot.peer_grouping import Candidate, Pair, form_groups, pairs_of
from bot.planning import active_mentors, mentor_context
from bot.programmes import programme_by_id
from bot.work_calendar import WorkPolicy, common_slot, next_slot
from storage.models import (
    Cohort,
    DeliveryStatus,
    Member,
    MemberStatus,
    MessageKind,
    Organisation,
    OutboxMessage,
    PeerGroup,
    PeerGroupMember,
    PeerPreference,
    PeerSetting,
    ProgrammeSession,
    SlackUser,
)
from storage.outbox_messages import (
    Envelope,
    enqueue,
    group_post,
    introduction_key,
    met_question_key,
    met_questions_like,
    post,
)

INTRODUCTION_FOR = timedelta(days=7)  # an introduction not sent within a week is no use: the week is over
FOLLOW_UP_AFTER = timedelta(days=7)
FOLLOW_UP_FOR = timedelta(days=7)
SIZES = (2, 3)


@dataclass(frozen=True)
class Person:
    """A mentor as their peer group is told about them."""

    member_id: int
    user_id: str
    organisation: str | None
    experiment: str | None  # their current experiment's title, only if they chose to share it


@dataclass(frozen=True)
class Introduction:
    group_id: int
    cohort: str
    block: int
    theme: str  # the session's title, in the group's language
    language: str
    people: tuple[Person, ...]


@dataclass(frozen=True)
class MetQuestion:
    group_id: int
    member_id: int
    language: str
    partners: tuple[str, ...]  # the other members' user ids


class PeerMessages(Protocol):
    """Builds the messages a round puts in the outbox."""

    def introduction(self, intro: Introduction) -> dict[str, Any]: ...
    def met_question(self, question: MetQuestion) -> dict[str, Any]: ...


class MakeOutcome(StrEnum):
    FORMED = "formed"
    NEEDS_CONFIRMATION = "needs_confirmation"  # groups exist for the block already; nothing was done


@dataclass(frozen=True)
class Formed:
    outcome: MakeOutcome
    cohort: str
    block: int
    groups: tuple[tuple[int, ...], ...] = ()
    eligible: int = 0
    first_introduction: datetime | None = None


# -- the cohort's setting -----------------------------------------------------------------------------------------


def setting_of(session: Session, cohort: Cohort) -> PeerSetting:
    """The cohort's setting; peer groups of two are on by default."""
    found = session.get(PeerSetting, cohort.id)
    return found or PeerSetting(cohort_id=cohort.id, team_id=cohort.team_id)  # type: ignore[arg-type]


def change_setting(
    session: Session,
    *,
    actor: Actor,
    cohort: Cohort,
    now: datetime,
    enabled: bool | None = None,
    size: int | None = None,
) -> PeerSetting:
    """Turn peer groups on or off, or choose pairs or trios, for the cohort's coaches."""
    require_manager(actor, cohort)
    if size is not None and size not in SIZES:
        raise Invalid("peers.error.size", value=str(size))
    setting = setting_of(session, cohort)
    setting.enabled = setting.enabled if enabled is None else enabled
    setting.size = setting.size if size is None else size
    setting.updated_by, setting.updated_at = actor.user_id, now
    session.add(setting)
    session.flush()
    return setting


# -- forming ------------------------------------------------------------------------------------------------------


def after_kickoff(session: Session, cohort: Cohort, block: int, now: datetime, messages: PeerMessages) -> Formed | None:
    """Form the block's groups once, right after its session was kicked off, when the cohort has them on."""
    if not setting_of(session, cohort).enabled or _groups_exist(session, cohort, block):
        return None
    return form_round(session, cohort, block=block, now=now, messages=messages)


def make(
    session: Session, *, actor: Actor, cohort: Cohort, now: datetime, messages: PeerMessages, confirmed: bool = False
) -> Formed:
    """A coach forms groups now for the newest started block; asks first when that block has groups already."""
    require_manager(actor, cohort)
    block = newest_started(session, cohort)
    if block is None:
        raise Invalid("peers.error.not_started", cohort=cohort.name)
    if _groups_exist(session, cohort, block):
        if not confirmed:
            return Formed(MakeOutcome.NEEDS_CONFIRMATION, cohort.name, block)
        _cancel_unsent(session, cohort, block)
    formed = form_round(session, cohort, block=block, now=now, messages=messages, formed_by=actor.user_id)
    if not formed.groups:
        raise Invalid("peers.error.too_few", cohort=cohort.name, count=formed.eligible)
    return formed


def newest_started(session: Session, cohort: Cohort) -> int | None:
    return session.exec(
        select(func.max(ProgrammeSession.number)).where(
            ProgrammeSession.cohort_id == cohort.id, col(ProgrammeSession.started_at).is_not(None)
        )
    ).one()


def form_round(
    session: Session, cohort: Cohort, *, block: int, now: datetime, messages: PeerMessages, formed_by: str | None = None
) -> Formed:
    """Form a new round of groups from the eligible mentors and put their messages in the outbox (no group, and no
    round, when fewer than two mentors may take part)."""
    mentors = {m.id: m for m in eligible(session, cohort, now)}
    policies = mentor_context(session, cohort, mentors.values())
    candidates = [Candidate(int(m.id), m.organisation_id) for m in mentors.values()]  # type: ignore[arg-type]
    number = _last_round(session, cohort) + 1
    size = setting_of(session, cohort).size
    seed = int(cohort.id or 0) * 1000 + number
    groups = form_groups(candidates, size=size, met=met_before(session, cohort), seed=seed)
    moments = []
    for position, ids in enumerate(groups, start=1):
        people = [mentors[i] for i in ids]
        at = common_slot(now, [policies[i] for i in ids])
        group = PeerGroup(
            team_id=cohort.team_id,
            cohort_id=cohort.id,  # type: ignore[arg-type]  # a stored row's id is set
            block=block,
            round=number,
            position=position,
            language=_shared_language(cohort, people),
            introduce_at=at,
            formed_by=formed_by,
            created_at=now,
        )
        session.add(group)
        session.flush()
        session.add_all(PeerGroupMember(team_id=cohort.team_id, group_id=group.id, member_id=i) for i in ids)  # type: ignore[arg-type]
        _plan_messages(session, cohort, group, people, policies, messages, now)
        moments.append(at)
    return Formed(MakeOutcome.FORMED, cohort.name, block, tuple(groups), len(candidates), min(moments, default=None))


def eligible(session: Session, cohort: Cohort, now: datetime) -> list[Member]:
    """Active mentors who have not opted out, are not paused today and whose Slack account is not deactivated."""
    out = set(
        session.exec(
            select(PeerPreference.member_id).where(
                col(PeerPreference.opted_out).is_(True), PeerPreference.team_id == cohort.team_id
            )
        )
    )
    gone = set(
        session.exec(
            select(SlackUser.user_id).where(SlackUser.team_id == cohort.team_id, col(SlackUser.deleted).is_(True))
        )
    )
    today = now.date()
    return [
        m for m in active_mentors(session, int(cohort.id or 0))
        if m.id not in out and m.user_id not in gone and (m.paused_until is None or m.paused_until < today)
    ]  # fmt: skip


def met_before(session: Session, cohort: Cohort) -> set[Pair]:
    """Every two mentors of the cohort who were in a group together, in any round."""
    rows = session.exec(
        select(PeerGroupMember.group_id, PeerGroupMember.member_id)
        .join(PeerGroup, col(PeerGroup.id) == col(PeerGroupMember.group_id))
        .where(PeerGroup.cohort_id == cohort.id)
    )
    groups: dict[int, list[int]] = {}
    for group_id, member_id in rows:
        groups.setdefault(group_id, []).append(member_id)
    return pairs_of(groups.values())


def _groups_exist(session: Session, cohort: Cohort, block: int) -> bool:
    found = session.exec(select(PeerGroup.id).where(PeerGroup.cohort_id == cohort.id, PeerGroup.block == block))
    return found.first() is not None


def _last_round(session: Session, cohort: Cohort) -> int:
    return int(session.exec(select(func.max(PeerGroup.round)).where(PeerGroup.cohort_id == cohort.id)).one() or 0)


def _cancel_unsent(session: Session, cohort: Cohort, block: int) -> None:
    """The block's groups formed again: what they have not sent yet speaks of groups that are no more."""
    ids = list(session.exec(select(PeerGroup.id).where(PeerGroup.cohort_id == cohort.id, PeerGroup.block == block)))
    keys = [col(OutboxMessage.key) == introduction_key(int(i or 0)) for i in ids]
    keys += [col(OutboxMessage.key).like(met_questions_like(int(i or 0))) for i in ids]
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.team_id) == cohort.team_id, col(OutboxMessage.kind) == MessageKind.INTRODUCTION,
               col(OutboxMessage.status) == DeliveryStatus.PLANNED, or_(*keys))
        .values(status=DeliveryStatus.CANCELLED, payload={})
    )  # fmt: skip


def cancel_introductions(session: Session, member_ids: Sequence[int]) -> None:
    """Introductions not sent yet of the groups these members are in (their data is being erased): not sent."""
    groups = list(session.exec(select(PeerGroupMember.group_id).where(col(PeerGroupMember.member_id).in_(member_ids))))
    if not groups:
        return
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.key).in_([introduction_key(g) for g in groups]),
               col(OutboxMessage.kind) == MessageKind.INTRODUCTION,
               col(OutboxMessage.status) == DeliveryStatus.PLANNED)
        .values(status=DeliveryStatus.CANCELLED, payload={})
    )  # fmt: skip


def sent_introductions(session: Session, member_ids: Sequence[int]) -> list[tuple[str, str]]:
    """(channel, ts) of the introductions posted to these members' groups: each names them, their organisation and
    the experiment they chose to share."""
    groups = list(session.exec(select(PeerGroupMember.group_id).where(col(PeerGroupMember.member_id).in_(member_ids))))
    if not groups:
        return []
    found = session.exec(
        select(OutboxMessage.channel_id, OutboxMessage.message_ts).where(
            col(OutboxMessage.key).in_([introduction_key(g) for g in groups]),
            OutboxMessage.kind == MessageKind.INTRODUCTION,
            OutboxMessage.status == DeliveryStatus.SENT,
            col(OutboxMessage.channel_id).is_not(None),
            col(OutboxMessage.message_ts).is_not(None),
        )
    )
    return [(str(channel), str(ts)) for channel, ts in found]


def leave_groups(session: Session, cohort: Cohort, member: Member, messages: PeerMessages) -> None:
    """A mentor removed from the cohort: their groups' introductions not sent yet no longer name them (a group
    left with one person is not introduced), and they are not asked whether they met."""
    group_ids = list(session.exec(select(PeerGroupMember.group_id).where(PeerGroupMember.member_id == member.id)))
    for group in session.exec(select(PeerGroup).where(col(PeerGroup.id).in_(group_ids))).all():
        group_id = int(group.id or 0)
        unsent = {row.key: row for row in _unsent(session, cohort, group_id)}
        own = unsent.pop(met_question_key(group_id, int(member.id or 0)), None)
        _cancel(session, [own] if own else [])
        intro = unsent.get(introduction_key(group_id))
        if intro is None:  # the group has been introduced: the others may well have met the removed mentor
            continue
        people = [person for person in _active_members(session, group_id) if person.id != member.id]
        if len(people) < 2:
            _cancel(session, list(unsent.values()))
            continue
        intro.payload = group_post(
            messages.introduction(introduction(session, cohort, group, people)), [p.user_id for p in people]
        )
        session.add(intro)
        for person in people:
            question = unsent.get(met_question_key(group_id, int(person.id or 0)))
            if question is not None:
                question.payload = post(messages.met_question(_met_question(cohort, group, person, people)))
                session.add(question)
    session.flush()


def _unsent(session: Session, cohort: Cohort, group_id: int) -> list[OutboxMessage]:
    keys = or_(
        col(OutboxMessage.key) == introduction_key(group_id), col(OutboxMessage.key).like(met_questions_like(group_id))
    )
    return list(
        session.exec(
            select(OutboxMessage).where(OutboxMessage.team_id == cohort.team_id,
                                        OutboxMessage.kind == MessageKind.INTRODUCTION,
                                        OutboxMessage.status == DeliveryStatus.PLANNED, keys)
        )
    )  # fmt: skip


def _active_members(session: Session, group_id: int) -> list[Member]:
    return list(
        session.exec(
            select(Member)
            .join(PeerGroupMember, col(PeerGroupMember.member_id) == Member.id)
            .where(PeerGroupMember.group_id == group_id, Member.status == MemberStatus.ACTIVE)
            .order_by(col(Member.id))
        )
    )


def _cancel(session: Session, rows: Sequence[OutboxMessage]) -> None:
    for row in rows:
        row.status, row.payload = DeliveryStatus.CANCELLED, {}
        session.add(row)


def _met_question(cohort: Cohort, group: PeerGroup, member: Member, people: Sequence[Member]) -> MetQuestion:
    """Whether `member` met the others of the group."""
    return MetQuestion(
        int(group.id or 0),
        int(member.id or 0),
        member.language or cohort.language,
        tuple(m.user_id for m in people if m.id != member.id),
    )


def _shared_language(cohort: Cohort, people: Sequence[Member]) -> str:
    """The language every member chose, when they chose the same; otherwise the cohort's."""
    chosen = {m.language or cohort.language for m in people}
    return chosen.pop() if len(chosen) == 1 else cohort.language


def _plan_messages(
    session: Session,
    cohort: Cohort,
    group: PeerGroup,
    people: Sequence[Member],
    policies: dict[int, WorkPolicy],
    messages: PeerMessages,
    now: datetime,
) -> None:
    intro = introduction(session, cohort, group, people)
    enqueue(
        session,
        Envelope(
            kind=MessageKind.INTRODUCTION,
            key=introduction_key(int(group.id or 0)),
            team_id=cohort.team_id,
            due_at=group.introduce_at,
            latest_at=group.introduce_at + INTRODUCTION_FOR,
            payload=group_post(messages.introduction(intro), [m.user_id for m in people]),
            cohort_id=cohort.id,
        ),
        now=now,
    )
    for member in people:
        due = next_slot(group.introduce_at + FOLLOW_UP_AFTER, policies[int(member.id or 0)])
        question = _met_question(cohort, group, member, people)
        enqueue(
            session,
            Envelope(
                kind=MessageKind.INTRODUCTION,
                key=met_question_key(int(group.id or 0), int(member.id or 0)),
                team_id=cohort.team_id,
                due_at=due,
                latest_at=due + FOLLOW_UP_FOR,
                payload=post(messages.met_question(question)),
                user_id=member.user_id,
                cohort_id=cohort.id,
                member_id=member.id,
            ),
            now=now,
        )


def introduction(session: Session, cohort: Cohort, group: PeerGroup, people: Sequence[Member]) -> Introduction:
    """What the group is told: each person, their organisation, and their experiment if they share it."""
    organisations = dict(
        session.exec(select(Organisation.id, Organisation.name).where(Organisation.cohort_id == cohort.id)).all()
    )
    sharing = set(
        session.exec(
            select(PeerPreference.member_id).where(
                col(PeerPreference.member_id).in_([m.id for m in people]),
                col(PeerPreference.share_experiment).is_(True),
            )
        )
    )
    persons = []
    for member in people:
        experiment = current_experiment(session, member) if member.id in sharing else None
        persons.append(
            Person(
                int(member.id or 0),
                member.user_id,
                organisations.get(member.organisation_id),
                experiment.title if experiment else None,
            )
        )
    theme = programme_by_id(cohort.programme).session_info(group.block).title.get(group.language)
    return Introduction(int(group.id or 0), cohort.name, group.block, theme, group.language, tuple(persons))
