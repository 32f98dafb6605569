"""A person's rights over their data: a copy of everything Mentori holds about them, and erasure.

Erasure removes what the person wrote and everything that names them, but keeps the programme's counts honest
without them: each of their memberships stays as an anonymous row (user id replaced by ``erased-<member id>``,
status ``left``, no language or pause) so a coach sees that *a* mentor left and how many prompts had been sent and
answered, never who. Answers, ratings, experiments, HR-meeting notes and kept DMs are deleted; prompts not yet sent
are cancelled; where each prompt was posted (their DM channel) is forgotten, and every message Mentori sent them that
it knows of (``messages_sent_to``) is deleted from Slack by the caller after the transaction. Quotes they let HR see
are removed from every stored summary, so no later read or export of a period shows them; HR summaries count active
mentors only, so the person drops out of every summary from then on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from bot.i18n import LANGUAGES
from bot.peers import cancel_introductions, sent_introductions
from bot.programmes import programme_by_id
from bot.summaries.model import person_key
from bot.summaries.store import erase_from_summaries, withdraw_quote
from storage.models import (
    Answer,
    Cohort,
    Delivery,
    DeliveryStatus,
    DmNote,
    Experiment,
    Goal,
    HrMeeting,
    Member,
    MemberStatus,
    Organisation,
    PeerGroup,
    PeerGroupMember,
    PeerPreference,
    ProgrammeSession,
    SlackUser,
    SummaryPost,
)
from storage.outbox_messages import cancel_for_person, sent_to

if TYPE_CHECKING:
    from bot.answers import Prompt

ERASED_PREFIX = "erased-"


def is_erased(user_id: str) -> bool:
    """True for the placeholder that replaces an erased person's user id."""
    return user_id.startswith(ERASED_PREFIX)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def messages_sent_to(
    session: Session, team_id: str, member_ids: Sequence[int], user_id: str | None = None
) -> list[tuple[str, str]]:
    """(channel, ts) of every message Mentori sent these memberships (or the person `user_id`) that it recorded: the
    prompts it posted, and everything else the outbox sent them (welcomes, reminders, answers to their DMs, …).

    The one place erasure asks what to delete from Slack.
    """
    if not member_ids and not user_id:
        return []
    outbox = sent_to(session, member_ids, team_id=team_id, user_id=user_id or "")
    rows = session.exec(
        select(Delivery.channel_id, Delivery.message_ts).where(
            Delivery.team_id == team_id,
            col(Delivery.member_id).in_(list(member_ids)),
            col(Delivery.channel_id).is_not(None),
            col(Delivery.message_ts).is_not(None),
        )
    )
    return list(dict.fromkeys([*((str(channel), str(ts)) for channel, ts in rows), *outbox]))


def stop_sharing(session: Session, prompt: Prompt) -> None:
    """The mentor withdraws HR's permission to quote this answer: from now on and from every stored summary.

    ``prompt`` is the mentor's own prompt (bot.answers.own_prompt). A summary already posted to Slack keeps what it
    showed; later reads and exports of every period no longer have the quote.
    """
    answer = prompt.answer
    if answer is None:
        return
    answer.consent_to_quote = False
    session.add(answer)
    withdraw_quote(session, prompt.delivery.team_id, person_key(answer.member_id), prompt.delivery.step_id)
    session.flush()


def export_person(session: Session, *, team_id: str, user_id: str, language: str, now: datetime) -> dict[str, Any]:
    """Everything Mentori holds about the person in this workspace, as plain JSON-ready values."""
    language = language if language in LANGUAGES else "en"
    members = list(session.exec(select(Member).where(Member.team_id == team_id, Member.user_id == user_id)))
    ids = [int(m.id or 0) for m in members]
    cohorts = {c.id: c for c in session.exec(select(Cohort).where(col(Cohort.id).in_({m.cohort_id for m in members})))}
    organisations = {
        o.id: o.name
        for o in session.exec(
            select(Organisation).where(col(Organisation.id).in_({m.organisation_id for m in members}))
        )
    }
    goals = {g.id: g.text for g in session.exec(select(Goal).where(col(Goal.organisation_id).in_(organisations)))}
    deliveries = {d.id: d for d in session.exec(select(Delivery).where(col(Delivery.member_id).in_(ids)))}
    profile = session.get(SlackUser, (team_id, user_id))
    return {
        "exported_at": now.isoformat(),
        "workspace": team_id,
        "user": user_id,
        "slack_profile": _profile(profile),
        "memberships": [
            {
                "cohort": cohorts[m.cohort_id].name if m.cohort_id in cohorts else None,
                "role": m.role,
                "organisation": organisations.get(m.organisation_id),
                "status": m.status,
                "language": m.language,
                "paused_until": _iso(m.paused_until),
                "joined_at": _iso(m.joined_at),
                "removed_at": _iso(m.removed_at),
            }
            for m in members
        ],
        "prompts": [_prompt(d) for d in sorted(deliveries.values(), key=lambda d: (d.due_at, d.id or 0))],
        "answers": [
            _answer(answer, deliveries.get(answer.delivery_id), cohorts, language)
            for answer in session.exec(
                select(Answer).where(col(Answer.member_id).in_(ids)).order_by(col(Answer.created_at))
            )
        ],
        "experiments": [
            {
                "title": e.title,
                "goal": goals.get(e.goal_id),
                "when": e.plan_when,
                "i_will": e.plan_then,
                "status": e.status,
                "outcome": e.outcome,
                "decision": e.decision,
                "started_at": _iso(e.started_at),
                "created_at": _iso(e.created_at),
                "updated_at": _iso(e.updated_at),
            }
            for e in session.exec(
                select(Experiment).where(col(Experiment.member_id).in_(ids)).order_by(col(Experiment.created_at))
            )
        ],
        "hr_meetings": [
            {"held_on": _iso(h.held_on), "notes": h.notes, "logged_at": _iso(h.created_at)}
            for h in session.exec(
                select(HrMeeting).where(col(HrMeeting.member_id).in_(ids)).order_by(col(HrMeeting.held_on))
            )
        ],
        "unattached_messages": [
            {"text": n.text, "received_at": _iso(n.created_at), "channel": n.channel_id, "message_ts": n.message_ts}
            for n in session.exec(select(DmNote).where(col(DmNote.delivery_id).in_(list(deliveries))))
        ],
        "quotes_held_for_hr": _quotes_held(session, team_id, ids),
        "peer_groups": _peer_groups(session, ids, cohorts),
        "peer_choices": [
            {"opted_out": p.opted_out, "share_experiment": p.share_experiment, "updated_at": _iso(p.updated_at)}
            for p in session.exec(select(PeerPreference).where(col(PeerPreference.member_id).in_(ids)))
        ],
    }


def _peer_groups(session: Session, ids: Sequence[int], cohorts: dict[Any, Cohort]) -> list[dict[str, Any]]:
    """The person's peer groups: with whom, whether they met, and what they learned (their own words)."""
    out = []
    rows = session.exec(
        select(PeerGroupMember, PeerGroup).join(PeerGroup, col(PeerGroup.id) == col(PeerGroupMember.group_id))
        .where(col(PeerGroupMember.member_id).in_(ids)).order_by(col(PeerGroup.created_at))
    )  # fmt: skip
    for mine, group in rows:
        partners = session.exec(
            select(Member.user_id).join(PeerGroupMember, col(PeerGroupMember.member_id) == col(Member.id))
            .where(PeerGroupMember.group_id == group.id, col(Member.id) != mine.member_id)
        )  # fmt: skip
        cohort = cohorts.get(group.cohort_id)
        out.append({
            "cohort": cohort.name if cohort else None, "session": group.block, "formed_at": _iso(group.created_at),
            "partners": sorted(partners), "met": mine.met, "answered_at": _iso(mine.met_at),
            "what_i_learned": mine.reflection, "written_at": _iso(mine.reflected_at),
        })  # fmt: skip
    return out


def _profile(profile: SlackUser | None) -> dict[str, Any] | None:
    """Every field Mentori keeps from the person's Slack profile."""
    if profile is None:
        return None
    return {
        "time_zone": profile.tz,
        "locale": profile.locale,
        "real_name": profile.real_name,
        "display_name": profile.display_name,
        "workspace_admin": profile.is_admin,
        "workspace_owner": profile.is_owner,
        "bot": profile.is_bot,
        "deactivated": profile.deleted,
        "checked_at": _iso(profile.checked_at),
    }


def _prompt(delivery: Delivery) -> dict[str, Any]:
    """One prompt planned or sent to the person: when, where it was posted, snoozes and reminders."""
    return {
        "step": delivery.step_id,
        "status": delivery.status,
        "due_at": _iso(delivery.due_at),
        "sent_at": _iso(delivery.sent_at),
        "posted_in_channel": delivery.channel_id,
        "message_ts": delivery.message_ts,
        "snoozed_until": _iso(delivery.snoozed_until),
        "reminded_at": _iso(delivery.reminded_at),
        "problem": delivery.last_error,
    }


def _quotes_held(session: Session, team_id: str, member_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The quotes of theirs stored with HR summaries, as HR may read them, with the period and organisation."""
    keys = {person_key(i) for i in member_ids}
    found = []
    for post in session.exec(select(SummaryPost).where(SummaryPost.team_id == team_id)):
        for quote in post.figures.get("quotes", []):
            if isinstance(quote, dict) and keys & set(quote.get("authors", [])):
                found.append(
                    {"period": post.period, "organisation": post.figures.get("organisation"), "text": quote.get("text")}
                )
    return found


def _answer(answer: Answer, delivery: Delivery | None, cohorts: dict[Any, Cohort], language: str) -> dict[str, Any]:
    prompt = None
    if delivery is not None and delivery.cohort_id in cohorts:
        try:
            step = programme_by_id(cohorts[delivery.cohort_id].programme).step(delivery.step_id)
            prompt = step.label.get(language)
        except KeyError:
            prompt = None
    return {
        "step": delivery.step_id if delivery else None,
        "prompt": prompt,
        "text": answer.text,
        "ratings": answer.ratings,
        "hr_may_quote": answer.consent_to_quote,
        "written_in": answer.source,
        "created_at": _iso(answer.created_at),
        "updated_at": _iso(answer.updated_at),
    }


@dataclass(frozen=True)
class Erased:
    memberships: int
    answers: int
    experiments: int
    meetings: int
    notes: int
    messages: list[tuple[str, str]] = field(default_factory=list)  # (channel, ts) of messages to delete from Slack


def erase_person(session: Session, *, team_id: str, user_id: str, now: datetime) -> Erased:
    """Erase the person from this workspace's data, in the caller's transaction (see the module docstring).

    Returns the counts and the prompt DMs Mentori posted to them, which the caller deletes from Slack after the
    transaction has committed.
    """
    members = list(session.exec(select(Member).where(Member.team_id == team_id, Member.user_id == user_id)))
    ids = [int(m.id or 0) for m in members]
    deliveries = list(session.exec(select(Delivery).where(col(Delivery.member_id).in_(ids))))
    # the group introductions that name them go too: their partners keep their own DMs and answers
    messages = [*messages_sent_to(session, team_id, ids, user_id=user_id), *sent_introductions(session, ids)]
    cancel_for_person(session, ids, team_id=team_id, user_id=user_id)  # what is on its way to them is not sent
    erase_from_summaries(session, team_id, {person_key(i): person_key(i) for i in ids})
    delivery_ids = [int(d.id or 0) for d in deliveries]
    notes = _delete(session, DmNote, col(DmNote.delivery_id).in_(delivery_ids))
    answers = _delete(session, Answer, col(Answer.member_id).in_(ids))
    experiments = _delete(session, Experiment, col(Experiment.member_id).in_(ids))
    meetings = _delete(session, HrMeeting, col(HrMeeting.member_id).in_(ids))
    cancel_introductions(session, ids)  # an introduction not yet sent would name them
    _delete(session, PeerGroupMember, col(PeerGroupMember.member_id).in_(ids))  # whether they met, what they learned
    _delete(session, PeerPreference, col(PeerPreference.member_id).in_(ids))
    for delivery in deliveries:
        if delivery.status in (DeliveryStatus.PLANNED, DeliveryStatus.SENDING):
            delivery.status = DeliveryStatus.CANCELLED
        delivery.channel_id = delivery.message_ts = delivery.last_error = None
        delivery.snoozed_until = None
        session.add(delivery)
    for member in members:
        member.user_id = f"{ERASED_PREFIX}{member.id}"
        if member.status == MemberStatus.ACTIVE:
            member.status = MemberStatus.LEFT
        member.removed_at = member.removed_at or now
        member.language = None
        member.paused_until = None
        session.add(member)
    session.execute(
        update(Cohort).where(Cohort.team_id == team_id, Cohort.created_by == user_id).values(created_by=None)  # type: ignore[arg-type]  # a model attribute in a query is a column
    )
    session.execute(
        update(ProgrammeSession)
        .where(ProgrammeSession.team_id == team_id, ProgrammeSession.started_by == user_id)  # type: ignore[arg-type]  # a model attribute in a query is a column
        .values(started_by=None)
    )
    _delete(session, SlackUser, SlackUser.team_id == team_id, SlackUser.user_id == user_id)
    session.flush()
    return Erased(len(members), answers, experiments, meetings, notes, messages)


def _delete(session: Session, model: Any, *criteria: Any) -> int:
    result = session.exec(delete(model).where(*criteria))
    return int(result.rowcount or 0)
