"""What an HR contact's App Home shows: their organisation's cohorts, where the summaries go, and the latest one.

Figures come only from `bot.privacy_gate` with the HR audience of the organisation: exactly what its HR channel's
post shows, never more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot import privacy_gate
from bot.privacy import PrivacyPolicy
from bot.programmes import programme_by_id
from bot.programmes.timeline import step_moment
from bot.summaries.model import ReviewMark, Summary
from bot.summaries.periods import session_dates, summary_steps
from storage.models import Cohort, CohortStatus, Member, MemberStatus, Organisation, Role, SummaryPost


@dataclass(frozen=True)
class Posted:
    """The latest summary posted to the organisation's HR channel."""

    period: str
    at: datetime
    channel_id: str | None


@dataclass(frozen=True)
class HrOrganisation:
    """One organisation the user is HR of, in one active cohort."""

    organisation: str
    cohort: str
    programme: str
    timezone: str
    hr_channel_id: str | None
    sessions: tuple[date, ...]
    posted: Posted | None
    next_summary_at: datetime | None
    summary: Summary | None  # the latest post as the organisation's HR got it; None before the first
    mark: ReviewMark = field(default_factory=ReviewMark)  # the coach's note, or that nobody reviewed it


def hr_home(
    engine: Engine, team_id: str, user_id: str, *, policy: PrivacyPolicy, now: datetime
) -> list[HrOrganisation]:
    """The organisations the user is an active HR contact of, in active cohorts, oldest first."""
    with Session(engine) as session:
        rows = list(
            session.exec(
                select(Organisation, Cohort)
                .join(Member, col(Member.organisation_id) == col(Organisation.id))
                .join(Cohort, col(Cohort.id) == col(Organisation.cohort_id))
                .where(
                    Member.team_id == team_id,
                    Member.user_id == user_id,
                    Member.role == Role.HR,
                    Member.status == MemberStatus.ACTIVE,
                    Cohort.status == CohortStatus.ACTIVE,
                )
                .order_by(col(Cohort.created_at), col(Organisation.id))
            )
        )
        facts = [
            (o, c, _posted(session, o), session_dates(session, c), privacy_gate.latest_post(session, o))
            for o, c in rows
        ]
    found = []
    for organisation, cohort, posted, dates, latest in facts:
        summary, mark = latest if latest is not None else (None, ReviewMark())
        found.append(
            HrOrganisation(
                organisation=organisation.name,
                cohort=cohort.name,
                programme=cohort.programme,
                timezone=cohort.timezone,
                hr_channel_id=organisation.hr_channel_id,
                sessions=tuple(dates[n] for n in sorted(dates)),
                posted=posted,
                next_summary_at=_next_summary(cohort, dates, now),
                summary=summary,
                mark=mark,
            )
        )
    return found


def _posted(session: Session, organisation: Organisation) -> Posted | None:
    row = session.exec(
        select(SummaryPost)
        .where(SummaryPost.organisation_id == organisation.id, col(SummaryPost.posted_at).is_not(None))
        .order_by(col(SummaryPost.posted_at).desc(), col(SummaryPost.id).desc())
    ).first()
    if row is None or row.posted_at is None:
        return None
    return Posted(row.period, row.posted_at, row.channel_id)


def _next_summary(cohort: Cohort, dates: dict[int, date], now: datetime) -> datetime | None:
    """When the next scheduled summary is posted, if one is still to come."""
    steps = summary_steps(programme_by_id(cohort.programme))
    moments = [step_moment(step, dates, cohort.timezone) for step in steps if step.session in dates]
    later = [moment for moment in moments if moment > now]
    return min(later) if later else None
