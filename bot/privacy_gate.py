"""The privacy gate: the only way programme data reaches anyone but the mentor it belongs to.

Every surface that shows programme data to someone else — HR posts and CSV exports, `/mentori status`, the coach's
and the HR contact's App Home, and any later one — names its audience and asks here:

- **HR of organisation X** get the cohort-wide figures and their own organisation's, each only when the people
  behind it reach the threshold (bot.privacy), and quotes written by their own organisation's mentors only;
- **coaches of cohort Y** (and **admins**) get every organisation's filtered figures and no quote at all — quotes
  are for the author's own HR — plus the cohort's participation, which mentors are told their coach sees;
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
from bot.privacy import PLACEHOLDER, PrivacyPolicy, scrub
from bot.status import CohortStatus, cohort_status, managed_cohorts
from bot.summaries.compute import names_to_scrub
from bot.summaries.export import summary_csv
from bot.summaries.model import Summary, org_group
from bot.summaries.store import ensure_summary
from storage.models import Answer, Cohort, Member, MemberStatus, Organisation, Role
from storage.models import CohortStatus as CohortState


class Kind(StrEnum):
    HR = "hr"
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
    def coaches(cls, cohort: Cohort) -> Audience:
        return cls(Kind.COACHES, int(cohort.id or 0))

    @classmethod
    def admin(cls, cohort: Cohort) -> Audience:
        return cls(Kind.ADMIN, int(cohort.id or 0))

    @property
    def group(self) -> str | None:
        """The organisation's group for HR; None (every group) for coaches and admins."""
        return org_group(self.organisation_id) if self.kind == Kind.HR and self.organisation_id else None


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


def coach_home_statuses(session: Session, actor: Actor, now: datetime) -> list[CohortStatus]:
    """For the coach's part of the App Home: each active cohort they manage, as its coaches may see it."""
    return [status_for(session, Audience.coaches(cohort), cohort, now) for cohort in managed_cohorts(session, actor)]


def hr_home_summaries(
    engine: Engine, team_id: str, user_id: str, *, policy: PrivacyPolicy, now: datetime
) -> list[Summary]:
    """For an HR contact's part of the App Home: the current summary of each organisation they are HR of, as its HR
    may see it in the HR channel; [] for everyone else and before the first summary step."""
    with Session(engine) as session:
        organisations = list(
            session.exec(
                select(Organisation)
                .join(Member, col(Member.organisation_id) == col(Organisation.id))
                .join(Cohort, col(Cohort.id) == col(Organisation.cohort_id))
                .where(
                    Member.team_id == team_id,
                    Member.user_id == user_id,
                    Member.role == Role.HR,
                    Member.status == MemberStatus.ACTIVE,
                    Cohort.status == CohortState.ACTIVE,
                )
                .order_by(col(Organisation.id))
            )
        )
    summaries = [summary_for(engine, Audience.hr(org), policy=policy, now=now) for org in organisations]
    return [summary for summary in summaries if summary is not None]


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
