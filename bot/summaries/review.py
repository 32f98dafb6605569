"""The coaches' review of each organisation's HR summary before it is posted.

At each summary step every organisation's draft — exactly what its HR would get, through bot.privacy_gate — goes to
the cohort's coaches (DM and App Home). A coach approves it, takes a quote out, adds a short note or holds it; only an
approved draft is posted. When no coach acts within ``Settings.summary_review_days`` working days, the draft is
posted with a line saying it was not reviewed (``summary_unreviewed = "post"``) or waits (``"wait"``). With 0 days,
and in a cohort without a coach (nobody to review), posts go out at once, with the same line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.authz import Actor, Refused
from bot.cohort_calendar import calendar_of
from bot.cohorts import Invalid
from bot.settings import Settings
from bot.summaries.model import ReviewMark, Summary
from bot.work_calendar import WorkPolicy, add_working_days
from storage.models import Cohort, Member, MemberStatus, Organisation, Role, SummaryPost

NOTE_LENGTH = 500


class Review(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    HELD = "held"
    UNREVIEWED = "unreviewed"  # posted without a review: nobody acted in time, or the cohort has no coach


class Action(StrEnum):
    APPROVE = "approve"
    HOLD = "hold"
    NOTE = "note"
    REMOVE_QUOTE = "remove_quote"


class Next(StrEnum):
    """What to do with an organisation's summary now."""

    POST = "post"
    DRAFT = "draft"  # send the draft to the coaches
    WAIT = "wait"
    POSTED = "posted"


@dataclass(frozen=True)
class ReviewRules:
    days: int = 2
    unreviewed: str = "post"


def rules_from(settings: Settings) -> ReviewRules:
    return ReviewRules(settings.summary_review_days, settings.summary_unreviewed)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def review_time(session: Session, cohort: Cohort) -> WorkPolicy:
    """The cohort's working time, in which its coaches' review days are counted: its work days and hours in its
    time zone, without its country's holidays and its quiet periods."""
    calendar = calendar_of(session, cohort)
    return WorkPolicy(
        tz=cohort.timezone,
        start=_clock(cohort.work_start),
        end=_clock(cohort.work_end),
        workdays=calendar.workdays,
        country=cohort.country,
        quiet_periods=calendar.quiet,
    )


def review_due(policy: WorkPolicy, sent_at: datetime, rules: ReviewRules) -> datetime:
    """When a draft sent at ``sent_at`` is past its review time: ``rules.days`` working days of ``policy`` later."""
    return add_working_days(_aware(sent_at), rules.days, policy)


def posted_unreviewed_at(policy: WorkPolicy, row: SummaryPost, rules: ReviewRules) -> datetime | None:
    """When a draft waiting for review is posted without one, as the coaches and HR are told; None when it waits
    for a coach however long that takes."""
    if row.review_sent_at is None or rules.unreviewed != "post":
        return None
    return review_due(policy, row.review_sent_at, rules)


def coaches(session: Session, cohort: Cohort) -> list[str]:
    """The Slack user ids of the cohort's active coaches."""
    rows = session.exec(
        select(Member.user_id).where(
            Member.cohort_id == cohort.id,
            Member.role == Role.COACH,
            Member.status == MemberStatus.ACTIVE,
        )
    )
    return sorted(set(rows))


def decide(session: Session, cohort: Cohort, row: SummaryPost, rules: ReviewRules, now: datetime) -> Next:
    """What happens to the row's summary now; a draft seen for the first time is marked as sent to the coaches."""
    if row.message_ts:
        return Next.POSTED
    if row.review is None:
        if rules.days == 0 or not coaches(session, cohort):  # no review time, or nobody to review
            row.review = Review.UNREVIEWED
            session.add(row)
            return Next.POST
        row.review, row.review_sent_at = Review.PENDING, now
        session.add(row)
        return Next.DRAFT
    if row.review in (Review.APPROVED, Review.UNREVIEWED):
        return Next.POST
    overdue = row.review == Review.PENDING and now >= review_due(
        review_time(session, cohort), row.review_sent_at or now, rules
    )
    if overdue and rules.unreviewed == "post":
        row.review = Review.UNREVIEWED
        session.add(row)
        return Next.POST
    return Next.WAIT


def approve_for_posting(row: SummaryPost, actor: Actor, now: datetime) -> None:
    """A coach asked for the post (`/mentori summary`): a draft not held counts as approved by them."""
    if not row.message_ts and row.review in (None, Review.PENDING):
        row.review, row.reviewed_by, row.reviewed_at = Review.APPROVED, actor.user_id, now


def stored_quotes(row: SummaryPost) -> list[str]:
    return [str(q["text"]) for q in row.figures.get("quotes", []) if isinstance(q, dict) and q.get("text")]


def quote_mark(text: str) -> str:
    """How a quote taken out is remembered: a digest, never the mentor's words (erasure and retention purge those)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def reviewed(view: Summary, row: SummaryPost) -> Summary:
    """HR's view less the quotes a coach took out."""
    removed = set(row.removed_quotes or ())
    return replace(view, quotes=tuple(q for q in view.quotes if quote_mark(q.text) not in removed))


def mark_of(row: SummaryPost) -> ReviewMark:
    return ReviewMark(note=row.coach_note or None, unreviewed=row.review == Review.UNREVIEWED)


def act(
    session: Session,
    actor: Actor,
    post_id: int,
    action: Action,
    *,
    now: datetime,
    note: str | None = None,
    quote: int | None = None,
) -> SummaryPost:
    """A coach's review action on one organisation's draft; Refused for anyone who does not manage the cohort."""
    row = session.get(SummaryPost, post_id)
    cohort = session.get(Cohort, row.cohort_id) if row else None
    if row is None or cohort is None or cohort.team_id != actor.team_id:
        raise Invalid("summary.review.gone")
    if not actor.may_manage(cohort):
        raise Refused("authz.coaches_only", cohort=cohort.name)
    organisation = session.get(Organisation, row.organisation_id)
    name = organisation.name if organisation else ""
    if row.message_ts:
        raise Invalid("summary.review.already_posted", organisation=name)
    if action == Action.APPROVE:
        row.review = Review.APPROVED
    elif action == Action.HOLD:
        row.review = Review.HELD
    elif action == Action.NOTE:
        text = " ".join((note or "").split())
        if len(text) > NOTE_LENGTH:
            raise Invalid("summary.review.note_too_long", limit=NOTE_LENGTH, length=len(text))
        row.coach_note = text or None
    elif action == Action.REMOVE_QUOTE:
        quotes = stored_quotes(row)
        if quote is None or not 0 <= quote < len(quotes):
            raise Invalid("summary.review.no_such_quote")
        row.removed_quotes = sorted({*(row.removed_quotes or ()), quote_mark(quotes[quote])})
    row.reviewed_by, row.reviewed_at = actor.user_id, now
    session.add(row)
    session.flush()
    return row


def local(moment: datetime | None, cohort: Cohort) -> datetime | None:
    """A stored moment in the cohort's time zone, as its people read it."""
    return _aware(moment).astimezone(ZoneInfo(cohort.timezone)) if moment else None
