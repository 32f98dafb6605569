"""The built-in Feeniks programme: complete, in three languages, and previewable without Slack."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from bot.i18n import LANGUAGES, placeholders
from bot.programmes import DEFAULT_PROGRAMME, check_programme, default_programme
from bot.programmes.model import PLACEHOLDERS
from bot.programmes.preview import preview_lines
from tests.support.process import ROOT


def _texts(programme):
    yield "name", programme.name
    yield "description", programme.description
    for item in programme.items:
        yield item.id, item.text
    for info in programme.sessions:
        yield f"session {info.number} title", info.title
        yield f"session {info.number} assignment", info.assignment
    for step in programme.steps:
        for field in ("label", "text", "why"):
            value = getattr(step, field)
            if value is not None:
                yield f"{step.id} {field}", value


def test_the_default_template_passes_its_own_check() -> None:
    assert check_programme(DEFAULT_PROGRAMME) == []


def test_every_text_exists_in_every_language_with_the_same_placeholders() -> None:
    for where, text in _texts(default_programme()):
        found = {language: placeholders(text.get(language)) for language in LANGUAGES}
        for language in LANGUAGES:
            assert text.get(language).strip(), f"{where}: no {language} text"
        assert len({frozenset(names) for names in found.values()}) == 1, f"{where}: {found}"
        assert set().union(*found.values()) <= PLACEHOLDERS, where


def test_the_programme_has_every_part_of_the_feeniks_model() -> None:
    programme = default_programme()
    kinds = {step.kind for step in programme.steps}
    assert kinds >= {
        "kickoff",
        "assignment",
        "reflection",
        "self_efficacy",
        "experiment_checkin",
        "hr_meeting",
        "summary",
        "followup",
    }
    assert [s.session for s in programme.steps if s.kind == "kickoff"] == [1, 2, 3]
    checkpoints = {step.checkpoint: step for step in programme.steps if step.checkpoint}
    assert set(checkpoints) == {"T0", "T1", "T2"}
    for step in checkpoints.values():
        assert set(step.items) == {item.id for item in programme.items}
    periods = [step.period for step in programme.steps if step.kind == "summary"]
    assert sorted(periods) == sorted(["before-session-2", "before-session-3", "after-session-3", "follow-up"])
    assert {item.id for item in programme.items} == {f"SE{n}" for n in range(1, 7)}


def test_no_more_than_two_prompts_a_week() -> None:
    programme = default_programme()
    weeks: dict[tuple[int, int], int] = {}
    for step in programme.steps:
        if step.is_prompt and step.kind != "kickoff":
            key = (step.session, step.days // 7)
            weeks[key] = weeks.get(key, 0) + 1
    assert max(weeks.values()) <= 2, weeks


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_preview_dates_every_step(language: str) -> None:
    programme = default_programme()
    lines = preview_lines(programme, date(2027, 1, 11), language, "Europe/Helsinki")
    text = "\n".join(lines)
    for step in programme.steps:
        assert step.label.get(language) in text
    assert "11.1.2027" in text or "11 Jan 2027" in text
    assert "{" not in text, "a placeholder was left unfilled"


def test_programme_preview_runs_from_the_command_line_without_tokens() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "programme", "preview", "--start", "2027-01-11", "--lang", "fi"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "ma 11.1.2027" in result.stdout
    assert "Valmennuskerta 3" in result.stdout


def test_programme_check_reports_problems_and_exits_1(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[programme]\nid = 'x'\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "programme", "check", str(bad)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert f"{bad}: [[session]]: needs exactly sessions 1, 2 and 3" in result.stderr


def test_a_bad_start_date_is_explained() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "programme", "preview", "--start", "11.1.2027"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "is not a date written YYYY-MM-DD" in result.stderr
