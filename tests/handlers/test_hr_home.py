"""An HR contact's App Home: their organisation's cohort, where its summaries go, the latest one and its figures —
only what the HR channel's post shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.app import create_app
from bot.blocks.home import intro_home_view
from bot.blocks.hr_home import hr_home_blocks
from bot.deps import Deps
from bot.hr_home import HrOrganisation, Posted
from bot.i18n import LANGUAGES
from bot.settings import Settings
from tests.support import slack_requests
from tests.support.app_driver import SlackDriver
from tests.support.cohorts import Commands
from tests.support.fake_slack import FakeSlack
from tests.support.golden import assert_golden
from tests.support.mentors import view_text
from tests.support.summary_cohort import COACH, SummaryCohort, add_people, build

HR_KELA = "UHRKELA"
Home = Callable[[datetime, str], dict]


@pytest.fixture
def cohort(engine: Engine, fake_slack: FakeSlack) -> SummaryCohort:
    add_people(fake_slack)
    built = build(engine, language="fi")
    built.fill("before-session-3")
    return built


@pytest.fixture
def driver(settings: Settings, engine: Engine, signing_secret: str) -> Callable[[datetime], SlackDriver]:
    return lambda now: SlackDriver(create_app(Deps(settings=settings, engine=engine, now=lambda: now)), signing_secret)


def _home(slack: SlackDriver, fake: FakeSlack, user_id: str = HR_KELA) -> str:
    assert slack.post(slack_requests.app_home_opened(user_id)).status == 200
    assert fake.invalid == []
    return view_text(fake.home_views[user_id])


def test_before_any_summary_hr_see_their_cohort_and_when_the_first_comes(cohort, driver, fake_slack) -> None:
    shown = _home(driver(cohort.moment("before-session-2") - timedelta(days=1)), fake_slack)
    assert "HR: Kela" in shown
    assert "*Kevät 2027* · coaching sessions Mon 11 Jan 2027, Mon 8 Feb 2027, Mon 8 Mar 2027" in shown
    assert "Summaries go to <#GHRKELA>." in shown and "No summary has been posted yet." in shown
    assert "The next one is due Fri 5 Feb 2027 at 09:00." in shown
    assert "You aren't a mentor in any cohort yet" not in shown


def test_hr_see_the_latest_summary_where_it_was_posted_and_only_their_figures(cohort, driver, fake_slack) -> None:
    now = cohort.moment("before-session-3") + timedelta(hours=2)
    Commands(driver(now), fake_slack).say('summary "Kevät 2027"', COACH)
    shown = _home(driver(now + timedelta(hours=1)), fake_slack)
    assert "Latest summary:* Summary for HR before session 3, posted Fri 5 Mar 2027 at 11:00 in <#GHRKELA>." in shown
    assert "Kela" in shown and "Verohallinto" not in shown and "Kirjasto" not in shown  # no other organisation
    assert "*Answers per prompt*" in shown  # the figures, as the post shows them
    assert "The next one is due" in shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_hr_home_in_each_language(language: str) -> None:
    kela = HrOrganisation(
        organisation="Kela", cohort="Kevät 2027", programme="feeniks", timezone="Europe/Helsinki",
        hr_channel_id="GHRKELA", sessions=(date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8)),
        posted=Posted("before-session-2", datetime(2027, 2, 5, 7, 0, tzinfo=UTC), "GHRKELA"),
        next_summary_at=datetime(2027, 3, 5, 7, 0, tzinfo=UTC), summary=None,
    )  # fmt: skip
    none_yet = HrOrganisation(
        organisation="Vero", cohort="Syksy 2027", programme="feeniks", timezone="Europe/Helsinki",
        hr_channel_id=None, sessions=(date(2027, 9, 6), date(2027, 10, 4), date(2027, 11, 1)), posted=None,
        next_summary_at=datetime(2027, 10, 1, 6, 0, tzinfo=UTC), summary=None,
    )  # fmt: skip
    view = intro_home_view(language, extra=hr_home_blocks(language, [kela, none_yet]))
    assert_golden(f"home/hr.{language}", view, surface="view")
