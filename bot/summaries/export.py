"""A summary's privacy-filtered figures as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from bot.summaries.model import COHORT, Summary

CSV_COLUMNS = ("cohort", "period", "group", "metric", "key", "value", "respondents", "withheld_reason")


def summary_csv(summary: Summary) -> str:
    """The shown figures as CSV, one value per row, then one row per withheld figure with its reason, then the
    quotes; no ids. Give it a summary already narrowed to its audience (bot.privacy_gate)."""
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
    for quote in summary.quotes:  # the audience's own organisation's, never with who wrote it
        writer.writerow(
            _safe([summary.cohort_name, summary.period, name(quote.group), "quote", "", quote.text, "", ""])
        )
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
