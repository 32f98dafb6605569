"""Fixtures shared by every test: databases on SQLite and PostgreSQL, the fake Slack, the app."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bot.app import create_app
from bot.deps import Deps
from bot.settings import Settings
from storage.db import make_engine, upgrade
from tests.support.app_driver import SlackDriver
from tests.support.fake_slack import FakeSlack

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
REQUIRE_POSTGRES = os.environ.get("MENTORI_REQUIRE_POSTGRES") == "1"
NO_POSTGRES = (
    "PostgreSQL tests skipped: TEST_DATABASE_URL is not set "
    "(e.g. TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test make test)"
)
_postgres_ran = 0

pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "mentori.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test run."""
    if not TEST_DATABASE_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("MENTORI_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip(NO_POSTGRES)
    server = make_url(TEST_DATABASE_URL)
    name = f"mentori_test_{os.getpid()}"
    admin = make_engine(server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL at {server.host}:{server.port} is not usable: {error}")
        pytest.skip(f"PostgreSQL tests skipped: {server.host}:{server.port} is not usable ({error.__class__.__name__})")
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(engine: Engine) -> None:
    with engine.begin() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            )
        ]
        if tables:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: once on SQLite, once on PostgreSQL."""
    global _postgres_ran
    if request.param == "sqlite":
        path = tmp_path / "mentori.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    _postgres_ran += 1
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = len(terminalreporter.stats.get("skipped", []))
    if skipped and not TEST_DATABASE_URL:
        terminalreporter.write_line(f"{skipped} tests skipped. {NO_POSTGRES}", yellow=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With MENTORI_REQUIRE_POSTGRES=1 (CI), a run in which no PostgreSQL test ran fails."""
    if REQUIRE_POSTGRES and _postgres_ran == 0 and exitstatus == 0 and session.testscollected:
        session.exitstatus = 1
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("FAILED: MENTORI_REQUIRE_POSTGRES=1 but no PostgreSQL test ran", red=True)


@pytest.fixture
def settings(database_url: str, fake_slack: FakeSlack, signing_secret: str) -> Settings:
    """Settings as an operator would write them, pointing the Web API at the fake Slack."""
    return Settings(
        slack_bot_token="xoxb-test",
        slack_signing_secret=signing_secret,
        slack_api_url=fake_slack.url,
        database_url=database_url,
        language="en",
    )


@pytest.fixture
def deps(settings: Settings, engine: Engine) -> Deps:
    return Deps(settings=settings, engine=engine)


@pytest.fixture
def slack(deps: Deps, signing_secret: str) -> SlackDriver:
    """The real app, driven with signed requests; its Web API calls go to the fake Slack."""
    return SlackDriver(create_app(deps), signing_secret)
