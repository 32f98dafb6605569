"""A realistic cohort for HR summary tests: three organisations of 5, 9 and 2 mentors, filled in period by period.

Rows are written as the programme would have written them by each summary step: deliveries sent (answered or
not, with a decaying response rate), self-efficacy ratings at T0/T1/T2, experiments and their decisions, HR
meetings, and answers some mentors agreed HR may quote (one names a colleague and the organisation, to be scrubbed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.programmes import programme_by_id
from bot.programmes.model import SUMMARY_PERIODS, Step
from bot.programmes.timeline import step_moment
from bot.summaries.periods import period_steps, summary_steps
from storage.db import session_scope
from storage.models import (
    Answer,
    Cohort,
    Delivery,
    DeliveryStatus,
    Experiment,
    Goal,
    HrMeeting,
    Member,
    Organisation,
    ProgrammeSession,
    Role,
)
from tests.support.fake_slack import FakeSlack

TEAM = "T111"
DATES = (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8))
COACH, OTHER_COACH, ADMIN, OUTSIDER = "UCOACH", "UCOACHB", "UADMIN", "UOUTSIDER"
ORGANISATIONS = (  # name, HR user, HR channel, mentors, goals
    ("Verohallinto", "UHRVERO", "GHRVERO", 5, ("Asiantuntijaksi kasvaminen", "Vertaistuki arjessa")),
    ("Kela", "UHRKELA", "GHRKELA", 9, ("Muutosvalmius", "Yhdessä oppiminen")),
    ("Kirjasto", "UHRKIRJ", "GHRKIRJ", 2, ("Uudet palvelut",)),
)
QUOTES = (
    "Huomasin, että kysyminen kollegalta on nopein tapa oppia.",
    "Kokeilu lähti käyntiin pienestä: kymmenen minuuttia viikkopalaverissa.",
    "@anna.k neuvoi minua, ja Verohallinto tarjosi tilan — yhdessä se onnistui.",
    "Oma rooli mentorina selkeytyi, kun sain kertoa omasta oppimisestani.",
    "Tiimissä uskalletaan nyt kysyä enemmän.",
)


def mentor_id(org: int, index: int) -> str:
    return f"UM{org}{index:02d}"


def add_people(fake: FakeSlack) -> None:
    """Everyone in the cohort, plus an admin, an outsider and a coach of another cohort, and the HR channels."""
    fake.add_user(ADMIN, name="Ada Admin", locale="en-GB", is_admin=True)
    for user in (COACH, OTHER_COACH, OUTSIDER, "UHRMUU"):
        fake.add_user(user, name=user.title(), locale="en-GB")
    for number, (name, hr, channel, size, _) in enumerate(ORGANISATIONS):
        fake.add_user(hr, name=f"HR {name}", locale="en-GB")
        fake.add_channel(channel, name=f"hr-{name.lower()}")
        for index in range(size):
            fake.add_user(mentor_id(number, index), name=f"Mentor {number}-{index}", locale="fi-FI")
    fake.add_channel("CPUBLIC", name="general", is_private=False)
    fake.add_channel("GNOTIN", name="hr-closed", is_member=False)


@dataclass
class SummaryCohort:
    """The cohort's ids, and which periods have been filled in so far."""

    engine: Engine
    cohort_id: int
    other_cohort_id: int
    organisations: list[int]
    mentors: dict[str, int]  # Slack user id → member id
    filled: list[str] = field(default_factory=list)

    @property
    def programme(self) -> object:
        return programme_by_id("feeniks")

    def summary_step(self, period: str) -> Step:
        return next(step for step in summary_steps(programme_by_id("feeniks")) if step.period == period)

    def moment(self, period: str) -> datetime:
        """When the period's summary step is due (UTC)."""
        dates = dict(enumerate(DATES, start=1))
        return step_moment(self.summary_step(period), dates, "Europe/Helsinki").astimezone(UTC)

    def fill(self, period: str) -> None:
        """Write what happened up to this period's summary step (earlier periods first, each once)."""
        for earlier in SUMMARY_PERIODS[: SUMMARY_PERIODS.index(period) + 1]:
            if earlier not in self.filled:
                self._fill(earlier)
                self.filled.append(earlier)

    def _fill(self, period: str) -> None:
        programme = programme_by_id("feeniks")
        steps = [s for s in period_steps(programme, self.summary_step(period)) if not self._seeded(s.id)]
        dates = dict(enumerate(DATES, start=1))
        with session_scope(self.engine) as session:
            present = set(session.exec(select(Member.id)))  # an erased mentor gets nothing more
            ordered = [(user, member) for user, member in self.mentors.items() if member in present]
            for step in steps:
                index = programme.steps.index(step)
                at = step_moment(step, dates, "Europe/Helsinki").astimezone(UTC)
                threshold = {1: 9, 2: 7, 3: 6}[step.block]
                for j, (_, member_id) in enumerate(ordered):
                    answered = (j * 7 + index * 3) % 10 < threshold
                    delivery = Delivery(
                        team_id=TEAM,
                        cohort_id=self.cohort_id,
                        member_id=member_id,
                        step_id=step.id,
                        block=step.block,
                        due_at=at,
                        not_before=at,
                        sent_at=at,
                        status=DeliveryStatus.ANSWERED if answered else DeliveryStatus.SENT,
                    )
                    session.add(delivery)
                    session.flush()
                    if not answered:
                        continue
                    ratings = {item: _rating(step, j, n) for n, item in enumerate(step.items)} if step.items else {}
                    consent = step.kind in ("reflection", "followup") and (j + index) % 4 == 0
                    text = QUOTES[(j + index) % len(QUOTES)] if step.kind != "self_efficacy" else None
                    later = at + timedelta(hours=3)
                    session.add(
                        Answer(
                            team_id=TEAM,
                            delivery_id=delivery.id,
                            member_id=member_id,
                            text=text,
                            ratings=ratings,
                            consent_to_quote=consent and text is not None,
                            created_at=later,
                            updated_at=later,
                        )
                    )
            self._programme_life(session, period, ordered)

    def _seeded(self, step_id: str) -> bool:
        with Session(self.engine) as session:
            return session.exec(select(Delivery).where(Delivery.step_id == step_id)).first() is not None

    def _programme_life(self, session: Session, period: str, ordered: list[tuple[str, int]]) -> None:
        """HR meetings and experiments, as they would stand at each summary step."""
        goals: dict[int, list[int]] = {}
        for goal in session.exec(select(Goal)):
            goals.setdefault(goal.organisation_id, []).append(int(goal.id or 0))
        members = {m.id: m for m in session.exec(select(Member).where(Member.role == Role.MENTOR))}
        stage = SUMMARY_PERIODS.index(period)
        for j, (_, member_id) in enumerate(ordered):
            member = members[member_id]
            held = DATES[min(stage, 2)] - timedelta(days=10)
            if (j + stage) % 3 != 0:
                session.add(
                    HrMeeting(
                        team_id=TEAM,
                        member_id=member_id,
                        held_on=held,
                        notes="Yksityinen muistiinpano",
                        created_at=self.moment(period) - timedelta(days=1),
                    )
                )  # logged before the summary
            if stage == 1 and j % 6 != 5:
                org_goals = goals.get(int(member.organisation_id or 0), [])
                session.add(
                    Experiment(
                        team_id=TEAM,
                        member_id=member_id,
                        title=f"Kokeilu {j}",
                        goal_id=org_goals[j % len(org_goals)] if org_goals else None,
                        plan_when="Kun tiimi kokoontuu",
                        plan_then="kerron yhden opin",
                        status="running" if j % 3 else "planned",
                    )
                )
        if stage >= 2:
            for experiment in session.exec(select(Experiment)):
                j = int(experiment.title.split()[-1])
                if stage == 2:
                    experiment.status = ("done", "running", "dropped", "done")[j % 4]
                    experiment.decision = ("continue", None, "stop", "spread")[j % 4]
                else:
                    experiment.status = "dropped" if j % 4 == 2 else "done"
                    experiment.decision = ("continue", "spread", "stop", "spread")[j % 4]
                session.add(experiment)


def _rating(step: Step, j: int, n: int) -> int:
    base = 2 + (j + n) % 3
    lift = {"T0": 0, "T1": (j + n) % 2, "T2": 1 if (j + n) % 3 else 0}.get(step.checkpoint or "", 0)
    return min(5, base + lift)


def _member(language: str | None, **values: object) -> Member:
    return Member(team_id=TEAM, language=language, **values)


def build(engine: Engine, *, language: str = "fi", member_language: str | None = "en") -> SummaryCohort:
    """The cohort “Kevät 2027” (coached by COACH) with its three organisations, and another cohort (OTHER_COACH).

    Everyone has chosen ``member_language`` for their own messages, so replies can be read in one language while
    the posts are in the cohort's.
    """
    created = datetime(2026, 12, 1, tzinfo=UTC)
    with session_scope(engine) as session:
        cohort = Cohort(team_id=TEAM, name="Kevät 2027", language=language, created_at=created)
        other = Cohort(team_id=TEAM, name="Syksy 2027", language=language, created_at=created)
        session.add_all([cohort, other])
        session.flush()
        for number, day in enumerate(DATES, start=1):
            session.add(ProgrammeSession(team_id=TEAM, cohort_id=cohort.id, number=number, date=day))
            session.add(ProgrammeSession(team_id=TEAM, cohort_id=other.id, number=number, date=day))
        session.add(_member(member_language, cohort_id=cohort.id, user_id=COACH, role=Role.COACH, joined_at=created))
        session.add(
            _member(member_language, cohort_id=other.id, user_id=OTHER_COACH, role=Role.COACH, joined_at=created)
        )
        muu = Organisation(team_id=TEAM, cohort_id=other.id, name="Muu virasto", hr_channel_id="GHRMUU")
        session.add(muu)
        session.flush()
        session.add(
            _member(
                member_language,
                cohort_id=other.id,
                user_id="UHRMUU",
                role=Role.HR,
                organisation_id=muu.id,
                joined_at=created,
            )
        )
        organisations, mentors = [], {}
        for number, (name, hr, channel, size, goal_texts) in enumerate(ORGANISATIONS):
            organisation = Organisation(team_id=TEAM, cohort_id=cohort.id, name=name, hr_channel_id=channel)
            session.add(organisation)
            session.flush()
            organisations.append(int(organisation.id or 0))
            for position, text in enumerate(goal_texts, start=1):
                session.add(Goal(team_id=TEAM, organisation_id=organisation.id, text=text, position=position))
            session.add(
                _member(
                    member_language,
                    cohort_id=cohort.id,
                    user_id=hr,
                    role=Role.HR,
                    organisation_id=organisation.id,
                    joined_at=created,
                )
            )
            for index in range(size):
                member = _member(
                    member_language,
                    cohort_id=cohort.id,
                    user_id=mentor_id(number, index),
                    role=Role.MENTOR,
                    organisation_id=organisation.id,
                    joined_at=created,
                )
                session.add(member)
                session.flush()
                mentors[member.user_id] = int(member.id or 0)
        return SummaryCohort(engine, int(cohort.id or 0), int(other.id or 0), organisations, mentors)
