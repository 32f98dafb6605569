"""The dashboard in a real browser: headless Chromium against `python -m bot web`, signing in with the fake Slack.

Every role's pages are opened by keyboard and mouse as people would, and a screenshot of each is kept in the
test's output folder (and in tests/output/screenshots).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.browser import chromium, require_browser, screenshot
from tests.support.dashboard import DASHBOARD_KEY, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, filled_world
from tests.support.fake_slack import FakeSlack
from tests.support.process import bot_process, free_port
from tests.support.summary_cohort import ADMIN, COACH, SummaryCohort, mentor_id

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
PERIODS = ("before-session-2", "before-session-3", "after-session-3")
WAIT = 30.0


@dataclass
class Site:
    base: str
    cohort: SummaryCohort
    fake: FakeSlack


@pytest.fixture
def site(database_url: str, engine: Engine, fake_slack: FakeSlack) -> Iterator[Site]:
    require_browser()
    cohort, _ = filled_world(engine, fake_slack, PERIODS)
    fake_slack.add_oauth_app(OIDC_CLIENT_ID, OIDC_CLIENT_SECRET)
    port = free_port()
    base = f"http://localhost:{port}"  # a secure context for the browser, so the Secure cookie is kept over http
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "browser-secret",
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "MENTORI_LANG": "en",
        "WEB_WORKERS": "1",
        "MENTORI_DASHBOARD_URL": base,
        "MENTORI_DASHBOARD_KEY": DASHBOARD_KEY,
        "SLACK_OIDC_CLIENT_ID": OIDC_CLIENT_ID,
        "SLACK_OIDC_CLIENT_SECRET": OIDC_CLIENT_SECRET,
        "SLACK_OIDC_AUTHORIZE_URL": fake_slack.oidc_authorize_url,
    }
    with bot_process("web", env=env, ready_url=f"http://127.0.0.1:{port}/healthz", timeout=60):
        yield Site(base, cohort, fake_slack)


def _wait(driver: object, condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition(driver):  # type: ignore[operator]  # selenium types the driver loosely
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {WAIT} s; page: {driver.current_url}")  # type: ignore[attr-defined]  # selenium types the driver loosely


def _sign_in_by_keyboard(driver: object, site: Site, user_id: str) -> None:
    """From the start page, Tab to "Sign in with Slack" and press Enter; Slack (the fake) signs `user_id` in."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    site.fake.sign_in_as(user_id)
    driver.get(f"{site.base}/dashboard")  # type: ignore[attr-defined]  # selenium types the driver loosely
    for _ in range(12):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if driver.switch_to.active_element.text == "Sign in with Slack":  # type: ignore[attr-defined]  # selenium types the driver loosely
            break
    else:
        raise AssertionError("the sign-in link cannot be reached with Tab")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    _wait(driver, lambda d: "Sign out" in d.page_source and d.current_url.endswith("/dashboard"), "signing in")


def _sign_out(driver: object) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.XPATH, "//form[@action='/dashboard/signout']//button").click()  # type: ignore[attr-defined]  # selenium types the driver loosely
    _wait(driver, lambda d: "Sign in with Slack" in d.page_source, "signing out")


def _open(driver: object, site: Site, link_text: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.PARTIAL_LINK_TEXT, link_text).click()  # type: ignore[attr-defined]  # selenium types the driver loosely
    _wait(driver, lambda d: d.execute_script("return document.readyState") == "complete", f"opening {link_text}")


def test_every_role_signs_in_and_reads_its_pages(site: Site, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    shots = []
    with chromium() as driver:
        driver.get(f"{site.base}/dashboard")
        assert "Sign in with Slack" in driver.page_source
        shots.append(screenshot(driver, "signin", tmp_path))

        _sign_in_by_keyboard(driver, site, COACH)
        assert "Kevät 2027" in driver.page_source
        shots.append(screenshot(driver, "coach-start", tmp_path))
        _open(driver, site, "Kevät 2027")
        assert "Session 1:" in driver.page_source and driver.find_elements(By.CSS_SELECTOR, "figure svg rect")
        shots.append(screenshot(driver, "coach-cohort", tmp_path))
        _open(driver, site, "Summaries for Kela")
        assert "Prompts answered, period by period" in driver.page_source
        shots.append(screenshot(driver, "coach-organisation", tmp_path))
        _sign_out(driver)

        _sign_in_by_keyboard(driver, site, "UHRKELA")
        _open(driver, site, "Kela")
        page = driver.page_source
        assert "Kela — Kevät 2027" in page and "Download the figures as CSV" in page and "Verohallinto" not in page
        shots.append(screenshot(driver, "hr-organisation", tmp_path))
        driver.set_window_size(390, 844)  # a phone
        overflow = driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, "the HR page scrolls sideways on a phone"
        shots.append(screenshot(driver, "hr-organisation-phone", tmp_path, width=390))
        driver.set_window_size(1280, 900)
        Select(driver.find_element(By.ID, "language")).select_by_value("fi")
        driver.find_element(By.XPATH, "//form[@action='/dashboard/language']//button").click()
        _wait(driver, lambda d: 'lang="fi"' in d.page_source, "changing the language")
        assert "Lataa luvut CSV-tiedostona" in driver.page_source
        shots.append(screenshot(driver, "hr-organisation-fi", tmp_path))
        driver.find_element(By.XPATH, "//form[@action='/dashboard/signout']//button").click()
        _wait(driver, lambda d: "Kirjaudu Slackilla" in d.page_source, "signing out")
        Select(driver.find_element(By.ID, "language")).select_by_value("en")
        driver.find_element(By.XPATH, "//form[@action='/dashboard/language']//button").click()
        _wait(driver, lambda d: 'lang="en"' in d.page_source, "changing the language back")

        _sign_in_by_keyboard(driver, site, ADMIN)
        assert "Kevät 2027" in driver.page_source and "Syksy 2027" in driver.page_source
        shots.append(screenshot(driver, "admin-start", tmp_path))
        _sign_out(driver)

        _sign_in_by_keyboard(driver, site, mentor_id(1, 0))
        assert "Not available to you" in driver.page_source  # the language chosen in this browser is kept
        driver.get(f"{site.base}/dashboard/cohorts/{site.cohort.cohort_id}")
        assert "Kevät 2027" not in driver.page_source
        shots.append(screenshot(driver, "mentor-refused", tmp_path))

    assert all(path.stat().st_size > 10_000 for path in shots), "a screenshot came out empty"
    assert not site.fake.invalid
