"""The HR CSV opens right in Excel: BOM, the language's separator and decimal mark, readable headers and names."""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import replace

import pytest
from sqlalchemy import Engine

from bot.i18n import t
from bot.privacy import PrivacyPolicy
from bot.programmes import programme_by_id
from bot.programmes.model import SUMMARY_PERIODS
from bot.summaries.export import summary_csv
from bot.summaries.model import COHORT, Figure, SharedQuote, Summary, org_group
from bot.summaries.store import ensure_summary
from tests.support.csv_export import export_rows
from tests.support.summary_cohort import SummaryCohort, build

DIALECTS = {"fi": (";", ","), "sv": (";", ","), "en": (",", ".")}  # separator, decimal mark
WRONG_MARK = {",": ".", ".": ","}


@pytest.fixture
def kela_view(engine: Engine) -> Summary:
    """Kela's view of the follow-up summary: every kind of figure, withheld ones, ratings with decimals, quotes."""
    cohort: SummaryCohort = build(engine)
    found = None
    for period in SUMMARY_PERIODS:
        cohort.fill(period)
        found = ensure_summary(engine, cohort.cohort_id, policy=PrivacyPolicy(), now=cohort.moment(period))
    assert found is not None and found.period == "follow-up"
    return found.view(org_group(cohort.organisations[1]))


@pytest.mark.parametrize("language", sorted(DIALECTS))
def test_each_language_gets_its_excel_dialect_with_readable_names(kela_view: Summary, language: str) -> None:
    separator, mark = DIALECTS[language]
    data = summary_csv(kela_view, language).encode("utf-8")  # as Slack's upload and the dashboard send it
    assert data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig")
    assert all(len(row) == 8 for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    rows = export_rows(data, language)  # checks the localised headers too
    programme = programme_by_id(kela_view.programme)

    numbers = [row["value"] for row in rows if re.fullmatch(r"\d+([.,]\d+)?", row["value"])]
    decimals = [n for n in numbers if not n.isdigit()]
    assert decimals and all(mark in n for n in decimals), decimals  # medians and quartiles such as 3,5 / 3.5
    assert not any(WRONG_MARK[mark] in n for n in numbers)
    assert all(row["respondents"].isdigit() for row in rows if row["respondents"])

    figures = {row["figure"] for row in rows}
    step = programme.step("s1-assignment-1")
    assert t(language, "summary.csv.metric_answers", prompt=step.label.get(language)) in figures
    baseline = next(s for s in programme.steps if s.checkpoint == "T0").label.get(language)
    se1 = programme.item("SE1").text.get(language)
    assert t(language, "summary.csv.metric_self_efficacy", checkpoint=baseline, statement=se1) in figures
    assert not any(re.search(r"answers:|se:T\d|experiments:", figure) for figure in figures)
    assert {row["group"] for row in rows} == {t(language, "summary.cohort"), "Kela"}
    measures = {row["measure"] for row in rows if row["measure"]}
    assert t(language, "summary.csv.measure_median") in measures
    assert language == "en" or not measures & {"sent", "answered", "mentors", "lower_quartile"}
    reasons = {row["withheld"] for row in rows if row["withheld"]}
    assert t(language, "summary.csv.reason_small_group", min_group=kela_view.min_group) in reasons
    assert "small_group" not in reasons


def test_english_keeps_commas_and_points_and_the_cohort_language_is_the_default(kela_view: Summary) -> None:
    assert kela_view.language == "fi"
    assert summary_csv(kela_view) == summary_csv(kela_view, "fi")
    header = summary_csv(kela_view, "en").splitlines()[0]
    assert header == "\ufeffCohort,Period,Organisation,Figure,Measure,Value,People behind the figure,Not shown because"
    assert summary_csv(kela_view, "fi").splitlines()[0].startswith("\ufeffRyhmä;Jakso;Organisaatio;")


@pytest.mark.parametrize("language", sorted(DIALECTS))
def test_text_that_starts_like_a_formula_is_not_run(kela_view: Summary, language: str) -> None:
    group = next(iter(kela_view.organisations))
    goal = Figure(group, "experiments:goal:7", {"goal": "@Parempi palvelu", "mentors": 5}, 5)
    hostile = replace(
        kela_view,
        quotes=(SharedQuote(group, '=HYPERLINK("http://x";"y")'),),
        organisations={group: "-Kela"},
        figures=(*kela_view.figures, goal),
    )
    rows = export_rows(summary_csv(hostile, language).encode(), language)
    assert {row["value"] for row in rows if row["figure"] == t(language, "summary.csv.metric_quote")} == {
        '\'=HYPERLINK("http://x";"y")'
    }
    assert "'-Kela" in {row["group"] for row in rows} and "-Kela" not in {row["group"] for row in rows}
    assert COHORT not in {row["group"] for row in rows}
    goal_name = t(language, "summary.csv.metric_experiments_goal", goal="@Parempi palvelu")  # the goal is a name here
    assert [(row["measure"], row["value"]) for row in rows if row["figure"] == goal_name] == [
        (t(language, "summary.csv.measure_mentors"), "5")
    ]
