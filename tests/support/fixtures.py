"""Plain pytest fixtures for the fake Slack; import them from a conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from tests.support.fake_slack import FakeSlack

SIGNING_SECRET = "test-signing-secret"


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A started FakeSlack with users U111 (Helsinki, fi-FI) and U222 (Stockholm, sv-SE)."""
    with FakeSlack() as fake:
        fake.add_user("U111", name="Anna Virtanen", email="anna@example.com")
        fake.add_user("U222", name="Erik Lind", tz="Europe/Stockholm", locale="sv-SE", email="erik@example.com")
        yield fake


@pytest.fixture
def slack_client(fake_slack: FakeSlack) -> WebClient:
    """A real slack_sdk WebClient pointed at the fake."""
    return WebClient(token="xoxb-test", base_url=fake_slack.url)


@pytest.fixture
def signing_secret() -> str:
    """The signing secret the request builders and the app under test share."""
    return SIGNING_SECRET
