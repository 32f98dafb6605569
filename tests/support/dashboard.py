"""The dashboard as a browser reaches it: signed in through the fake Slack's OpenID Connect provider.

`DashboardClient` keeps cookies like a browser (over https://localhost, so Secure cookies travel), follows the
sign-in through the fake Slack's authorize endpoint, and reads the CSRF token from the page it is on.
"""

from __future__ import annotations

import http.client
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import Engine
from werkzeug.test import Client, TestResponse

from bot.privacy import PrivacyPolicy
from bot.settings import Settings
from bot.summaries.store import ensure_summary
from tests.support.fake_slack import FakeSlack
from tests.support.summary_cohort import SummaryCohort, add_people, build

ORIGIN = "https://localhost"
DASHBOARD_KEY = "dashboard-test-key-" + "x" * 40
OIDC_CLIENT_ID, OIDC_CLIENT_SECRET = "111.333", "oidc-secret"


def dashboard_settings(settings: Settings, fake: FakeSlack, *, url: str = ORIGIN) -> Settings:
    """`settings` with the dashboard on, signing in through the fake Slack."""
    fake.add_oauth_app(OIDC_CLIENT_ID, OIDC_CLIENT_SECRET)
    return replace(
        settings,
        dashboard_url=url,
        dashboard_key=DASHBOARD_KEY,
        slack_oidc_client_id=OIDC_CLIENT_ID,
        slack_oidc_client_secret=OIDC_CLIENT_SECRET,
        slack_oidc_authorize_url=fake.oidc_authorize_url,
    )


def follow_provider(location: str) -> str:
    """GET the fake provider's authorize URL as a browser would; returns where it redirects back to."""
    url = urlsplit(location)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    connection.request("GET", f"{url.path}?{url.query}")
    response = connection.getresponse()
    response.read()
    assert response.status == 302, f"the provider refused the sign-in: {response.status}"
    return response.getheader("Location") or ""


class DashboardClient:
    """A browser-like client of a WSGI app that serves /dashboard."""

    def __init__(self, wsgi: object, fake: FakeSlack) -> None:
        self.client = Client(wsgi)
        self.fake = fake
        self.last: TestResponse | None = None

    def get(self, path: str) -> TestResponse:
        self.last = self.client.get(path, base_url=ORIGIN)
        return self.last

    def post(self, path: str, data: dict[str, str]) -> TestResponse:
        self.last = self.client.post(path, base_url=ORIGIN, data=data)
        return self.last

    def sign_in(self, user_id: str, team_id: str = "T111") -> TestResponse:
        """Sign in as `user_id` (signed in to Slack in `team_id`); returns the page the callback leads to."""
        self.fake.sign_in_as(user_id, team_id)
        start = self.get("/dashboard/auth/start")
        assert start.status_code == 303, start.status_code
        back = urlsplit(follow_provider(start.headers["Location"]))
        assert f"{back.scheme}://{back.netloc}" == ORIGIN
        done = self.get(f"{back.path}?{back.query}")
        assert done.status_code == 303 and done.headers["Location"].endswith("/dashboard"), done.status_code
        return self.get("/dashboard")

    def csrf(self) -> str:
        """The CSRF token of a page's forms (from the start page when no page was opened yet)."""
        page = self.last if self.last is not None and self.last.mimetype == "text/html" else self.get("/dashboard")
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        assert found, "no form on the page"
        return found.group(1)

    def cookie_header(self) -> str:
        """The Set-Cookie header of the last response."""
        assert self.last is not None
        return self.last.headers.get("Set-Cookie", "")


def summaries_over_time(cohort: SummaryCohort, periods: tuple[str, ...]) -> datetime:
    """Fill and store each period's summary in turn, as the scheduler would have; returns a moment after the last."""
    policy = PrivacyPolicy()
    at = datetime(2027, 1, 1, tzinfo=UTC)
    for period in periods:
        cohort.fill(period)
        at = cohort.moment(period) + timedelta(hours=1)
        ensure_summary(cohort.engine, cohort.cohort_id, policy=policy, now=at)
    return at


def filled_world(engine: Engine, fake: FakeSlack, periods: tuple[str, ...]) -> tuple[SummaryCohort, datetime]:
    """Everyone in the fake Slack, the summary cohort filled and its summaries stored period by period."""
    add_people(fake)
    cohort = build(engine)
    return cohort, summaries_over_time(cohort, periods)
