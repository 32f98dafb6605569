"""What the dashboard shows: a cohort's status for its coaches, and for HR exactly what their HR post shows."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from bot.i18n import LANGUAGES, t
from bot.summaries.export import summary_csv
from bot.summaries.model import org_group
from bot.summaries.store import stored_summaries
from storage.models import Cohort
from tests.bot.dashboard.conftest import PERIODS, World
from tests.support.csv_export import export_rows
from tests.support.dashboard import DashboardClient
from tests.support.summary_cohort import COACH


def _summaries(world: World) -> dict[str, object]:
    with Session(world.deps.engine) as session:
        cohort = session.get(Cohort, world.cohort.cohort_id)
        return {summary.period: summary for summary in stored_summaries(session, cohort)}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_coaches_see_each_steps_deliveries_and_answers(world: World, browser: DashboardClient) -> None:
    browser.sign_in(COACH)
    page = browser.get(f"/dashboard/cohorts/{world.cohort.cohort_id}").get_data(as_text=True)
    text = _text(page)
    assert "Kevät 2027" in text and "Active mentors: 16" in text
    assert "Session 1:" in text and "Session 3:" in text
    # the first question went to all 16 mentors and 15 answered (see tests/support/summary_cohort.py); the kickoff
    # before it asks nothing, so it has no answer rate
    assert re.search(r"Self-efficacy: at the start .{0,40}? 0 16 15 0 0 94%", text), text[:3000]
    assert re.search(r"Welcome and assignment 1 .{0,40}? 0 0 0 0 0 –", text), text[:3000]
    assert page.count("<svg") == 3 and page.count("<table") == 3  # a chart and its table per session
    assert "Summaries for Verohallinto" in text


def test_the_hr_page_shows_what_the_hr_post_shows_and_nothing_more(world: World, browser: DashboardClient) -> None:
    kela = world.cohort.organisations[1]
    browser.sign_in("UHRKELA")
    page = browser.get(f"/dashboard/cohorts/{world.cohort.cohort_id}/organisations/{kela}").get_data(as_text=True)
    text = _text(page)
    summaries = _summaries(world)
    assert list(summaries) == list(PERIODS)
    for period, summary in summaries.items():
        view = summary.view(org_group(kela))
        shown = [f for f in view.figures if f.group == org_group(kela) and f.metric.startswith("answers:")]
        answered, sent = sum(f.value["answered"] for f in shown), sum(f.value["sent"] for f in shown)
        assert f"{answered} of {sent} ({round(100 * answered / sent)}%)" in text, period
        for quote in view.quotes:
            assert quote.text in page
        done = view.figure(org_group(kela), "assignments")
        met = view.figure(org_group(kela), "hr_meetings")
        if period == PERIODS[-1]:
            assert done is not None
            assert f"Assignments done {done.value['done']} of {done.value['sent']}" in text
        if met is not None:  # HR meetings of the period, when neither none nor all of Kela's mentors met HR
            assert f"Mentors who have met HR {met.value['mentors']} ({met.value['meetings']} meetings in all)" in text
        assert "Verohallinto" not in page and "Kirjasto" not in page  # other organisations' names
    assert any(summary.quotes for summary in summaries.values())


def test_the_csv_is_the_same_as_the_slack_export(world: World, browser: DashboardClient) -> None:
    kela = world.cohort.organisations[1]
    browser.sign_in("UHRKELA")
    for period, summary in _summaries(world).items():
        export = browser.get(f"/dashboard/cohorts/{world.cohort.cohort_id}/organisations/{kela}/{period}.csv")
        assert export.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in export.headers["Content-Disposition"]
        body = export.get_data()  # the bytes the browser saves: the BOM first, so Excel reads it as UTF-8
        assert body == summary_csv(summary.view(org_group(kela))).encode("utf-8")
        rows = export_rows(body, "fi")  # the cohort's language: semicolons and a decimal comma
        assert {row["group"] for row in rows} >= {"Koko ryhmä", "Kela"}
    unknown = browser.get(f"/dashboard/cohorts/{world.cohort.cohort_id}/organisations/{kela}/no-such.csv")
    assert unknown.status_code == 404


def test_coaches_see_no_quotes(world: World, browser: DashboardClient) -> None:
    kela = world.cohort.organisations[1]
    quotes = [quote.text for summary in _summaries(world).values() for quote in summary.quotes]
    browser.sign_in(COACH)
    path = f"/dashboard/cohorts/{world.cohort.cohort_id}/organisations/{kela}"
    page = browser.get(path).get_data(as_text=True)
    assert quotes and not any(quote in page for quote in quotes)
    export = export_rows(browser.get(f"{path}/{PERIODS[-1]}.csv").get_data(), "fi")
    assert export and t("fi", "summary.csv.metric_quote") not in {row["figure"] for row in export}


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_in_each_language_without_script(world: World, browser: DashboardClient, language: str) -> None:
    browser.sign_in(COACH)
    browser.post("/dashboard/language", {"csrf_token": browser.csrf(), "language": language})
    kela = world.cohort.organisations[1]
    for path in (
        "/dashboard",
        f"/dashboard/cohorts/{world.cohort.cohort_id}",
        f"/dashboard/cohorts/{world.cohort.cohort_id}/organisations/{kela}",
    ):
        page = browser.get(path)
        body = page.get_data(as_text=True)
        assert page.status_code == 200, path
        assert f'<html lang="{language}">' in body and t(language, "dashboard.signout") in body
        assert "<script" not in body and "script-src" not in page.headers["Content-Security-Policy"]
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_names_from_people_are_text_not_markup(world: World, browser: DashboardClient) -> None:
    with Session(world.deps.engine) as session:
        cohort = session.get(Cohort, world.cohort.cohort_id)
        cohort.name = '<img src=x onerror="alert(1)"> & <b>Kevät</b>'
        session.add(cohort)
        session.commit()
    browser.sign_in(COACH)
    page = browser.get(f"/dashboard/cohorts/{world.cohort.cohort_id}").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; &lt;b&gt;" in page


def test_the_stylesheet_is_served_and_unknown_pages_are_a_clear_404(world: World, browser: DashboardClient) -> None:
    css = browser.get("/dashboard/static/dashboard.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    missing = browser.get("/dashboard/nothing-here")
    assert missing.status_code == 404 and "There is no such page." in missing.get_data(as_text=True)


def test_coaches_see_the_peer_groups_and_hr_do_not(world: World, browser: DashboardClient) -> None:
    from bot.blocks.peers import Messages
    from bot.peers import after_kickoff
    from storage.db import session_scope

    with session_scope(world.deps.engine) as session:
        cohort = session.get(Cohort, world.cohort.cohort_id)
        assert cohort is not None
        formed = after_kickoff(session, cohort, 3, world.deps.now(), Messages())
    assert formed is not None and formed.groups
    browser.sign_in(COACH)
    text = _text(browser.get(f"/dashboard/cohorts/{world.cohort.cohort_id}").get_data(as_text=True))
    assert "Peer groups across organisations" in text and "On: groups of 2" in text
    assert text.count("no answer yet") == 16
    browser.sign_in("UHRKELA")
    kela = world.cohort.organisations[1]
    page = browser.get(f"/dashboard/cohorts/{world.cohort.cohort_id}/organisations/{kela}").get_data(as_text=True)
    assert "Peer groups across organisations" not in page and "no answer yet" not in page
    assert browser.get(f"/dashboard/cohorts/{world.cohort.cohort_id}").status_code in (403, 404)
