"""HR summaries: computed once per cohort and period, filtered by bot.privacy, stored, then posted or exported.

A summary is computed from the cohort's stored answers the first time anyone needs it for a period (a scheduled
post, `/mentori summary`, `/mentori export`). The figures HR may see, with the member ids behind each (never shown),
are stored in one SummaryPost row per organisation; asking again reads them back, so nothing is counted twice and
the next period's check over time (``shown_before``) knows exactly what HR has already seen.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.cohorts import Invalid
from bot.organisations import verify_hr_channel
from bot.privacy import (
    Cell,
    PrivacyPolicy,
    Quote,
    Withheld,
    explain_withheld,
    filter_cells,
    filter_quotes,
    median_and_spread,
)
from bot.programmes import programme_by_id
from bot.programmes.model import SUMMARY_PERIODS, Programme, Step
from bot.programmes.timeline import step_moment
from storage.db import session_scope
from storage.models import Cohort, CohortStatus, Goal, Organisation, ProgrammeSession, SummaryPost
from storage.summary_queries import OrganisationFigures, organisation_figures

log = logging.getLogger(__name__)

COHORT = "cohort"
FORMAT = 1  # version of the JSON stored in SummaryPost.figures


def org_group(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def person_key(member_id: int) -> str:
    """How a member id is stored in a figure's ``people`` (bot.forget replaces it when the person is erased)."""
    return f"m:{member_id}"


@dataclass(frozen=True)
class Figure:
    """A figure HR may see, with the people behind it (stored, never rendered)."""

    group: str
    metric: str
    value: Any
    respondents: int
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class Summary:
    """A cohort's privacy-filtered summary for one period; ``view`` narrows it to what one organisation's HR sees."""

    cohort_id: int
    cohort_name: str
    language: str
    programme: str
    period: str
    min_group: int
    computed_at: str
    steps: tuple[str, ...]  # the prompt steps the period covers, in programme order
    organisations: dict[str, str]  # group key → organisation name
    figures: tuple[Figure, ...]
    withheld: tuple[tuple[str, str, str], ...]  # (group, metric, reason)
    quotes: tuple[str, ...]

    def figure(self, group: str, metric: str) -> Figure | None:
        return next((f for f in self.figures if f.group == group and f.metric == metric), None)

    def view(self, group: str | None) -> Summary:
        """Only the cohort-wide figures and those of ``group`` (None: every group, for coaches)."""
        if group is None:
            return self
        keep = {COHORT, group}
        return Summary(
            self.cohort_id, self.cohort_name, self.language, self.programme, self.period, self.min_group,
            self.computed_at, self.steps, {k: v for k, v in self.organisations.items() if k == group},
            tuple(f for f in self.figures if f.group in keep),
            tuple(w for w in self.withheld if w[0] in keep),
            self.quotes,
        )  # fmt: skip

    def withheld_counts(self) -> dict[str, int]:
        """Withheld figures per reason code, in bot.privacy.REASONS order."""
        return explain_withheld([Withheld(g, m, r) for g, m, r in self.withheld])


# --- which period, which steps ----------------------------------------------------------------------------------------


def session_dates(session: Session, cohort: Cohort) -> dict[int, Any]:
    rows = session.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort.id))
    return {row.number: row.date for row in rows}


def summary_steps(programme: Programme) -> list[Step]:
    return [step for step in programme.steps if step.kind == "summary" and step.period in SUMMARY_PERIODS]


def current_period(session: Session, cohort: Cohort, now: datetime) -> Step | None:
    """The latest summary step whose moment (in the cohort's time zone) has passed, or None."""
    dates = session_dates(session, cohort)
    reached = [
        step
        for step in summary_steps(programme_by_id(cohort.programme))
        if step.session in dates and step_moment(step, dates, cohort.timezone) <= now
    ]
    return reached[-1] if reached else None


def next_period_moment(session: Session, cohort: Cohort) -> datetime | None:
    dates = session_dates(session, cohort)
    moments = [
        step_moment(step, dates, cohort.timezone)
        for step in summary_steps(programme_by_id(cohort.programme))
        if step.session in dates
    ]
    return min(moments) if moments else None


def period_label(programme_id: str, period: str, language: str) -> str:
    """The period's name as its summary step is labelled in the programme (e.g. "Summary for HR before session 2")."""
    for step in summary_steps(programme_by_id(programme_id)):
        if step.period == period:
            return step.label.get(language)
    return period


def period_steps(programme: Programme, summary_step: Step) -> list[Step]:
    """The prompt steps a period covers: those before its summary step in the programme."""
    index = programme.steps.index(summary_step)
    return [step for step in programme.steps[:index] if step.is_prompt]


def _since_previous(programme: Programme, summary_step: Step) -> list[Step]:
    """The prompt steps after the previous summary step: quotes are fresh in each post, never repeated."""
    index = programme.steps.index(summary_step)
    earlier = [i for i, step in enumerate(programme.steps[:index]) if step.kind == "summary"]
    start = earlier[-1] + 1 if earlier else 0
    return [step for step in programme.steps[start:index] if step.is_prompt]


# --- computing --------------------------------------------------------------------------------------------------------


def _people(ids: Iterable[int]) -> frozenset[str]:
    return frozenset(person_key(i) for i in ids)


def _union(figures: Iterable[OrganisationFigures], pick: Callable[[OrganisationFigures], set[int]]) -> set[int]:
    found: set[int] = set()
    for figure in figures:
        found |= pick(figure)
    return found


def _cells_for(
    group: str,
    parts: Sequence[OrganisationFigures],
    steps: Sequence[Step],
    checkpoints: Mapping[str, Step],
    goals: Mapping[int, str] | None,
) -> list[Cell]:
    """The raw cells of one group (the cohort: every organisation's figures together)."""
    mentors = _union(parts, lambda f: f.mentors)
    active = _union(parts, lambda f: f.active)
    cells = [Cell(group, "mentors", len(mentors), {"mentors": len(mentors), "active": len(active)}, _people(mentors))]
    for step in steps:
        sent = _union(parts, lambda f, s=step.id: f.sent.get(s, set()))
        answered = _union(parts, lambda f, s=step.id: f.answered.get(s, set()))
        cells.append(Cell(group, f"answers:{step.id}", len(sent), {"sent": len(sent), "answered": len(answered)},
                          _people(sent)))  # fmt: skip
    assignments = [step for step in steps if step.kind == "assignment"]
    if assignments:
        sent_any = _union(parts, lambda f: set().union(*(f.sent.get(s.id, set()) for s in assignments)))
        sent = sum(len(f.sent.get(s.id, set())) for f in parts for s in assignments)
        done = sum(len(f.answered.get(s.id, set())) for f in parts for s in assignments)
        cells.append(Cell(group, "assignments", len(sent_any), {"sent": sent, "done": done}, _people(sent_any)))
    met = _union(parts, lambda f: f.met_hr)
    meetings = sum(f.hr_meetings for f in parts)
    cells.append(Cell(group, "hr_meetings", len(mentors), {"mentors": len(met), "meetings": meetings},
                      _people(mentors)))  # fmt: skip
    runners = _union(parts, lambda f: f.experimenters)
    experiments: dict[str, Any] = {"mentors": len(runners), "status": {}, "decision": {}}
    for part in parts:
        for key, count in part.experiments.items():
            kind, value = key.split(":", 1)
            experiments[kind][value] = experiments[kind].get(value, 0) + count
    if goals is not None:  # goals belong to one organisation: by goal only in its own figures, never cohort-wide
        by_goal: dict[str, int] = {}
        for part in parts:
            for goal_id, count in part.experiments_by_goal.items():
                if goal_id in goals:
                    by_goal[goals[goal_id]] = by_goal.get(goals[goal_id], 0) + count
        experiments["goal"] = by_goal
    cells.append(Cell(group, "experiments", len(runners), experiments, _people(runners)))
    for checkpoint, step in checkpoints.items():
        raters = _union(parts, lambda f, s=step.id: f.raters.get(s, set()))
        items: dict[str, list[float]] = {}
        for item in step.items:
            values = [v for part in parts for v in part.ratings.get((step.id, item), [])]
            spread = median_and_spread(values)
            if spread is not None:
                items[item] = [round(x, 2) for x in spread]
        cells.append(Cell(group, f"se:{checkpoint}", len(raters), {"items": items}, _people(raters)))
    return cells


def compute_summary(
    session: Session, cohort: Cohort, summary_step: Step, *, policy: PrivacyPolicy, now: datetime,
    shown_before: Sequence[Cell] = (),
) -> Summary:  # fmt: skip
    """Count, filter and return the cohort's summary for the period of ``summary_step`` (stores nothing)."""
    programme = programme_by_id(cohort.programme)
    covered = period_steps(programme, summary_step)
    checkpoints = {step.checkpoint: step for step in covered if step.checkpoint}
    organisations = list(session.exec(
        select(Organisation).where(Organisation.cohort_id == cohort.id).order_by(col(Organisation.id))
    ))  # fmt: skip
    rating_steps = [step.id for step in checkpoints.values()]
    raw = organisation_figures(session, int(cohort.id or 0), [step.id for step in covered], rating_steps)
    fresh = {step.id for step in _since_previous(programme, summary_step)}
    quoted = organisation_figures(session, int(cohort.id or 0), sorted(fresh), []) if fresh else {}
    for organisation_id, figures in raw.items():
        figures.quotes = quoted[organisation_id].quotes if organisation_id in quoted else []
    everyone = list(raw.values())
    sent_steps = [step for step in covered if any(f.sent.get(step.id) for f in everyone)]
    goals = {
        goal.id: goal.text
        for goal in session.exec(select(Goal).where(col(Goal.organisation_id).in_([o.id for o in organisations])))
        if goal.id is not None
    }
    cells = _cells_for(COHORT, everyone, sent_steps, checkpoints, None)
    for organisation in organisations:
        part = raw.get(organisation.id, OrganisationFigures())
        own = {gid: text for gid, text in goals.items() if gid in part.experiments_by_goal}
        cells += _cells_for(org_group(int(organisation.id or 0)), [part], sent_steps, checkpoints, own)
    partition = {COHORT: [org_group(int(o.id or 0)) for o in organisations]}
    shown, withheld = filter_cells(cells, policy, partition=partition, shown_before=shown_before)
    people = {(c.group, c.metric): tuple(sorted(c.people or ())) for c in cells}
    figures = tuple(Figure(s.group, s.metric, s.value, s.respondents, people[s.group, s.metric]) for s in shown)
    active = _union(quoted.values(), lambda f: f.active)  # who could have written a quote
    texts = list(dict.fromkeys(text.strip() for f in everyone for text in f.quotes if text.strip()))
    quotes, quotes_withheld = filter_quotes(
        [Quote(text, True, COHORT) for text in texts], len(active), policy, names=[o.name for o in organisations]
    )
    return Summary(
        cohort_id=int(cohort.id or 0),
        cohort_name=cohort.name,
        language=cohort.language,
        programme=cohort.programme,
        period=str(summary_step.period),
        min_group=policy.min_group,
        computed_at=now.isoformat(),
        steps=tuple(step.id for step in sent_steps),
        organisations={org_group(int(o.id or 0)): o.name for o in organisations},
        figures=figures,
        withheld=tuple((w.group, w.metric, w.reason) for w in [*withheld, *quotes_withheld]),
        quotes=tuple(quotes),
    )


# --- storing once per period ------------------------------------------------------------------------------------------


def _payload(summary: Summary, group: str) -> dict[str, Any]:
    view = summary.view(group)
    return {
        "format": FORMAT,
        "cohort_name": summary.cohort_name,
        "language": summary.language,
        "programme": summary.programme,
        "min_group": summary.min_group,
        "computed_at": summary.computed_at,
        "steps": list(summary.steps),
        "organisation": summary.organisations.get(group),
        "figures": [
            {"group": f.group, "metric": f.metric, "value": f.value, "respondents": f.respondents,
             "people": list(f.people)}
            for f in view.figures
        ],
        "withheld": [list(w) for w in view.withheld],
        "quotes": list(summary.quotes),
    }


def _from_rows(cohort: Cohort, period: str, rows: Sequence[SummaryPost]) -> Summary:
    """Rebuild the period's summary from its stored rows (each holds the cohort figures and one organisation's)."""
    first = rows[0].figures
    figures: dict[tuple[str, str], Figure] = {}
    withheld: dict[tuple[str, str], str] = {}
    organisations: dict[str, str] = {}
    for row in rows:
        data = row.figures
        if data.get("organisation") is not None:
            organisations[org_group(row.organisation_id)] = data["organisation"]
        for f in data.get("figures", []):
            figures.setdefault((f["group"], f["metric"]), Figure(f["group"], f["metric"], f["value"], f["respondents"],
                                                                 tuple(f.get("people", ()))))  # fmt: skip
        for group, metric, reason in data.get("withheld", []):
            withheld.setdefault((group, metric), reason)
    return Summary(
        cohort_id=int(cohort.id or 0),
        cohort_name=str(first.get("cohort_name", cohort.name)),
        language=str(first.get("language", cohort.language)),
        programme=str(first.get("programme", cohort.programme)),
        period=period,
        min_group=int(first.get("min_group", 5)),
        computed_at=str(first.get("computed_at", "")),
        steps=tuple(first.get("steps", ())),
        organisations=organisations,
        figures=tuple(figures.values()),
        withheld=tuple((g, m, r) for (g, m), r in withheld.items()),
        quotes=tuple(first.get("quotes", ())),
    )


def stored_rows(session: Session, cohort: Cohort, period: str) -> list[SummaryPost]:
    return list(session.exec(
        select(SummaryPost).where(SummaryPost.cohort_id == cohort.id, SummaryPost.period == period)
        .order_by(col(SummaryPost.organisation_id))
    ))  # fmt: skip


def shown_before(session: Session, cohort: Cohort, period: str) -> list[Cell]:
    """Every figure stored for the cohort's earlier periods, as cells with their people."""
    earlier = SUMMARY_PERIODS[: SUMMARY_PERIODS.index(period)] if period in SUMMARY_PERIODS else ()
    rows = session.exec(
        select(SummaryPost).where(SummaryPost.cohort_id == cohort.id, col(SummaryPost.period).in_(earlier))
    )
    seen: dict[tuple[str, str, frozenset[str]], Cell] = {}
    for row in rows:
        for f in row.figures.get("figures", []):
            people = frozenset(f.get("people", ()))
            seen.setdefault((f["group"], f["metric"], people), Cell(f["group"], f["metric"], len(people), None, people))
    return list(seen.values())


def summary_for(
    session: Session, cohort: Cohort, summary_step: Step, *, policy: PrivacyPolicy, now: datetime
) -> Summary:
    """The period's summary: read back if it was computed before, else computed and stored (in the caller's
    transaction) for every organisation of the cohort."""
    period = str(summary_step.period)
    rows = stored_rows(session, cohort, period)
    if rows:
        summary = _from_rows(cohort, period, rows)
        _add_late_organisations(session, cohort, summary, {row.organisation_id for row in rows}, now)
        return summary
    summary = compute_summary(
        session, cohort, summary_step, policy=policy, now=now, shown_before=shown_before(session, cohort, period)
    )
    for group in summary.organisations:
        organisation_id = int(group.split(":", 1)[1])
        session.add(SummaryPost(team_id=cohort.team_id, cohort_id=int(cohort.id or 0), organisation_id=organisation_id,
                                period=period, figures=_payload(summary, group), created_at=now))  # fmt: skip
    session.flush()
    return summary


def _add_late_organisations(
    session: Session, cohort: Cohort, summary: Summary, stored: set[int], now: datetime
) -> None:
    """An organisation added after the period was counted gets the cohort-wide figures only, until the next period."""
    for organisation in session.exec(select(Organisation).where(Organisation.cohort_id == cohort.id)):
        if organisation.id is None or organisation.id in stored:
            continue
        group = org_group(organisation.id)
        summary.organisations[group] = organisation.name
        session.add(SummaryPost(team_id=cohort.team_id, cohort_id=int(cohort.id or 0), organisation_id=organisation.id,
                                period=summary.period, figures=_payload(summary, group), created_at=now))  # fmt: skip
    session.flush()


def ensure_summary(engine: Engine, cohort_id: int, *, policy: PrivacyPolicy, now: datetime) -> Summary | None:
    """The current period's summary of a cohort, computing and committing it if needed; None before the first one.

    If another process stores the same period at the same moment, its figures win and are read back.
    """
    for _ in range(2):
        try:
            with session_scope(engine) as session:
                cohort = session.get(Cohort, cohort_id)
                step = current_period(session, cohort, now) if cohort else None
                if cohort is None or step is None:
                    return None
                return summary_for(session, cohort, step, policy=policy, now=now)
        except IntegrityError:
            continue
    raise RuntimeError("summary could not be stored")


# --- posting ----------------------------------------------------------------------------------------------------------


@dataclass
class Posting:
    """What happened to one organisation's post."""

    organisation: str
    channel_id: str | None = None
    ts: str | None = None
    already: bool = False
    posted_at: datetime | None = None
    problem: Invalid | None = None


@dataclass
class PostResult:
    period: str | None
    postings: list[Posting] = field(default_factory=list)


def check_channel(session: Session, client: WebClient, organisation: Organisation) -> str:
    """The organisation's HR channel if Mentori may post there; Invalid (saying how to fix it) otherwise."""
    channel_id = organisation.hr_channel_id
    if not channel_id:
        raise Invalid("summary.error_no_channel", organisation=organisation.name)
    others = session.exec(
        select(Organisation).where(
            Organisation.team_id == organisation.team_id,
            Organisation.hr_channel_id == channel_id,
            Organisation.id != organisation.id,
        )
    )
    if any(other.name.strip().lower() != organisation.name.strip().lower() for other in others):
        raise Invalid("summary.error_channel_shared", organisation=organisation.name, channel=channel_id)
    return verify_hr_channel(client, channel_id, field=None).id


def post_summaries(
    engine: Engine, client: WebClient, cohort_id: int, organisation_ids: Sequence[int], *, policy: PrivacyPolicy,
    now: datetime,
) -> PostResult:  # fmt: skip
    """Post the current period's summary to each organisation's HR channel, once: a post already made is reported."""
    from bot.blocks.summary import summary_message

    summary = ensure_summary(engine, cohort_id, policy=policy, now=now)
    if summary is None:
        return PostResult(None)
    result = PostResult(summary.period)
    for organisation_id in organisation_ids:
        with session_scope(engine) as session:
            organisation = session.get(Organisation, organisation_id)
            row = session.exec(select(SummaryPost).where(
                SummaryPost.cohort_id == cohort_id, SummaryPost.organisation_id == organisation_id,
                SummaryPost.period == summary.period,
            ).with_for_update()).first()  # fmt: skip
            if organisation is None or row is None:
                continue
            posting = Posting(organisation.name)
            result.postings.append(posting)
            if row.message_ts:
                posting.channel_id, posting.ts, posting.already = row.channel_id, row.message_ts, True
                posting.posted_at = row.posted_at
                continue
            try:
                channel = check_channel(session, client, organisation)
            except Invalid as problem:
                posting.problem = problem
                continue
            message = summary_message(summary.view(org_group(organisation_id)), summary.language)
            try:
                response = client.chat_postMessage(channel=channel, text=message["text"], blocks=message["blocks"],
                                                   unfurl_links=False)  # fmt: skip
            except SlackApiError as error:
                code = error.response.get("error") if error.response is not None else None
                log.warning("summary post to %s failed: %s", channel, code)
                posting.problem = Invalid("organisations.error.channel_unreadable", error=str(code))
                continue
            row.channel_id, row.message_ts, row.posted_at = channel, str(response.get("ts")), now
            session.add(row)
            posting.channel_id, posting.ts = row.channel_id, row.message_ts
    return result


def post_due_summaries(engine: Engine, client_for: Callable[[str], WebClient], now: datetime,
                       *, policy: PrivacyPolicy | None = None) -> int:  # fmt: skip
    """For the scheduler: post every active cohort's current summary to the organisations not posted yet.

    Only the latest period reached is posted (after downtime, earlier ones are not sent late). Returns the number of
    posts made; a channel Mentori may not post to is logged and retried on the next run.
    """
    policy = policy or PrivacyPolicy()
    with Session(engine) as session:
        cohorts = list(session.exec(select(Cohort).where(Cohort.status == CohortStatus.ACTIVE)))
        due = []
        for cohort in cohorts:
            step = current_period(session, cohort, now)
            if step is None:
                continue
            posted = {row.organisation_id for row in stored_rows(session, cohort, str(step.period)) if row.message_ts}
            organisations = session.exec(select(Organisation.id).where(Organisation.cohort_id == cohort.id))
            missing = [int(o or 0) for o in organisations if o not in posted]
            if missing:
                due.append((cohort.team_id, int(cohort.id or 0), missing))
    made = 0
    for team_id, cohort_id, organisation_ids in due:
        result = post_summaries(engine, client_for(team_id), cohort_id, organisation_ids, policy=policy, now=now)
        for posting in result.postings:
            if posting.problem is not None:
                log.warning("summary for cohort %s, %s not posted: %s", cohort_id, posting.organisation,
                            posting.problem.key)  # fmt: skip
            elif not posting.already:
                made += 1
    return made


# --- export -----------------------------------------------------------------------------------------------------------

CSV_COLUMNS = ("cohort", "period", "group", "metric", "key", "value", "respondents", "withheld_reason")


def summary_csv(summary: Summary) -> str:
    """The shown figures as CSV, one value per row, then one row per withheld figure with its reason; no ids."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def name(group: str) -> str:
        return COHORT if group == COHORT else summary.organisations.get(group, group)

    for figure in summary.figures:
        for key, value in _flatten(figure.value):
            writer.writerow(_safe([summary.cohort_name, summary.period, name(figure.group), figure.metric, key, value,
                                   figure.respondents, ""]))  # fmt: skip
    for group, metric, reason in summary.withheld:
        writer.writerow(_safe([summary.cohort_name, summary.period, name(group), metric, "", "", "", reason]))
    for quote in summary.quotes:
        writer.writerow(_safe([summary.cohort_name, summary.period, COHORT, "quote", "", quote, "", ""]))
    return out.getvalue()


def _safe(row: list[Any]) -> list[Any]:
    """Keep a spreadsheet from running text that starts like a formula (names, goals and quotes are user text)."""
    return [f"'{v}" if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v for v in row]


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        rows: list[tuple[str, Any]] = []
        for key, inner in value.items():
            rows += _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(value, list):
        return [(prefix, "/".join(str(v) for v in value))]
    return [(prefix, value)]
