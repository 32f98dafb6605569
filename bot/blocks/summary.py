"""The HR summary post: the privacy-filtered figures, readable at a glance, saying what was withheld and why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.blocks.kit import Block, Mrkdwn, context, divider, header, joined, md, message, say, section, sparkline
from bot.blocks.summary_chart import chart_file
from bot.i18n import day
from bot.privacy import QUOTES_METRIC
from bot.programmes import programme_by_id
from bot.programmes.model import Programme
from bot.summaries.labels import statement, step_label
from bot.summaries.model import COHORT, RenderedPost, ReviewMark, Summary
from bot.summaries.periods import period_label

STATUSES = ("planned", "running", "done", "dropped")
DECISIONS = ("continue", "spread", "stop")
MAX_QUOTES = 5
NO_MARK = ReviewMark()
QUOTE_LENGTH = 280


def _number(language: str, value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if language != "en" else text


def _rate(language: str, answered: int, sent: int) -> str:
    return say(language, "summary.percent", value=round(100 * answered / sent) if sent else 0)


def summary_message(
    summary: Summary, language: str, previous: Summary | None = None, mark: ReviewMark = NO_MARK
) -> dict[str, Any]:
    """The post for one organisation (``summary.view(org)``) or, with every organisation in it, for coaches.

    ``previous`` is the previous period's summary as the same audience saw it: what changed since is shown.
    ``mark``: the coach's note, or the line saying no coach reviewed the post.
    """
    programme = programme_by_id(summary.programme)
    groups = [COHORT, *summary.organisations]
    names = {COHORT: say(language, "summary.cohort"), **summary.organisations}
    period = period_label(summary.programme, summary.period, language)
    title = say(language, "summary.text", cohort=summary.cohort_name, period=period)
    if len(summary.organisations) == 1:
        intro = say(
            language,
            "summary.intro_organisation",
            organisation=next(iter(summary.organisations.values())),
            min_group=summary.min_group,
        )
    else:
        intro = say(language, "summary.intro_cohort", min_group=summary.min_group)
    blocks: list[Block] = [header(title), context(intro), *_review_lines(mark, language), divider()]
    lines = _lines(summary, language, groups, names)
    blocks += [section(text) for text in _sections(summary, language, groups, names, programme, lines)]
    se = _self_efficacy(summary, language, groups, names, programme)
    if se is not None:  # the scale's note only where its figures are shown
        blocks += [section(se), context(say(language, "summary.se_note"))]
    if previous is not None and (changes := _changes(summary, previous, language, groups, names)):
        blocks.append(section(changes))
    if summary.quotes:
        texts = [q.text for q in summary.quotes[:MAX_QUOTES]]
        cut = [q[:QUOTE_LENGTH] + ("…" if len(q) > QUOTE_LENGTH else "") for q in texts]
        quoted = [md("> {quote}", quote=q.replace("\n", " ")) for q in cut]
        blocks.append(section(joined([say(language, "summary.quotes_title"), *quoted])))
    blocks.append(divider())
    blocks.append(section(joined([say(language, "summary.withheld_title"), *_withheld(summary, language)])))
    computed = datetime.fromisoformat(summary.computed_at) if summary.computed_at else None
    if computed is not None:
        blocks.append(context(say(language, "summary.footer", day=day(language, computed.date()))))
    return message(title, blocks[:50])


def _review_lines(mark: ReviewMark, language: str) -> list[Block]:
    lines: list[Block] = []
    if mark.note:
        lines.append(section(joined([say(language, "summary.coach_note_title"), md("> {note}", note=mark.note)])))
    if mark.unreviewed:
        lines.append(context(say(language, "summary.not_reviewed")))
    return lines


def _lines(summary: Summary, language: str, groups: list[str], names: dict[str, str]) -> dict[str, list[str]]:
    """The lines of each topic, only for figures HR may see."""
    out: dict[str, list[str]] = {"participation": [], "assignments": [], "hr": [], "experiments": []}
    for group in groups:
        name = names[group]
        if (f := summary.figure(group, "active")) is not None:
            out["participation"].append(
                say(
                    language,
                    "summary.participation_line",
                    group=name,
                    active=f.value["active"],
                    mentors=f.value["mentors"],
                )
            )
        elif (f := summary.figure(group, "mentors")) is not None:
            out["participation"].append(
                say(language, "summary.participation_mentors_line", group=name, mentors=f.value["mentors"])
            )
        if (f := summary.figure(group, "peers")) is not None:
            out["participation"].append(
                say(language, "summary.peers_line", group=name, met=f.value["met"], groups=f.value["groups"])
            )
        if (f := summary.figure(group, "assignments")) is not None:
            out["assignments"].append(
                say(language, "summary.assignments_line", group=name, done=f.value["done"], sent=f.value["sent"])
            )
        if (f := summary.figure(group, "hr_meetings")) is not None:
            out["hr"].append(_hr_line(summary, language, group, name, f.value))
        if (f := summary.figure(group, "experiments")) is not None:
            out["experiments"] += _experiment_lines(language, name, _experiments(summary, group, f.value["mentors"]))
    return out


def _hr_line(summary: Summary, language: str, group: str, name: str, value: dict[str, int]) -> str:
    """Mentors who logged an HR meeting, out of the group's mentors when that figure is shown too."""
    mentors = summary.figure(group, "mentors")
    if mentors is None:
        return say(language, "summary.hr_line", group=name, mentors=value["mentors"], meetings=value["meetings"])
    return say(
        language,
        "summary.hr_line_of",
        group=name,
        met=value["mentors"],
        of=mentors.value["mentors"],
        meetings=value["meetings"],
    )


def _experiments(summary: Summary, group: str, mentors: int) -> dict[str, Any]:
    """A group's shown experiment buckets: mentors by status, by decision and by goal."""
    value: dict[str, Any] = {"mentors": mentors, "status": {}, "decision": {}, "goal": {}}
    for f in summary.figures:
        if f.group != group or not f.metric.startswith("experiments:"):
            continue
        _, kind, key = f.metric.split(":", 2)
        value[kind][f.value.get("goal", key) if kind == "goal" else key] = f.value["mentors"]
    return value


def _pairs(language: str, prefix: str, keys: tuple[str, ...], counts: dict[str, int]) -> Mrkdwn:
    return joined(
        (
            say(language, "summary.count_pair", label=say(language, f"summary.{prefix}_{key}"), count=counts[key])
            for key in keys
            if counts.get(key)
        ),
        " · ",
    )


def _experiment_lines(language: str, name: str, value: dict[str, Any]) -> list[str]:
    statuses = _pairs(language, "status", STATUSES, value.get("status", {})) or say(language, "summary.withheld_value")
    decisions = _pairs(language, "decision", DECISIONS, value.get("decision", {}))
    if decisions:
        statuses += "; " + say(language, "summary.experiments_decisions", decisions=decisions)
    lines: list[str] = [
        say(language, "summary.experiments_line", group=name, mentors=value["mentors"], statuses=statuses)
    ]
    for goal, count in sorted(value.get("goal", {}).items()):
        lines.append(say(language, "summary.experiments_goal", goal=goal, count=count))
    return lines


def _sections(
    summary: Summary,
    language: str,
    groups: list[str],
    names: dict[str, str],
    programme: Programme,
    lines: dict[str, list[str]],
) -> list[str]:
    texts: list[str] = []
    if lines["participation"]:
        texts.append(joined([say(language, "summary.participation_title"), *lines["participation"]]))
    texts += _answers(summary, language, groups, names, programme)
    for key, title in (("assignments", "assignments_title"), ("hr", "hr_title"), ("experiments", "experiments_title")):
        if lines[key]:
            notes = [say(language, "summary.hr_note")] if key == "hr" else []
            texts.append(joined([say(language, f"summary.{title}"), *lines[key], *notes]))
    return texts


def _answers(
    summary: Summary, language: str, groups: list[str], names: dict[str, str], programme: Programme
) -> list[str]:
    if not summary.steps:
        return [say(language, "summary.answers_none")]
    rows: list[str] = [say(language, "summary.answers_title")]
    # A group with every answer figure withheld gets no column: the withheld section says why.
    groups = [g for g in groups if any(summary.figure(g, f"answers:{step}") for step in summary.steps)] or [COHORT]
    rates: dict[str, list[tuple[int, int] | None]] = {group: [] for group in groups}  # None: withheld
    for step_id in summary.steps:
        figures = []
        for group in groups:
            f = summary.figure(group, f"answers:{step_id}")
            if f is None:
                rates[group].append(None)
                figures.append(
                    md("{group} {withheld}", group=names[group], withheld=say(language, "summary.withheld_value"))
                )
                continue
            sent, answered = f.value["sent"], f.value["answered"]
            rates[group].append((answered, sent))
            figures.append(
                say(
                    language,
                    "summary.answers_figure",
                    group=names[group],
                    answered=answered,
                    sent=sent,
                    rate=_rate(language, answered, sent),
                )
            )
        label = step_label(programme, step_id, language)
        rows.append(say(language, "summary.answers_line", prompt=label, figures=joined(figures, " · ")))
    texts = _pack(rows)
    trend = [say(language, "summary.trend_title")]
    for group in groups:
        pairs = [pair for pair in rates[group] if pair is not None]
        if len(pairs) >= 2:
            trend.append(
                say(
                    language,
                    "summary.trend_line",
                    group=names[group],
                    spark=sparkline([a / s for a, s in pairs]),
                    rates=joined(
                        (
                            _rate(language, *pair) if pair else say(language, "summary.withheld_value")
                            for pair in rates[group]
                        ),
                        " · ",
                    ),
                )
            )
    if len(trend) > 1:
        texts.append(joined(trend))
    return texts


def _pack(rows: Sequence[str], limit: int = 2900) -> list[str]:
    """Join lines into as few texts as fit Slack's limit, never splitting a line."""
    texts: list[str] = []
    for row in rows:
        if texts and len(texts[-1]) + 1 + len(row) <= limit:
            texts[-1] += "\n" + row
        else:
            texts.append(row[:limit])
    return texts


def _self_efficacy(
    summary: Summary, language: str, groups: list[str], names: dict[str, str], programme: Programme
) -> Mrkdwn | None:
    """Each statement, by its text: median and middle half at each check-in, with how many rated it; each value is
    shown only with enough people behind it."""
    keys = [f.metric.split(":") for f in summary.figures if f.metric.startswith("se:")]
    keys += [m.split(":") for _, m, _ in summary.withheld if m.startswith("se:")]
    checkpoints = sorted({key[1] for key in keys if len(key) == 3})
    if not checkpoints:
        return None
    rows = [say(language, "summary.se_title"), say(language, "summary.se_checkpoints")]
    shown = False
    for group in groups:
        items = sorted(
            {
                f.metric.split(":")[2]
                for f in summary.figures
                if f.group == group and f.metric.startswith("se:") and f.metric.count(":") == 2
            }
        )
        if not items:
            continue
        shown = True
        rows.append(say(language, "summary.se_group", group=names[group], checkpoints=joined(checkpoints, " → ")))
        for item in items:
            values = [_se_value(summary, language, group, cp, item) for cp in checkpoints]
            rows.append(
                say(
                    language, "summary.se_item", item=statement(programme, item, language), values=joined(values, " → ")
                )
            )
    return joined(rows) if shown else None


def _se_value(summary: Summary, language: str, group: str, checkpoint: str, item: str) -> str:
    f = summary.figure(group, f"se:{checkpoint}:{item}")
    if f is None:
        return md("{cp} {withheld}", cp=checkpoint, withheld=say(language, "summary.withheld_value"))
    median, low, high = f.value
    return say(
        language,
        "summary.se_value",
        checkpoint=checkpoint,
        median=_number(language, median),
        low=_number(language, low),
        high=_number(language, high),
        count=f.respondents,
    )


CHANGE_METRICS = ("active", "assignments", "hr_meetings", "experiments")


def _change_value(summary: Summary, language: str, group: str, metric: str) -> str | None:
    f = summary.figure(group, metric)
    if f is None:
        return None
    value = f.value
    if metric == "active":
        return _rate(language, value["active"], value["mentors"])
    if metric == "assignments":
        return _rate(language, value["done"], value["sent"])
    return str(value["mentors"])


def _changes(summary: Summary, previous: Summary, language: str, groups: list[str], names: dict[str, str]) -> str:
    """What changed since the previous summary, for the figures both summaries show."""
    rows = []
    for group in groups:
        for metric in CHANGE_METRICS:
            now, before = (_change_value(s, language, group, metric) for s in (summary, previous))
            if now is not None and before is not None:
                rows.append(
                    say(
                        language,
                        "summary.change_line",
                        group=names[group],
                        label=say(language, f"summary.change_{metric}"),
                        before=before,
                        now=now,
                    )
                )
    return joined([say(language, "summary.changes_title"), *rows]) if rows else ""


def _withheld(summary: Summary, language: str) -> list[str]:
    counts = summary.withheld_counts()
    if not counts:
        return [say(language, "summary.withheld_none")]
    return [*_own_withheld(summary, language), *_reasons(summary, language, counts)]


def _own_withheld(summary: Summary, language: str) -> list[str]:
    """For one organisation's HR: plainly, whether the withheld figures include its own, and why."""
    if len(summary.organisations) != 1:
        return []
    group, name = next(iter(summary.organisations.items()))
    own = sum(1 for g, m, _ in summary.withheld if g == group and m != QUOTES_METRIC)
    if not own:
        return []
    shown = any(f.group == group for f in summary.figures)
    key = "summary.own_some_withheld" if shown else "summary.own_all_withheld"
    return [say(language, key, organisation=name, count=own, min_group=summary.min_group)]


def _reasons(summary: Summary, language: str, counts: dict[str, int]) -> list[str]:
    return [
        md("• {reason}", reason=say(language, f"summary.reason_{reason}", count=count, min_group=summary.min_group))
        for reason, count in counts.items()
    ]


def summary_post(summary: Summary, previous: Summary | None, mark: ReviewMark, language: str) -> RenderedPost:
    """The post and its chart, for a summary already narrowed to its audience (bot.privacy_gate)."""
    chart = chart_file(summary, language)
    return RenderedPost(summary_message(summary, language, previous, mark), (chart,) if chart else ())
