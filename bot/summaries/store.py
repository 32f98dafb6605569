"""Each period is counted once: its figures are stored per organisation and read back on every later request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.privacy import Cell, PrivacyPolicy
from bot.programmes.model import SUMMARY_PERIODS, Step
from bot.summaries.compute import Carried, compute_summary, is_event_metric
from bot.summaries.model import FORMAT, Figure, SharedQuote, Summary, org_group
from bot.summaries.periods import INTERIM, current_period, earlier_periods, first_period
from storage.db import session_scope
from storage.models import Cohort, Delivery, Organisation, SummaryPost


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
            {
                "group": f.group,
                "metric": f.metric,
                "value": f.value,
                "respondents": f.respondents,
                "people": list(f.people),
            }
            for f in view.figures
        ],
        "withheld": [list(w) for w in view.withheld],
        "quotes": [{"text": q.text, "authors": list(q.authors), "prompt": q.prompt} for q in view.quotes],
    }


def _from_rows(cohort: Cohort, period: str, rows: Sequence[SummaryPost]) -> Summary:
    """Rebuild the period's summary from its stored rows (each holds the cohort figures and one organisation's)."""
    first = rows[0].figures
    figures: dict[tuple[str, str], Figure] = {}
    withheld: dict[tuple[str, str], str] = {}
    organisations: dict[str, str] = {}
    quotes: list[SharedQuote] = []
    for row in rows:
        data = row.figures
        if data.get("organisation") is not None:
            organisations[org_group(row.organisation_id)] = data["organisation"]
        quotes += _quotes(row)
        for f in data.get("figures", []):
            figures.setdefault(
                (f["group"], f["metric"]),
                Figure(f["group"], f["metric"], f["value"], f["respondents"], tuple(f.get("people", ()))),
            )
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
        quotes=tuple(quotes),
    )


def _quotes(row: SummaryPost) -> list[SharedQuote]:
    """The row's quotes, for its own organisation; quotes stored without their authors are never shown again."""
    found = []
    for quote in row.figures.get("quotes", ()):
        if isinstance(quote, dict) and quote.get("text") and quote.get("authors"):
            found.append(
                SharedQuote(
                    org_group(row.organisation_id),
                    str(quote["text"]),
                    tuple(quote["authors"]),
                    str(quote.get("prompt", "")),
                )
            )
    return found


def carried_from_earlier(session: Session, cohort: Cohort, period: str) -> Carried:
    """The event figures (one prompt's answers, one check-in's ratings) shown or withheld in earlier periods."""
    earlier = earlier_periods(period)
    figures: dict[tuple[str, str], Figure] = {}
    withheld: dict[tuple[str, str], tuple[str, str, str]] = {}
    for before in earlier:  # a later period's copy is the same figure: the first one seen wins
        rows = [row for row in stored_rows(session, cohort, before) if row.figures.get("format") == FORMAT]
        if not rows:
            continue
        summary = _from_rows(cohort, before, rows)
        for f in summary.figures:
            if is_event_metric(f.metric) and (f.group, f.metric) not in withheld:
                figures.setdefault((f.group, f.metric), f)
        for g, m, r in summary.withheld:
            if is_event_metric(m) and (g, m) not in figures:
                withheld.setdefault((g, m), (g, m, r))
    return Carried(tuple(figures.values()), tuple(withheld.values()))


def period_summary(session: Session, cohort_id: int, period: str) -> Summary | None:
    """A period's summary as stored; None when it was never counted (or its cohort is gone)."""
    cohort = session.get(Cohort, cohort_id)
    rows = (
        [row for row in stored_rows(session, cohort, period) if row.figures.get("format") == FORMAT] if cohort else []
    )
    return _from_rows(cohort, period, rows) if cohort and rows else None


def previous_summary(session: Session, cohort: Cohort, period: str) -> Summary | None:
    """The cohort's summary of the period before ``period``, as stored; None for the first period."""
    earlier = earlier_periods(period)
    for before in reversed(earlier):
        rows = [row for row in stored_rows(session, cohort, before) if row.figures.get("format") == FORMAT]
        if rows:
            return _from_rows(cohort, before, rows)
    return None


def stored_rows(session: Session, cohort: Cohort, period: str) -> list[SummaryPost]:
    return list(
        session.exec(
            select(SummaryPost)
            .where(SummaryPost.cohort_id == cohort.id, SummaryPost.period == period)
            .order_by(col(SummaryPost.organisation_id))
        )
    )


def shown_before(session: Session, cohort: Cohort, period: str) -> list[Cell]:
    """Every figure stored for the cohort's earlier periods, as cells with their people."""
    earlier = earlier_periods(period)
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
    session: Session,
    cohort: Cohort,
    summary_step: Step,
    *,
    policy: PrivacyPolicy,
    now: datetime,
    period: str | None = None,
) -> Summary:
    """The period's summary: read back if it was computed before, else computed and stored (in the caller's
    transaction) for every organisation of the cohort.

    A period stored by an older Mentori (an earlier FORMAT, counted under weaker rules) is counted again once, and
    its rows keep where and when they were posted. ``period``: INTERIM for an interim summary, counted towards
    ``summary_step`` (the first one) from the prompts sent so far.
    """
    period = period or str(summary_step.period)
    rows = stored_rows(session, cohort, period)
    if rows and all(row.figures.get("format") == FORMAT for row in rows):
        summary = _from_rows(cohort, period, rows)
        _add_late_organisations(session, cohort, summary, {row.organisation_id for row in rows}, now)
        return summary
    summary = compute_summary(
        session,
        cohort,
        summary_step,
        policy=policy,
        now=now,
        shown_before=shown_before(session, cohort, period),
        carried=carried_from_earlier(session, cohort, period),
    )
    summary = replace(summary, period=period)
    old = {row.organisation_id: row for row in rows}
    for group in summary.organisations:
        organisation_id = int(group.split(":", 1)[1])
        row = old.get(organisation_id) or SummaryPost(
            team_id=cohort.team_id,
            cohort_id=int(cohort.id or 0),
            organisation_id=organisation_id,
            period=period,
            created_at=now,
        )
        row.figures = _payload(summary, group)
        session.add(row)
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
        session.add(
            SummaryPost(
                team_id=cohort.team_id,
                cohort_id=int(cohort.id or 0),
                organisation_id=organisation.id,
                period=summary.period,
                figures=_payload(summary, group),
                created_at=now,
            )
        )
    session.flush()


def ensure_summary(
    engine: Engine, cohort_id: int, *, policy: PrivacyPolicy, now: datetime, interim: bool = False
) -> Summary | None:
    """The current period's summary of a cohort, computing and committing it if needed; None before the first one,
    unless ``interim`` (a person asked): then the interim summary of the prompts sent so far, counted once.

    If another process stores the same period at the same moment, its figures win and are read back.
    """
    for _ in range(2):
        try:
            with session_scope(engine) as session:
                cohort = session.get(Cohort, cohort_id)
                step = current_period(session, cohort, now) if cohort else None
                if cohort is not None and step is not None:
                    return summary_for(session, cohort, step, policy=policy, now=now)
                first = first_period(session, cohort) if cohort is not None and interim else None
                if cohort is None or first is None or not _anything_sent(session, cohort, now):
                    return None
                return summary_for(session, cohort, first, policy=policy, now=now, period=INTERIM)
        except IntegrityError:
            continue
    raise RuntimeError("summary could not be stored")


def _anything_sent(session: Session, cohort: Cohort, now: datetime) -> bool:
    """Whether any prompt has gone out yet: an interim summary of nothing is not made."""
    found = session.exec(
        select(Delivery.id).where(Delivery.cohort_id == cohort.id, col(Delivery.sent_at) <= now).limit(1)
    )
    return found.first() is not None


def erase_from_summaries(session: Session, team_id: str, people: dict[str, str | None]) -> int:
    """Take erased people out of every stored summary of the workspace; return the figures and quotes touched.

    ``people`` maps a person key to its replacement: a random token (so the next period's comparison still sees
    that someone left) or None (the id is dropped). Quotes they wrote are removed, and so is any figure computed
    from them alone. Later reads and exports of the same period show what is left.
    """
    if not people:
        return 0
    touched = 0
    for post in session.exec(select(SummaryPost).where(SummaryPost.team_id == team_id)):
        data = dict(post.figures)
        quotes = [q for q in data.get("quotes", []) if not _by(q, people)]
        figures = []
        for figure in data.get("figures", []):
            before = figure.get("people", [])
            if before and set(before) <= people.keys():
                touched += 1  # computed from them alone
                continue
            after = sorted({people.get(x, x) for x in before} - {None})
            touched += after != sorted(before)
            figures.append({**figure, "people": after})
        if len(quotes) != len(data.get("quotes", [])) or figures != data.get("figures", []):
            touched += len(data.get("quotes", [])) - len(quotes)
            post.figures = {**data, "figures": figures, "quotes": quotes}
            session.add(post)
    session.flush()
    return touched


def _by(quote: object, people: dict[str, str | None]) -> bool:
    """True for a quote one of the erased people wrote, and for one stored without its authors."""
    if not isinstance(quote, dict) or not quote.get("authors"):
        return True
    return any(author in people for author in quote["authors"])


def withdraw_quote(session: Session, team_id: str, author: str, prompt: str) -> int:
    """Remove the quotes ``author`` wrote to ``prompt`` from every stored summary; return how many were removed."""
    removed = 0
    for post in session.exec(select(SummaryPost).where(SummaryPost.team_id == team_id)):
        quotes = post.figures.get("quotes", [])
        kept = [
            q
            for q in quotes
            if not (isinstance(q, dict) and q.get("prompt") == prompt and author in q.get("authors", []))
        ]
        if len(kept) != len(quotes):
            removed += len(quotes) - len(kept)
            post.figures = {**post.figures, "quotes": kept}
            session.add(post)
    return removed


def stored_summaries(session: Session, cohort: Cohort) -> list[Summary]:
    """Every period of the cohort counted so far, read back from its stored rows, earliest period first."""
    rows = session.exec(
        select(SummaryPost).where(SummaryPost.cohort_id == cohort.id).order_by(col(SummaryPost.organisation_id))
    )
    by_period: dict[str, list[SummaryPost]] = {}
    for row in rows:
        by_period.setdefault(row.period, []).append(row)
    order = {period: index for index, period in enumerate((INTERIM, *SUMMARY_PERIODS))}
    periods = sorted(by_period, key=lambda period: (order.get(period, len(order)), period))
    return [_from_rows(cohort, period, by_period[period]) for period in periods]
