"""A summary's privacy-filtered figures as CSV that opens right in Excel in the audience's language."""

from __future__ import annotations

import csv
import io
from typing import Any

from bot.i18n import t
from bot.programmes import programme_by_id
from bot.programmes.model import Programme
from bot.summaries.labels import checkpoint_label, statement, step_label
from bot.summaries.model import COHORT, Summary
from bot.summaries.periods import period_label

COLUMNS = ("cohort", "period", "group", "figure", "measure", "value", "respondents", "withheld")
BOM = "\ufeff"  # without it Excel reads the file in the machine's legacy code page and mangles ä, ö and å
# Excel in Finnish and Swedish locales splits on semicolons and reads 3,5 as a number; English keeps 3.5 and commas.
DELIMITERS = {"fi": ";", "sv": ";", "en": ","}
SPREAD = ("median", "lower_quartile", "upper_quartile")  # the order of a self-efficacy figure's value


def summary_csv(summary: Summary, language: str | None = None) -> str:
    """The shown figures, one value per row, then one row per withheld figure with its reason, then the quotes; no
    ids. Starts with a byte order mark. ``language`` defaults to the cohort's, as the summary posts do.

    Give it a summary already narrowed to its audience (bot.privacy_gate): this only words and formats it."""
    language = language or summary.language
    programme = programme_by_id(summary.programme)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=DELIMITERS.get(language, ","), lineterminator="\r\n")
    writer.writerow([t(language, f"summary.csv.column_{column}") for column in COLUMNS])
    period = period_label(summary.programme, summary.period, language)

    def name(group: str) -> str:
        return t(language, "summary.cohort") if group == COHORT else summary.organisations.get(group, group)

    def row(group: str, figure: str, measure: str, value: Any, respondents: Any, reason: str) -> list[Any]:
        cells = _safe([summary.cohort_name, period, name(group), figure, measure, value, respondents, reason])
        return [_number(language, cell) for cell in cells]

    for f in summary.figures:
        label = _metric(programme, language, f.metric, f.value)
        for key, value in _values(f.metric, f.value):
            writer.writerow(row(f.group, label, _measure(language, key), value, f.respondents, ""))
    for group, metric, reason in summary.withheld:
        because = t(language, f"summary.csv.reason_{reason}", min_group=summary.min_group)
        writer.writerow(row(group, _metric(programme, language, metric, None), "", "", "", because))
    for quote in summary.quotes:  # the audience's own organisation's, never with who wrote it
        writer.writerow(row(quote.group, t(language, "summary.csv.metric_quote"), "", quote.text, "", ""))
    return out.getvalue()


def _metric(programme: Programme, language: str, metric: str, value: Any) -> str:
    """A figure's readable name: the prompt's label, the statement's text, the experiment bucket in words."""
    kind, _, rest = metric.partition(":")
    if kind == "answers":
        return t(language, "summary.csv.metric_answers", prompt=step_label(programme, rest, language))
    if kind == "se":
        checkpoint, _, item = rest.partition(":")
        return t(
            language,
            "summary.csv.metric_self_efficacy",
            checkpoint=checkpoint_label(programme, checkpoint, language),
            statement=statement(programme, item, language),
        )
    if kind == "experiments" and rest:
        bucket, _, key = rest.partition(":")
        if bucket == "goal":  # the goal's text travels in the figure; a withheld one has only its number
            if isinstance(value, dict) and value.get("goal"):
                return t(language, "summary.csv.metric_experiments_goal", goal=value["goal"])
            return t(language, "summary.csv.metric_experiments_goal_id", id=key)
        bucket_name = t(language, f"summary.{bucket}_{key}")
        return t(language, f"summary.csv.metric_experiments_{bucket}", **{bucket: bucket_name})
    return t(language, f"summary.csv.metric_{kind}")


def _values(metric: str, value: Any) -> list[tuple[str, Any]]:
    """A figure's values with the name of each: counts by their key, a rating as median and quartiles."""
    if metric.startswith("se:") and isinstance(value, list | tuple) and len(value) == len(SPREAD):
        return list(zip(SPREAD, value, strict=True))
    if isinstance(value, dict):  # a goal's text is already in the figure's name
        return [(key, inner) for key, inner in value.items() if key != "goal"]
    return [("", value)]


def _measure(language: str, key: str) -> str:
    return t(language, f"summary.csv.measure_{key}") if key else ""


def _number(language: str, value: Any) -> Any:
    """Numbers with decimals as the language writes them (3,5 in fi and sv); whole numbers and text as they are."""
    if isinstance(value, float):
        text = format(value, "f").rstrip("0").rstrip(".")
        return text.replace(".", ",") if DELIMITERS.get(language) == ";" else text
    return value


def _safe(row: list[Any]) -> list[Any]:
    """Keep a spreadsheet from running text that starts like a formula (names, goals and quotes are user text)."""
    return [f"'{v}" if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v for v in row]
