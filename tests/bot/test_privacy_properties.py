"""Property tests of the privacy gate over random cohorts, on SQLite and PostgreSQL.

Each example builds a cohort — up to three organisations of 0–12 mentors (and perhaps a mentor without one), with
random answers, optional ratings, consents, experiments and HR meetings — and runs it through two or three summary
periods, with mentors leaving, being forgotten by an admin or deleting their own data in between. After every
period, every output for every audience is checked:

- HR of each organisation (post and CSV): every figure has at least ``min_group`` people behind it, counted for that
  very figure; no rate of 0 % or 100 %, and none that subtraction gives away; nothing a combination of the figures
  shown (in this period and, for repeated states, earlier ones) isolates about fewer than ``min_group`` people;
  quotes only from the organisation's own mentors, to prompts enough of them answered, without a name of anyone in
  the cohort;
- coaches (CSV, post, `status`, the App Home): every organisation's filtered figures and no quote at all;
- nobody, in any output or any table, gets a word written by a person who was erased before.

Each example uses its own workspace, so no database needs emptying between examples.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

from bot import privacy_gate
from bot.authz import Actor
from bot.blocks.status import cohort_status_blocks
from bot.blocks.summary import summary_message
from bot.data_rights import erase_person
from bot.forget import forget_person
from bot.i18n import t
from bot.privacy import PrivacyPolicy
from bot.privacy_gate import Audience, Kind
from bot.programmes import programme_by_id
from bot.programmes.model import SUMMARY_PERIODS, Step
from bot.programmes.timeline import step_moment
from bot.summaries.export import summary_csv
from bot.summaries.model import COHORT, Summary, org_group
from bot.summaries.periods import since_previous, summary_steps
from bot.summaries.store import ensure_summary, stored_rows
from bot.surfaces.home import coach_home_blocks
from storage.db import session_scope
from storage.models import (
    Answer,
    Cohort,
    Delivery,
    DeliveryStatus,
    Experiment,
    HrMeeting,
    Member,
    MemberStatus,
    Organisation,
    ProgrammeSession,
    Role,
    SlackUser,
)
from tests.bot.test_privacy import leaks
from tests.support.csv_export import export_rows

PROGRAMME = programme_by_id("feeniks")
DATES = {1: date(2027, 1, 11), 2: date(2027, 2, 8), 3: date(2027, 3, 8)}
FIRST = ("Aino", "Eero", "Kaisu", "Veikko", "Helmi", "Onni", "Tyyne", "Urho")
LAST = ("Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Hämäläinen", "Laaksonen")
RATES = {"answers": ("answered", "sent"), "assignments": ("done", "sent"), "active": ("active", "mentors"),
         "hr_meetings": ("mentors", "mentors")}  # fmt: skip
_examples = itertools.count()


@dataclass
class Spec:
    """One random cohort and what happens to it."""

    sizes: list[int]
    loose: int  # mentors without an organisation
    seed: int
    min_group: int
    periods: int
    # after period n (1-based), mentor indices that leave / are forgotten / delete their own data
    leave: dict[int, set[int]] = field(default_factory=dict)
    forget: dict[int, set[int]] = field(default_factory=dict)
    delete: dict[int, set[int]] = field(default_factory=dict)


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    sizes = draw(st.lists(st.integers(0, 12), min_size=1, max_size=3))
    loose = draw(st.integers(0, 1))
    total = sum(sizes) + loose
    periods = draw(st.integers(2, 3))
    events = st.sets(st.integers(0, max(total - 1, 0)), max_size=2) if total else st.just(set())
    spec = Spec(sizes, loose, draw(st.integers(0, 2**16)), draw(st.sampled_from([3, 5])), periods)
    for n in range(1, periods):
        spec.leave[n], spec.forget[n], spec.delete[n] = draw(events), draw(events), draw(events)
    return spec


@dataclass
class World:
    """The cohort as seeded: ids, and who wrote what."""

    team: str
    cohort_id: int
    organisations: list[int]
    members: list[int]  # member id per mentor index
    users: list[str]
    organisation_of: dict[str, int | None] = field(default_factory=dict)  # person key → organisation id
    names: dict[int, set[str]] = field(default_factory=dict)  # member id → their Slack names
    erased_marks: set[str] = field(default_factory=set)  # markers in the texts of erased people
    marks: dict[int, set[str]] = field(default_factory=dict)  # member id → markers in their texts
    gone: set[int] = field(default_factory=set)  # member ids no longer active

    def known_names(self) -> set[str]:
        """The names of everyone in the cohort Mentori still knows (an erased person's profile is gone)."""
        erased = {member for member, user in zip(self.members, self.users, strict=True) if not user}
        return set().union(*(names for member, names in self.names.items() if member not in erased))


def summary_step(period: str) -> Step:
    return next(step for step in summary_steps(PROGRAMME) if step.period == period)


def moment(period: str):
    return step_moment(summary_step(period), DATES, "Europe/Helsinki").astimezone(UTC)


def seed_cohort(engine: Engine, spec: Spec) -> World:
    """The cohort, its organisations and mentors, each with a Slack name (some names shared, as in real life)."""
    number = next(_examples)
    team = f"TP{number:05d}"
    rng = random.Random(spec.seed)
    with session_scope(engine) as session:
        cohort = Cohort(team_id=team, name=f"Prop {number}", language="en")
        session.add(cohort)
        session.flush()
        for n, day in DATES.items():
            session.add(ProgrammeSession(team_id=team, cohort_id=cohort.id, number=n, date=day))
        organisations = []
        for i in range(len(spec.sizes)):
            organisation = Organisation(team_id=team, cohort_id=cohort.id, name=f"Agency {chr(65 + i)}")
            session.add(organisation)
            session.flush()
            organisations.append(int(organisation.id or 0))
        world = World(team, int(cohort.id or 0), organisations, [], [])
        placement = [o for o, size in zip(organisations, spec.sizes, strict=True) for _ in range(size)]
        for index, organisation_id in enumerate([*placement, *[None] * spec.loose]):
            user = f"UP{number:05d}{index:02d}"
            member = Member(
                team_id=team, cohort_id=cohort.id, user_id=user, role=Role.MENTOR, organisation_id=organisation_id
            )
            session.add(member)
            session.flush()
            first, last = rng.choice(FIRST), rng.choice(LAST)
            session.add(SlackUser(team_id=team, user_id=user, real_name=f"{first} {last}", display_name=first.lower()))
            world.names[int(member.id or 0)] = {first, last}
            world.members.append(int(member.id or 0))
            world.users.append(user)
            world.organisation_of[f"m:{member.id}"] = organisation_id
        session.add(Member(team_id=team, cohort_id=cohort.id, user_id=f"UC{number:05d}", role=Role.COACH))
    return world


def fill_period(engine: Engine, world: World, spec: Spec, period: str) -> None:
    """What the active mentors did in the period: prompts sent and answered, ratings, quotes, meetings, experiments."""
    rng = random.Random(f"{spec.seed}:{period}")
    steps = since_previous(PROGRAMME, summary_step(period))
    chosen = [s for s in steps if s.checkpoint] + [s for s in steps if not s.checkpoint][:3]
    stage = SUMMARY_PERIODS.index(period)
    with session_scope(engine) as session:
        for index, member_id in enumerate(world.members):
            if member_id in world.gone:
                continue
            keen = random.Random(f"{spec.seed}:{index}").random()  # how often this mentor answers
            for step in chosen:
                at = step_moment(step, DATES, "Europe/Helsinki").astimezone(UTC)
                answered = rng.random() < keen
                ts = f"{1800000000 + stage}.{index:03d}{step.days}"
                delivery = Delivery(
                    team_id=world.team,
                    cohort_id=world.cohort_id,
                    member_id=member_id,
                    step_id=step.id,
                    block=step.block,
                    due_at=at,
                    not_before=at,
                    sent_at=at,
                    status=DeliveryStatus.ANSWERED if answered else DeliveryStatus.SENT,
                    channel_id=f"D{index}",
                    message_ts=ts,
                )
                session.add(delivery)
                session.flush()
                if not answered:
                    continue
                ratings = {item: rng.randint(1, 5) for item in step.items if rng.random() < 0.7}
                mark = f"Zq{member_id}x{delivery.id}"
                colleague = rng.choice([*FIRST, *LAST])
                text = f"{mark} learned with {colleague} at Agency A, see www.example.fi or 040 123 4567"
                world.marks.setdefault(member_id, set()).add(mark)
                session.add(
                    Answer(
                        team_id=world.team,
                        delivery_id=delivery.id,
                        member_id=member_id,
                        text=text,
                        ratings=ratings,
                        consent_to_quote=rng.random() < 0.6,
                    )
                )
            if rng.random() < 0.5:
                held = DATES[min(stage + 1, 3)] - timedelta(days=3)
                session.add(
                    HrMeeting(
                        team_id=world.team,
                        member_id=member_id,
                        held_on=held,
                        notes="private",
                        created_at=moment(period) - timedelta(days=1),
                    )
                )
            if stage >= 1 and rng.random() < 0.7:
                session.add(
                    Experiment(
                        team_id=world.team,
                        member_id=member_id,
                        title=f"Zq{member_id} plan",
                        status=rng.choice(["planned", "running", "done", "dropped"]),
                        decision=rng.choice([None, "continue", "spread", "stop"]),
                    )
                )


def change_membership(engine: Engine, world: World, spec: Spec, after: int) -> None:
    """Leavers leave; some are forgotten by an admin, some delete their own data."""
    now = moment(SUMMARY_PERIODS[after - 1]) + timedelta(days=1)
    for index in sorted(spec.leave.get(after, set())):
        with session_scope(engine) as session:
            member = session.get(Member, world.members[index])
            if member is not None and member.status == MemberStatus.ACTIVE:
                member.status = MemberStatus.LEFT
                session.add(member)
        world.gone.add(world.members[index])
    for how, erase in (("forget", forget_person), ("delete", erase_person)):
        for index in sorted(getattr(spec, how).get(after, set())):
            member_id = world.members[index]
            if member_id in world.gone and world.users[index] == "":
                continue
            with session_scope(engine) as session:
                erase(session, team_id=world.team, user_id=world.users[index], now=now)
            world.gone.add(member_id)
            world.erased_marks |= world.marks.get(member_id, set())
            world.users[index] = ""


# --- what is checked --------------------------------------------------------------------------------------------------


def text_of(node: object) -> str:
    return json.dumps(node, ensure_ascii=False)


def check_figures(summary: Summary, world: World, min_group: int) -> None:
    """Every figure of a summary (already narrowed to an audience): enough people, no unanimous or derivable rate."""
    for figure in summary.figures:
        assert figure.respondents >= min_group and len(set(figure.people)) == figure.respondents, figure
        kind = figure.metric.split(":")[0]
        if kind in RATES:
            did, of = (figure.value[key] for key in RATES[kind])
            of = figure.respondents if kind == "hr_meetings" else of
            assert 0 < did < of, figure
    for metric in {f.metric for f in summary.figures}:
        shown = [f for f in summary.figures if f.metric == metric]
        everyone = set().union(*(set(f.people) for f in shown))
        rows = [frozenset(f.people) for f in shown]
        assert not person_leaks(rows, everyone, min_group), metric
        kind = metric.split(":")[0]
        whole = summary.figure(COHORT, metric)
        parts = [f for f in shown if f.group != COHORT]
        if kind in RATES and whole is not None and parts:
            did = whole.value[RATES[kind][0]] - sum(f.value[RATES[kind][0]] for f in parts)
            of_key = RATES[kind][1]
            of = (
                whole.respondents - sum(f.respondents for f in parts)
                if kind == "hr_meetings"
                else whole.value[of_key] - sum(f.value[of_key] for f in parts)
            )
            assert of == 0 or 0 < did < of, (metric, did, of)


def person_leaks(rows: Sequence[frozenset[str]], everyone: Iterable[str], min_group: int) -> list[frozenset[str]]:
    """Sets of fewer than min_group people that some combination of the shown figures isolates."""
    classes: dict[tuple[int, ...], set[str]] = {}
    for person in sorted(everyone):
        classes.setdefault(tuple(i for i, row in enumerate(rows) if person in row), set()).add(person)
    name = {person: f"a{i}" for i, members in enumerate(classes.values()) for person in members}
    weights = {f"a{i}": len(members) for i, members in enumerate(classes.values())}
    return leaks([frozenset(name[p] for p in row) for row in rows], weights, min_group)


def check_quotes(summary: Summary, world: World, engine: Engine, organisation_id: int, min_group: int) -> None:
    """Quotes only of the organisation's own mentors, to prompts enough of them answered, and without names."""
    for quote in summary.quotes:
        assert quote.group == org_group(organisation_id)
        assert all(world.organisation_of[author] == organisation_id for author in quote.authors)
        with Session(engine) as session:
            answered = session.exec(
                select(Delivery.member_id)
                .join(Member, col(Member.id) == col(Delivery.member_id))
                .where(
                    Delivery.step_id == quote.prompt,
                    Delivery.status == DeliveryStatus.ANSWERED,
                    Delivery.cohort_id == world.cohort_id,
                    Member.organisation_id == organisation_id,
                )
            ).all()
        assert len(set(answered)) >= min_group, quote
        words = set(re.findall(r"\w+", quote.text))
        assert not words & world.known_names(), quote.text
        assert "Agency" not in quote.text and "example" not in quote.text and "4567" not in quote.text


def check_raters(summary: Summary, world: World, engine: Engine, period: str) -> None:
    """A statement's figure counts exactly the people who rated that statement (checked in the period it is counted)."""
    checkpoints = {
        step.checkpoint: step.id for step in since_previous(PROGRAMME, summary_step(period)) if step.checkpoint
    }
    with Session(engine) as session:
        rows = session.exec(
            select(Member.id, Member.organisation_id, Delivery.step_id, Answer.ratings)
            .join(Delivery, col(Delivery.id) == col(Answer.delivery_id))
            .join(Member, col(Member.id) == col(Answer.member_id))
            .where(Delivery.cohort_id == world.cohort_id, Member.status == MemberStatus.ACTIVE)
        ).all()
    for figure in summary.figures:
        if not figure.metric.startswith("se:") or figure.metric.split(":")[1] not in checkpoints:
            continue
        _, checkpoint, item = figure.metric.split(":")
        raters = {
            f"m:{member}"
            for member, organisation, step, ratings in rows
            if step == checkpoints[checkpoint]
            and item in (ratings or {})
            and (figure.group == COHORT or org_group(organisation or 0) == figure.group)
        }
        assert set(figure.people) == raters, figure


def check_no_erased_words(outputs: Iterable[str], world: World) -> None:
    for output in outputs:
        found = [mark for mark in world.erased_marks if mark in output]
        assert not found, found


def outputs_for(engine: Engine, world: World, spec: Spec, period: str, now, *, fresh: bool = True) -> list[str]:
    """Every output of the current period for every audience, checked on the way; returned for the erasure check.

    ``fresh``: the period was counted just now, so the answers its quotes needed are all still in the database.
    """
    policy = PrivacyPolicy(min_group=spec.min_group)
    texts = []
    for organisation_id in world.organisations:
        audience = Audience(Kind.HR, world.cohort_id, organisation_id)
        summary = privacy_gate.summary_for(engine, audience, policy=policy, now=now)
        assert summary is not None
        check_figures(summary, world, spec.min_group)
        check_quotes(summary, world, engine, organisation_id, spec.min_group if fresh else 0)
        if fresh:
            check_raters(summary, world, engine, period)
        assert {f.group for f in summary.figures} <= {COHORT, org_group(organisation_id)}
        post = text_of(summary_message(summary, "en"))
        table = summary_csv(summary)
        for row in export_rows(table, summary.language):
            if row["value"] and row["figure"] != t(summary.language, "summary.csv.metric_quote"):
                assert int(row["respondents"]) >= spec.min_group, row
        assert not re.search(r"\b(\d+) of \1\b|\b0 of \d+", post), "a rate of 0 % or 100 % reached HR"
        texts += [post, table]
    for kind in (Kind.COACHES, Kind.ADMIN):
        audience = Audience(kind, world.cohort_id)
        summary = privacy_gate.summary_for(engine, audience, policy=policy, now=now)
        assert summary is not None and summary.quotes == ()
        check_figures(summary, world, spec.min_group)
        texts += [text_of(summary_message(summary, "en")), summary_csv(summary)]
    with Session(engine) as session:
        cohort = session.get(Cohort, world.cohort_id)
        status = privacy_gate.status_for(session, Audience(Kind.COACHES, world.cohort_id), cohort, now)
        actor = Actor(world.team, f"UC{world.team[2:]}", roles={world.cohort_id: frozenset({"coach"})})
        home = coach_home_blocks(session, actor, "en", now)
    coach_texts = [text_of(cohort_status_blocks(status, "en", "Europe/Helsinki")), text_of(home)]
    for text in coach_texts:
        assert "Zq" not in text, "no answer or experiment text reaches the coach"
    return [*texts, *coach_texts]


def check_tables(engine: Engine, world: World) -> None:
    """No row of any table holds a word of an erased person."""
    with Session(engine) as session:
        for table in SQLModel.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                check_no_erased_words([json.dumps(dict(row), default=str)], world)


PROPERTIES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # a failure prints its cohort; shrinking it would take many minutes
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTIES
@given(spec=specs())
def test_every_audience_sees_only_what_the_promise_allows(engine: Engine, spec: Spec) -> None:
    world = seed_cohort(engine, spec)
    policy = PrivacyPolicy(min_group=spec.min_group)
    for number, period in enumerate(SUMMARY_PERIODS[: spec.periods], start=1):
        fill_period(engine, world, spec, period)
        now = moment(period)
        assert ensure_summary(engine, world.cohort_id, policy=policy, now=now) is not None
        outputs = outputs_for(engine, world, spec, period, now)
        check_no_erased_words(outputs, world)
        for earlier in SUMMARY_PERIODS[:number]:  # re-reading an earlier period shows no erased words either
            again = outputs_for(engine, world, spec, earlier, moment(earlier) + timedelta(hours=1), fresh=False)
            check_no_erased_words(again, world)
        if number < spec.periods:
            change_membership(engine, world, spec, number)
            check_tables(engine, world)
    check_over_time(engine, world, spec.min_group)


def check_over_time(engine: Engine, world: World, min_group: int) -> None:
    """Figures measured again each period (experiments) never isolate a small set of people when put together."""
    with Session(engine) as session:
        cohort = session.get(Cohort, world.cohort_id)
        rows = [row for period in SUMMARY_PERIODS for row in stored_rows(session, cohort, period)]
    figures = [f for row in rows for f in row.figures.get("figures", [])]
    for metric in {f["metric"] for f in figures if f["metric"].startswith(("experiments", "answers:", "se:"))}:
        shown = list({frozenset(f["people"]) for f in figures if f["metric"] == metric})
        assert not person_leaks(shown, set().union(*shown), min_group), metric


@pytest.mark.parametrize("size", [5, 6])
def test_a_tiny_example_runs_in_both_directions(engine: Engine, size: int) -> None:
    """A fixed cohort through the same checks, so a failure here is easy to read."""
    spec = Spec([size, 12, 2], 1, 7, 5, 3, leave={1: {0}}, forget={1: {6}}, delete={2: {7}})
    test_every_audience_sees_only_what_the_promise_allows.hypothesis.inner_test(engine, spec)
