"""The dashboard's only way to programme data: asked with an audience, it answers with plain view data.

An audience (bot.privacy_gate.Audience) is who is about to see the figures: the coaches of a cohort, an admin, or
the HR contacts of one organisation. Coaches and admins get their cohort's status (bot.status); HR get exactly what
the summary posted to their HR channel shows (the stored summaries, narrowed by bot.privacy_gate to their
organisation) and the same CSV as `/mentori export`. Quotes go to the author's own organisation's HR only, never
to coaches. Nothing here returns an answer's text, a rating or a person's id behind a summary figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot import privacy_gate
from bot.authz import load_actor
from bot.directory import SlackDirectory
from bot.peer_report import GroupsMet, PeerRound
from bot.privacy import PrivacyPolicy
from bot.privacy_gate import Audience, Kind, groups_met_for, peer_groups_for
from bot.programmes import Programme
from bot.programmes.timeline import step_moment
from bot.settings import Settings
from bot.status import BlockCounts, cohort_status, step_counts
from bot.summaries.export import summary_csv
from bot.summaries.model import COHORT, Summary, org_group
from bot.summaries.periods import period_label
from bot.summaries.store import ensure_summary, stored_summaries
from storage.models import Cohort, DeliveryStatus, Member, MemberStatus, Organisation, Role
from storage.models import CohortStatus as CohortState


class NotAllowed(LookupError):
    """The viewer may not see this page (or it does not exist: the two are not told apart)."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in person and what they may open: cohorts they coach (all, for admins), organisations they are HR of."""

    team_id: str
    user_id: str
    is_admin: bool = False
    coached: frozenset[int] = frozenset()
    hr: frozenset[tuple[int, int]] = frozenset()  # (cohort id, organisation id)

    @property
    def has_access(self) -> bool:
        return self.is_admin or bool(self.coached) or bool(self.hr)


def load_viewer(engine: Engine, settings: Settings, directory: SlackDirectory, team_id: str, user_id: str) -> Viewer:
    """What `user_id` of workspace `team_id` may open, from their active memberships and Slack's admin flags."""
    with Session(engine) as session:
        actor = load_actor(session, settings, directory, team_id, user_id)
        hr_rows = session.exec(
            select(col(Member.cohort_id), col(Member.organisation_id)).where(
                Member.team_id == team_id,
                Member.user_id == user_id,
                Member.role == Role.HR,
                Member.status == MemberStatus.ACTIVE,
                col(Member.organisation_id).is_not(None),
            )
        )
        hr = frozenset((int(cohort_id), int(org_id or 0)) for cohort_id, org_id in hr_rows)  # org_id is not null
    coached = frozenset(cohort_id for cohort_id in actor.roles if actor.holds(cohort_id, Role.COACH))
    return Viewer(team_id, user_id, actor.is_admin, coached, hr)


@dataclass(frozen=True)
class OrganisationLink:
    cohort_id: int
    id: int
    name: str
    cohort_name: str


@dataclass(frozen=True)
class CohortLink:
    id: int
    name: str
    archived: bool
    organisations: tuple[OrganisationLink, ...] = ()


@dataclass(frozen=True)
class Overview:
    """What a viewer may open: cohorts as a coach or admin, organisations as HR."""

    cohorts: tuple[CohortLink, ...]
    organisations: tuple[OrganisationLink, ...]


def overview(engine: Engine, viewer: Viewer) -> Overview:
    with Session(engine) as session:
        query = select(Cohort).where(Cohort.team_id == viewer.team_id)
        if not viewer.is_admin:
            query = query.where(col(Cohort.id).in_(sorted(viewer.coached) or [-1]))
        cohorts = list(session.exec(query.order_by(col(Cohort.status), col(Cohort.created_at), col(Cohort.id))))
        links = tuple(
            CohortLink(int(c.id or 0), c.name, c.status == CohortState.ARCHIVED, _organisations(session, c))
            for c in cohorts
        )
        hr_orgs = []
        for cohort_id, organisation_id in sorted(viewer.hr):
            cohort, organisation = session.get(Cohort, cohort_id), session.get(Organisation, organisation_id)
            if cohort and organisation and cohort.team_id == viewer.team_id:
                hr_orgs.append(OrganisationLink(cohort_id, organisation_id, organisation.name, cohort.name))
    return Overview(links, tuple(hr_orgs))


def _organisations(session: Session, cohort: Cohort) -> tuple[OrganisationLink, ...]:
    rows = session.exec(
        select(Organisation).where(Organisation.cohort_id == cohort.id).order_by(col(Organisation.name))
    )
    return tuple(OrganisationLink(int(cohort.id or 0), int(o.id or 0), o.name, cohort.name) for o in rows)


def cohort_audience(engine: Engine, viewer: Viewer, cohort_id: int) -> Audience:
    """The viewer as the cohort's coach or an admin; NotAllowed for everyone else, HR included."""
    with Session(engine) as session:
        cohort = session.get(Cohort, cohort_id)
        if cohort is None or cohort.team_id != viewer.team_id:
            raise NotAllowed(cohort_id)
    if cohort_id in viewer.coached:
        return Audience(Kind.COACHES, cohort_id)
    if viewer.is_admin:
        return Audience(Kind.ADMIN, cohort_id)
    raise NotAllowed(cohort_id)


def organisation_audience(engine: Engine, viewer: Viewer, cohort_id: int, organisation_id: int) -> Audience:
    """HR of this organisation, or the cohort's coaches and admins (who see every organisation's summary in Slack)."""
    with Session(engine) as session:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None or organisation.cohort_id != cohort_id or organisation.team_id != viewer.team_id:
            raise NotAllowed(organisation_id)
    if (cohort_id, organisation_id) in viewer.hr:
        return Audience(Kind.HR, cohort_id, organisation_id)
    manager = cohort_audience(engine, viewer, cohort_id)
    return Audience(manager.kind, cohort_id, organisation_id)


# -- coaches: a cohort's timeline and status ----------------------------------------------------------------------


@dataclass(frozen=True)
class StepRow:
    """One prompt step of the programme with its deliveries so far."""

    id: str
    label: str
    moment: datetime | None
    waiting: int = 0
    delivered: int = 0
    answered: int = 0
    skipped: int = 0
    failed: int = 0
    question: bool = True  # False for a kickoff: it asks nothing, so it has no answer rate

    @property
    def answer_rate(self) -> int | None:
        return round(100 * self.answered / self.delivered) if self.delivered and self.question else None


@dataclass(frozen=True)
class BlockView:
    number: int
    title: str
    date: Any
    started_at: datetime | None
    counts: BlockCounts
    steps: tuple[StepRow, ...]


@dataclass(frozen=True)
class BehindRow:
    user_id: str
    paused_until: Any = None


@dataclass(frozen=True)
class CohortView:
    """What a cohort's coaches (and admins) see: sessions and steps, figures per step, who is behind, failures."""

    id: int
    name: str
    timezone: str
    archived: bool
    now: datetime
    mentors: int
    blocks: tuple[BlockView, ...]
    behind: tuple[BehindRow, ...]
    organisations: tuple[OrganisationLink, ...] = field(default=())
    peers: PeerRound | None = None  # the newest cross-organisation peer groups and who met
    peers_met: GroupsMet | None = None


def cohort_view(engine: Engine, audience: Audience, language: str, now: datetime) -> CohortView:
    if audience.kind == Kind.HR:
        raise NotAllowed(audience.cohort_id)
    with Session(engine) as session:
        cohort = session.get(Cohort, audience.cohort_id)
        if cohort is None:
            raise NotAllowed(audience.cohort_id)
        status = cohort_status(session, cohort, now)
        per_step = step_counts(session, audience.cohort_id)
        organisations = _organisations(session, cohort)
        peers = peer_groups_for(session, audience, cohort)
        peers_met = groups_met_for(session, audience, cohort, policy=PrivacyPolicy())
    programme = status.programme
    dates = {line.number: line.date for line in status.sessions}
    blocks = []
    for line in status.sessions:
        steps = _step_rows(programme, line.number, dates, cohort.timezone, per_step, language)
        title = programme.session_info(line.number).title.get(language) if programme else str(line.number)
        blocks.append(BlockView(line.number, title, line.date, line.started_at, status.block(line.number), steps))
    return CohortView(
        id=audience.cohort_id, name=cohort.name, timezone=cohort.timezone, archived=status.archived, now=now,
        mentors=status.mentors, blocks=tuple(blocks),
        behind=tuple(BehindRow(b.user_id, b.paused_until) for b in status.behind), organisations=organisations,
        peers=peers, peers_met=peers_met,
    )  # fmt: skip


def _step_rows(
    programme: Programme | None, block: int, dates: dict[int, Any], tz: str, per_step: dict[str, Any], language: str
) -> tuple[StepRow, ...]:
    if programme is None:
        return ()
    rows = []
    for step in programme.steps_in_block(block):
        if not step.is_prompt:
            continue
        counts = per_step.get(step.id)
        moment = step_moment(step, dates, tz) if step.session in dates else None
        if counts is None:
            rows.append(StepRow(step.id, step.label.get(language), moment))
            continue
        rows.append(
            StepRow(
                step.id,
                step.label.get(language),
                moment,
                waiting=counts.count(DeliveryStatus.PLANNED) + counts.count(DeliveryStatus.SENDING),
                delivered=counts.delivered,
                answered=counts.count(DeliveryStatus.ANSWERED),
                skipped=counts.count(DeliveryStatus.SKIPPED),
                failed=counts.count(DeliveryStatus.FAILED),
                question=step.is_question,
            )
        )
    return tuple(rows)


# -- HR: an organisation's summaries over time ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    answered: int
    sent: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.answered / self.sent) if self.sent else None


@dataclass(frozen=True)
class PeriodView:
    """One summary period as the audience may see it; None where the figure was withheld."""

    period: str
    label: str
    computed_at: str
    mentors: tuple[int, int] | None  # (active, mentors) of the organisation
    rate: Rate | None  # the organisation's answers of sent, over the prompts of the period
    cohort_rate: Rate | None
    self_efficacy: dict[str, dict[str, float]]  # checkpoint → item → median, the organisation's
    assignments: tuple[int, int] | None  # (done, sent)
    hr_meetings: tuple[int, int] | None  # (mentors who met HR, meetings)
    experimenters: int | None  # mentors with an experiment
    withheld: dict[str, int]  # reason code → how many figures
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class OrganisationView:
    cohort_id: int
    cohort_name: str
    organisation_id: int
    name: str
    min_group: int
    periods: tuple[PeriodView, ...]


def _summaries(engine: Engine, audience: Audience, policy: PrivacyPolicy, now: datetime) -> list[Summary]:
    """The organisation's stored summaries, narrowed to what its HR post shows; the current period counted first."""
    if audience.organisation_id is None:
        raise NotAllowed(audience.cohort_id)
    ensure_summary(engine, audience.cohort_id, policy=policy, now=now)
    with Session(engine) as session:
        cohort = session.get(Cohort, audience.cohort_id)
        if cohort is None:
            raise NotAllowed(audience.cohort_id)
        summaries = stored_summaries(session, cohort)
    # coaches and admins: every organisation's figures and no quote (the gate), narrowed here to the page's one
    gate = audience if audience.kind == Kind.HR else Audience(audience.kind, audience.cohort_id)
    group = org_group(audience.organisation_id)
    return [privacy_gate.view(summary, gate).view(group) for summary in summaries]


def organisation_view(
    engine: Engine, audience: Audience, language: str, *, policy: PrivacyPolicy, now: datetime
) -> OrganisationView:
    summaries = _summaries(engine, audience, policy, now)
    with Session(engine) as session:
        cohort = session.get(Cohort, audience.cohort_id)
        organisation = session.get(Organisation, audience.organisation_id)
        assert cohort is not None and organisation is not None
        cohort_name, name = cohort.name, organisation.name
    group = org_group(int(audience.organisation_id or 0))
    periods = tuple(_period(summary, group, language) for summary in summaries)
    return OrganisationView(
        audience.cohort_id, cohort_name, int(audience.organisation_id or 0), name, policy.min_group, periods
    )


def _period(summary: Summary, group: str, language: str) -> PeriodView:
    mentors = summary.figure(group, "active")
    assignments = summary.figure(group, "assignments")
    meetings = summary.figure(group, "hr_meetings")
    experiments = summary.figure(group, "experiments")
    se: dict[str, dict[str, float]] = {}
    for figure in summary.figures:  # each statement on its own, counted over the people who rated it
        parts = figure.metric.split(":")
        if figure.group == group and parts[0] == "se" and len(parts) == 3 and isinstance(figure.value, list):
            se.setdefault(parts[1], {})[parts[2]] = float(figure.value[0])
    return PeriodView(
        period=summary.period,
        label=period_label(summary.programme, summary.period, language),
        computed_at=summary.computed_at,
        mentors=(int(mentors.value["active"]), int(mentors.value["mentors"])) if mentors else None,
        rate=_rate(summary, group),
        cohort_rate=_rate(summary, COHORT),
        self_efficacy=se,
        assignments=(int(assignments.value["done"]), int(assignments.value["sent"])) if assignments else None,
        hr_meetings=(int(meetings.value["mentors"]), int(meetings.value["meetings"])) if meetings else None,
        experimenters=int(experiments.value["mentors"]) if experiments else None,
        withheld=summary.withheld_counts(),
        quotes=tuple(quote.text for quote in summary.quotes),
    )


def _rate(summary: Summary, group: str) -> Rate | None:
    """Answered of sent over the period's prompts, from the shown figures only; None when every one was withheld."""
    shown = [f for f in summary.figures if f.group == group and f.metric.startswith("answers:")]
    if not shown:
        return None
    return Rate(sum(int(f.value["answered"]) for f in shown), sum(int(f.value["sent"]) for f in shown))


def organisation_csv(
    engine: Engine, audience: Audience, period: str, *, policy: PrivacyPolicy, now: datetime
) -> str | None:
    """The period's CSV as the audience may see it (the same as `/mentori export`); None for an unknown period."""
    for summary in _summaries(engine, audience, policy, now):
        if summary.period == period:
            return summary_csv(summary)
    return None
