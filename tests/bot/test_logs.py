"""Logs never carry a token or the text of a reflection, even at DEBUG."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from bot.logs import configure_logging
from storage.db import make_engine


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_sql_with_answer_text_is_not_logged_even_at_debug(
    capfd: pytest.CaptureFixture[str],
    tmp_path,
    restore_logging,
) -> None:
    configure_logging("DEBUG", "text")
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (v TEXT)"))
        connection.execute(text("INSERT INTO t VALUES (:v)"), {"v": "my private reflection"})
    assert "my private reflection" not in capfd.readouterr().err


def test_tokens_are_redacted_and_json_lines_parse(capfd: pytest.CaptureFixture[str], restore_logging) -> None:
    configure_logging("INFO", "json")
    logging.getLogger("bot.test").info("token %s used", "xoxb-1234-5678-abcdef", extra={"team_id": "T111"})
    line = capfd.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert "abcdef" not in line
    assert entry["message"] == "token xoxb-… used"
    assert entry["team_id"] == "T111"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_an_error_is_one_line_and_its_traceback_only_at_debug(
    capfd: pytest.CaptureFixture[str], restore_logging, fmt: str
) -> None:
    for level, traceback in (("INFO", False), ("DEBUG", True)):
        configure_logging(level, fmt)
        try:
            raise ValueError("the cohort's date\nis broken")
        except ValueError:
            logging.getLogger("bot.test").exception("could not plan %s", "Spring 2027")
        err = capfd.readouterr().err
        assert ("Traceback (most recent call last)" in err) is traceback
        if not traceback:
            (line,) = err.strip().splitlines()
            assert "could not plan Spring 2027" in line and "ValueError: the cohort's date is broken" in line
