"""An operator's mistake stops each role with one line on stderr (the setting, what is wrong, the fix) and a non-zero
exit; the traceback comes only with LOG_LEVEL=DEBUG."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from storage.db import make_engine, upgrade
from tests.support.fake_slack import FakeSlack
from tests.support.process import ROOT, free_port

ROLES = ["run", "web", "worker", "import"]
DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/mentori"  # nothing listens on port 1


def _mentori(role: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    extra = ["people.csv", "--cohort", "Spring 2027"] if role == "import" else []
    environment = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "PORT": "3999",
        "METRICS_PORT": "0",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", role, *extra],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    return lines[0]


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'mentori.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.mark.parametrize("role", ROLES)
def test_a_database_server_that_does_not_answer(tmp_path: Path, role: str) -> None:
    line = _one_line(_mentori(role, tmp_path, DATABASE_URL=DOWN))
    assert line.startswith("mentori: DATABASE_URL: the database server at 127.0.0.1:1/mentori does not answer (")
    assert line.endswith("start it, or fix the host and port in DATABASE_URL.")


def test_a_sqlite_file_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    path = tmp_path / "a-file" / "mentori.sqlite3"
    line = _one_line(_mentori("run", tmp_path, DATABASE_URL=f"sqlite:///{path}"))
    assert line.startswith(f"mentori: DATABASE_URL: the SQLite file {path} cannot be created (")
    assert line.endswith("fix the path, or the directory's permissions.")


@pytest.mark.postgres
def test_a_database_that_does_not_exist(tmp_path: Path) -> None:
    server = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not server:
        pytest.skip("needs TEST_DATABASE_URL (a PostgreSQL server)")
    url = make_url(server).set(database="mentori_no_such_database")
    line = _one_line(_mentori("worker", tmp_path, DATABASE_URL=url.render_as_string(hide_password=False)))
    assert line.startswith("mentori: DATABASE_URL names a database that does not exist (")
    assert line.endswith("create it (e.g. `createdb mentori_no_such_database`), or fix the name.")


@pytest.mark.parametrize("role", ROLES)
def test_slack_out_of_reach(tmp_path: Path, migrated: str, role: str) -> None:
    line = _one_line(_mentori(role, tmp_path, DATABASE_URL=migrated, SLACK_API_URL="http://127.0.0.1:1/api/"))
    assert line.startswith("mentori: SLACK_API_URL: Slack at http://127.0.0.1:1/api/ cannot be reached (")
    assert line.endswith("check the network, DNS, a proxy or firewall, or the URL.")


@pytest.mark.parametrize("role", ROLES)
def test_a_bot_token_slack_refuses(tmp_path: Path, migrated: str, fake_slack: FakeSlack, role: str) -> None:
    line = _one_line(
        _mentori(role, tmp_path, DATABASE_URL=migrated, SLACK_API_URL=fake_slack.url, SLACK_BOT_TOKEN="xoxb-revoked")
    )
    assert line.startswith("mentori: SLACK_BOT_TOKEN was refused by Slack (invalid_auth): copy the Bot User OAuth")


def test_an_app_token_slack_refuses(tmp_path: Path, migrated: str, fake_slack: FakeSlack) -> None:
    line = _one_line(
        _mentori("run", tmp_path, DATABASE_URL=migrated, SLACK_API_URL=fake_slack.url, SLACK_APP_TOKEN="xapp-refused")
    )
    assert line.startswith("mentori: SLACK_APP_TOKEN was refused by Slack (invalid_auth): generate an App-Level Token")


def test_doctor_reports_each_problem_in_its_line_without_a_traceback(tmp_path: Path) -> None:
    result = _mentori("doctor", tmp_path, DATABASE_URL=DOWN, SLACK_API_URL="http://127.0.0.1:1/api/")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr and result.stderr == ""
    assert "FIX  The database at" in result.stdout and "FIX  Slack's Web API did not answer" in result.stdout


@pytest.mark.parametrize("role", ["worker", "run"])
def test_the_traceback_comes_with_log_level_debug(role: str, tmp_path: Path) -> None:
    result = _mentori(role, tmp_path, DATABASE_URL=DOWN, LOG_LEVEL="DEBUG")
    assert result.returncode == 1
    assert "mentori: DATABASE_URL: the database server at 127.0.0.1:1/mentori does not answer" in result.stderr
    assert "Traceback (most recent call last)" in result.stderr


@pytest.mark.parametrize(("role", "setting"), [("run", "PORT"), ("web", "PORT"), ("web", "METRICS_PORT")])
def test_a_port_in_use(tmp_path: Path, migrated: str, fake_slack: FakeSlack, role: str, setting: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        ports = {"PORT": str(free_port()), "METRICS_PORT": str(free_port()), setting: port}
        line = _one_line(_mentori(role, tmp_path, DATABASE_URL=migrated, SLACK_API_URL=fake_slack.url, **ports))
    where = "METRICS_HOST and METRICS_PORT" if setting == "METRICS_PORT" else "PORT"
    host = "127.0.0.1" if setting == "METRICS_PORT" else "0.0.0.0"
    assert line == (
        f"mentori: {where}: Mentori cannot listen on {host}:{port} (Address already in use): another process may be "
        "using it; stop that process or choose another port."
    )
