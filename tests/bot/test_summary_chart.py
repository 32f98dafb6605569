"""The chart posted with each HR summary: what it plots, its labels and what it leaves out (not its pixels)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.blocks.summary_chart import OKABE_ITO, alt_text, chart_data, chart_file, chart_png
from bot.privacy import PrivacyPolicy
from bot.programmes.model import SUMMARY_PERIODS
from bot.summaries.model import COHORT, Summary, org_group
from bot.summaries.store import ensure_summary
from tests.support.summary_cohort import SummaryCohort, build

POLICY = PrivacyPolicy(min_group=5)
EXAMPLE = Path(__file__).parents[2] / "docs" / "summary-chart-example.png"


@pytest.fixture
def cohort(engine: Engine) -> SummaryCohort:
    return build(engine)


def _summary(cohort: SummaryCohort, period: str) -> Summary:
    for each in SUMMARY_PERIODS[: SUMMARY_PERIODS.index(period) + 1]:
        cohort.fill(each)
        summary = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=cohort.moment(each))
    assert summary is not None
    return summary


def test_the_chart_plots_exactly_the_rates_and_medians_the_post_shows(cohort: SummaryCohort) -> None:
    summary = _summary(cohort, "before-session-3")
    kela = summary.view(org_group(cohort.organisations[1]))
    data = chart_data(kela, "en")
    assert [s.label for s in data.participation] == ["Whole cohort", "Kela"]
    assert data.prompts == tuple(str(i) for i in range(1, len(kela.steps) + 1))
    for series, group in zip(data.participation, (COHORT, org_group(cohort.organisations[1])), strict=True):
        for step, value in zip(kela.steps, series.values, strict=True):
            f = kela.figure(group, f"answers:{step}")
            assert value == (None if f is None else round(100 * f.value["answered"] / f.value["sent"], 1))
    # Kela's own self-efficacy is shown, so that is what is drawn: a line per statement, by its text
    assert data.se_title == "Self-efficacy: Kela"
    assert data.checkpoints == ("T0",)
    assert len(data.self_efficacy) == 6
    assert data.self_efficacy[0].label.startswith("I can remain calm when facing")
    assert data.self_efficacy[0].values == (kela.figure(org_group(cohort.organisations[1]), "se:T0:SE1").value[0],)


def test_withheld_figures_are_gaps_and_are_said_in_the_alt_text(cohort: SummaryCohort) -> None:
    summary = _summary(cohort, "after-session-3")
    vero = summary.view(org_group(cohort.organisations[0]))  # 5 mentors: every own figure withheld
    data = chart_data(vero, "en")
    assert [s.label for s in data.participation] == ["Whole cohort"]
    assert "Verohallinto: no response rate shown (too few people)" in data.omitted
    cohort_line = data.participation[0]
    assert None in cohort_line.values  # the prompts whose cohort figure is withheld are not drawn
    assert any("prompts not shown" in line for line in data.omitted)
    assert data.se_title == "Self-efficacy: Whole cohort"
    text = alt_text(data, "en")
    assert text.startswith("Kevät 2027: participation and self-efficacy.")
    assert "Verohallinto: no response rate shown" in text


def test_labels_are_in_the_posts_language(cohort: SummaryCohort) -> None:
    summary = _summary(cohort, "before-session-3").view(org_group(cohort.organisations[1]))
    fi, sv = chart_data(summary, "fi"), chart_data(summary, "sv")
    assert (fi.participation_title, fi.rate_axis) == ("Vastausprosentti kysymys kysymykseltä", "Vastanneita (%)")
    assert fi.participation[0].label == "Koko ryhmä"
    assert fi.self_efficacy[0].label.startswith("Pystyn pysymään rauhallisena")
    assert (sv.participation_title, sv.participation[0].label) == ("Svarsandel fråga för fråga", "Hela gruppen")
    assert alt_text(fi, "fi").startswith("Kevät 2027: osallistuminen ja pystyvyyden tunne.")


def test_a_summary_with_nothing_to_draw_has_no_chart(cohort: SummaryCohort) -> None:
    summary = _summary(cohort, "before-session-2")
    empty = Summary(
        summary.cohort_id,
        summary.cohort_name,
        "fi",
        summary.programme,
        summary.period,
        5,
        "",
        summary.steps,
        {},
        (),
        (),
        (),
    )
    assert chart_data(empty, "fi").empty
    assert chart_file(empty, "fi") is None


def test_the_chart_is_a_png_with_a_colour_blind_safe_palette(cohort: SummaryCohort) -> None:
    summary = _summary(cohort, "after-session-3").view(org_group(cohort.organisations[1]))
    image = chart_file(summary, "fi")
    assert image is not None and image.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert image.filename == "mentori-after-session-3.png" and image.alt_text
    assert OKABE_ITO[0] == "#0072B2"
    if os.environ.get("UPDATE_GOLDEN") == "1":  # the example shown in the README
        EXAMPLE.write_bytes(chart_png(chart_data(summary, "en")))
    assert EXAMPLE.exists()


def test_an_idle_process_does_not_load_matplotlib() -> None:
    code = "import sys, bot.app, bot.blocks.summary, bot.summaries.posting; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
