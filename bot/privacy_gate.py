"""The privacy gate: the only way programme data reaches anyone but the mentor it belongs to.

Every surface that shows programme data to someone else — HR posts and CSV exports, `/mentori status`, the coach's
and the HR contact's App Home, and any later one — names its audience and asks here:

- **HR of organisation X** get the cohort-wide figures and their own organisation's, each only when the people
  behind it reach the threshold (bot.privacy), and quotes written by their own organisation's mentors only;
- **coaches of cohort Y** (and **admins**) get every organisation's filtered figures and no quote at all — quotes
  are for the author's own HR — plus the cohort's participation, which mentors are told their coach sees;
- **the coaches reviewing organisation X's draft** (``Audience.review``) get exactly what HR of X would get, its
  quotes included, and nothing more (bot.summaries.review);
- nobody but the mentor gets an answer's text, a rating, an experiment plan or an HR-meeting note.

A mentor who lets HR quote an answer sees here (``quote_preview``) exactly the text HR may get.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.authz import Actor, Refused, organisations_visible_to
from bot.peer_report import GroupsMet, PeerRound, current_round, groups_met
from bot.privacy import PLACEHOLDER, PrivacyPolicy, scrub
from bot.status import CohortStatus, cohort_status, managed_cohorts
from bot.summaries.compute import names_to_scrub
from bot.summaries.export import summary_csv
from bot.summaries.model import ReviewMark, Summary, org_group
from bot.summaries.review import mark_of, reviewed
from bot.summaries.store import ensure_summary, period_summary
from storage.models import Answer, Cohort, Member, Organisation, Role, SummaryPost


class Kind(StrEnum):
    HR = "hr"
    REVIEW = "review"  # the cohort's coaches reviewing one organisation's draft: exactly what its HR would get
    COACHES = "coaches"
    ADMIN = "admin"


@dataclass(frozen=True)
class Audience:
    """Who is about to see programme data: HR of one organisation, or the coaches (or an admin) of one cohort."""

    kind: Kind
    cohort_id: int
    organisation_id: int | None = None

    @classmethod
    def hr(cls, organisation: Organisation) -> Audience:
        return cls(Kind.HR, int(organisation.cohort_id), int(organisation.id or 0))

    @classmethod
    def review(cls, organisation: Organisation) -> Audience:
        return cls(Kind.REVIEW, int(organisation.cohort_id), int(organisation.id or 0))

    @classmethod
    def coaches(cls, cohort: Cohort) -> Audience:
        return cls(Kind.COACHES, int(cohort.id or 0))

    @classmethod
    def admin(cls, cohort: Cohort) -> Audience:
        return cls(Kind.ADMIN, int(cohort.id or 0))

    @property
    def group(self) -> str | None:
        """The organisation's group for HR and its draft's review; None (every group) for coaches and admins."""
        if self.kind in (Kind.HR, Kind.REVIEW) and self.organisation_id:
            return org_group(self.organisation_id)
        return None


def audiences_of(session: Session, actor: Actor, cohort: Cohort) -> list[Audience]:
    """The audiences the actor belongs to for this cohort: its coaches (or admin), or HR of their organisations."""
    if actor.may_manage(cohort):
        coach = actor.holds(cohort.id, Role.COACH)
        return [Audience.coaches(cohort) if coach or not actor.is_admin else Audience.admin(cohort)]
    return [Audience.hr(organisation) for organisation in organisations_visible_to(session, actor, cohort)]


def view(summary: Summary, audience: Audience) -> Summary:
    """What the audience may see of a summary computed (and filtered) for the whole cohort."""
    if summary.cohort_id != audience.cohort_id:
        raise Refused("authz.hr_or_coach_only", cohort=summary.cohort_name)
    return summary.view(audience.group)


def summary_for(engine: Engine, audience: Audience, *, policy: PrivacyPolicy, now: datetime) -> Summary | None:
    """The current period's summary as the audience may see it; None before the first summary step."""
    summary = ensure_summary(engine, audience.cohort_id, policy=policy, now=now)
    return view(summary, audience) if summary is not None else None


def csv_for(engine: Engine, audience: Audience, *, policy: PrivacyPolicy, now: datetime) -> tuple[str, str] | None:
    """(period, CSV text) of the current period as the audience may see it; None before the first summary step."""
    summary = summary_for(engine, audience, policy=policy, now=now)
    return (summary.period, summary_csv(summary)) if summary is not None else None


def status_for(session: Session, audience: Audience, cohort: Cohort, now: datetime) -> CohortStatus:
    """The cohort's status (participation per session block, who is behind): for its coaches and admins only."""
    if audience.kind == Kind.HR or audience.cohort_id != cohort.id:
        raise Refused("authz.coaches_only", cohort=cohort.name)
    return cohort_status(session, cohort, now)


def peer_groups_for(session: Session, audience: Audience, cohort: Cohort) -> PeerRound:
    """The cohort's newest peer groups and each member's "Did you meet?" answer: for its coaches and admins only
    (mentors are told their coach sees whether they met). What a mentor learned is never shown to anyone."""
    if audience.kind == Kind.HR or audience.cohort_id != cohort.id:
        raise Refused("authz.coaches_only", cohort=cohort.name)
    return current_round(session, cohort)


def groups_met_for(session: Session, audience: Audience, cohort: Cohort, *, policy: PrivacyPolicy) -> GroupsMet | None:
    """ "Groups that met: x of y", cohort-wide. HR get it only when at least `min_group` people are behind it and
    neither every group nor none met (which would tell what each person did); in HR posts it passes the summary's
    filter instead (bot.summaries.compute)."""
    if audience.cohort_id != cohort.id:
        raise Refused("authz.hr_or_coach_only", cohort=cohort.name)
    figure = groups_met(session, cohort)
    if figure is None or audience.kind != Kind.HR:
        return figure
    if len(figure.people) < policy.min_group or figure.met in (0, figure.groups):
        return None
    return figure


def coach_home_statuses(session: Session, actor: Actor, now: datetime) -> list[CohortStatus]:
    """For the coach's part of the App Home: each active cohort they manage, as its coaches may see it."""
    return [status_for(session, Audience.coaches(cohort), cohort, now) for cohort in managed_cohorts(session, actor)]


def latest_post(session: Session, organisation: Organisation) -> tuple[Summary, ReviewMark] | None:
    """The organisation's latest posted summary exactly as its HR got it: its view, less the quotes the coaches took
    out, with the review's mark; None before a first post. Never the live figures: a draft not yet approved, or a
    quote a coach removed, must not reach HR by another way."""
    row = session.exec(
        select(SummaryPost)
        .where(SummaryPost.organisation_id == organisation.id, col(SummaryPost.message_ts).is_not(None))
        .order_by(col(SummaryPost.posted_at).desc(), col(SummaryPost.id).desc())
    ).first()
    summary = period_summary(session, organisation.cohort_id, row.period) if row else None
    if row is None or summary is None:
        return None
    return reviewed(view(summary, Audience.hr(organisation)), row), mark_of(row)


def quote_preview(session: Session, answer: Answer) -> str | None:
    """Exactly the text HR may be shown of this answer, if its author lets HR quote it; None otherwise.

    Whether it is shown at all also depends on how many people of the organisation answer the prompt, which is
    known only when the summary is counted.
    """
    if not answer.consent_to_quote or not (answer.text or "").strip():
        return None
    member = session.get(Member, answer.member_id)
    if member is None or member.organisation_id is None:
        return None
    text = scrub(answer.text or "", names_to_scrub(session, member.cohort_id))
    return text if text and text != PLACEHOLDER else None
