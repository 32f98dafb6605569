"""For the coaches: where each organisation's summary of the current period stands — posted (where and when), on
its way, not posted and why, or waiting for their review."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, col, select

from bot.authz import Actor
from bot.status import managed_cohorts
from bot.summaries.periods import INTERIM, current_period
from bot.summaries.review import Review, ReviewRules, local, posted_unreviewed_at, review_time
from bot.summaries.store import stored_rows
from bot.work_calendar import WorkPolicy
from storage.models import Cohort, DeliveryStatus, Organisation, OutboxMessage, SummaryPost
from storage.outbox_messages import summary_key


@dataclass(frozen=True)
class OrganisationPost:
    """One organisation's summary: ``state`` is posted, queued, problem, pending, approved or held."""

    post_id: int
    organisation: str
    state: str
    channel_id: str | None = None
    at: datetime | None = None  # posted at, or (pending) posted without a review at; the cohort's time zone
    problem: str | None = None  # why it was not posted: a code (no_channel, channel_shared, not_in_channel, …)
    reviewed_by: str | None = None
    unreviewed: bool = False


@dataclass(frozen=True)
class CohortPosts:
    cohort_id: int
    cohort_name: str
    programme: str
    period: str
    posts: tuple[OrganisationPost, ...]


def _state(
    row: SummaryPost, outbox: OutboxMessage | None, cohort: Cohort, name: str, rules: ReviewRules, policy: WorkPolicy
) -> OrganisationPost:
    base = OrganisationPost(
        post_id=int(row.id or 0),
        organisation=name,
        state="pending",
        reviewed_by=row.reviewed_by,
        unreviewed=row.review == Review.UNREVIEWED,
    )
    if row.message_ts:
        return replace(base, state="posted", channel_id=row.channel_id, at=local(row.posted_at, cohort))
    if outbox is not None and outbox.status in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED):
        return replace(base, state="problem", problem=str(outbox.last_error or "unknown"))
    if outbox is not None:
        return replace(base, state="queued", channel_id=outbox.channel_id)
    if row.review == Review.HELD:
        return replace(base, state="held")
    if row.review in (Review.APPROVED, Review.UNREVIEWED):
        return replace(base, state="approved")
    return replace(base, at=local(posted_unreviewed_at(policy, row, rules), cohort))


def cohort_posts(session: Session, cohort: Cohort, now: datetime, rules: ReviewRules) -> CohortPosts | None:
    """The cohort's current period (or its interim summary, before the first), organisation by organisation; None
    before a summary is counted."""
    step = current_period(session, cohort, now)
    period = str(step.period) if step else INTERIM
    rows = stored_rows(session, cohort, period)
    if not rows:
        return None
    names = dict(
        session.exec(select(Organisation.id, Organisation.name).where(Organisation.cohort_id == cohort.id)).all()
    )
    keys = {summary_key(int(row.id or 0)): row for row in rows}
    outbox = {
        o.key: o
        for o in session.exec(
            select(OutboxMessage).where(
                OutboxMessage.team_id == cohort.team_id,
                col(OutboxMessage.key).in_(list(keys)),
            )
        )
    }
    policy = review_time(session, cohort)
    posts = tuple(
        _state(row, outbox.get(key), cohort, names.get(row.organisation_id, ""), rules, policy)
        for key, row in keys.items()
    )
    return CohortPosts(int(cohort.id or 0), cohort.name, cohort.programme, period, posts)


def review_overview(session: Session, actor: Actor, now: datetime, rules: ReviewRules) -> list[CohortPosts]:
    """Each active cohort the actor manages whose current summary is counted."""
    found = (cohort_posts(session, cohort, now, rules) for cohort in managed_cohorts(session, actor))
    return [posts for posts in found if posts is not None]
