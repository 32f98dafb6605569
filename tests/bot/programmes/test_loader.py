"""`programme check`: a template with a problem is refused, naming the file, the step and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.programmes import check_programme, load_programme

HEAD = """
[programme]
id = "mini"
version = 1
name = { fi = "Mini", sv = "Mini", en = "Mini" }
description = { fi = "Lyhyt.", sv = "Kort.", en = "Short." }

[scale]
low = { fi = "Eri mieltä", sv = "Av annan åsikt", en = "Disagree" }
high = { fi = "Samaa mieltä", sv = "Av samma åsikt", en = "Agree" }

[[item]]
id = "SE1"
text = { fi = "Pystyn.", sv = "Jag kan.", en = "I can." }
"""
SESSIONS = "".join(
    f"""
[[session]]
number = {n}
title = {{ fi = "T{n}", sv = "T{n}", en = "T{n}" }}
assignment = {{ fi = "Tehtävä", sv = "Uppgift", en = "Task" }}
"""
    for n in (1, 2, 3)
)
GOOD_STEP = """
[[step]]
id = "s1-reflection-1"
kind = "reflection"
session = 1
days = 7
time = "09:00"
label = { fi = "Pohdinta", sv = "Reflektion", en = "Reflection" }
text = { fi = "Mitä opit? {goal}", sv = "Vad lärde du dig? {goal}", en = "What did you learn? {goal}" }
text_no_goal = { fi = "Mitä opit?", sv = "Vad lärde du dig?", en = "What did you learn?" }
why = { fi = "Koska.", sv = "Därför.", en = "Because." }
"""


def _write(tmp_path: Path, steps: str) -> Path:
    path = tmp_path / "mini.toml"
    path.write_text(HEAD + SESSIONS + steps, encoding="utf-8")
    return path


def test_a_valid_template_loads_with_its_steps_in_order(tmp_path: Path) -> None:
    programme = load_programme(_write(tmp_path, GOOD_STEP))
    assert [step.id for step in programme.steps] == ["s1-reflection-1"]
    step = programme.steps[0]
    assert (step.session, step.days, step.at.hour, step.block) == (1, 7, 9, 1)
    assert check_programme(_write(tmp_path, GOOD_STEP)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('sv = "Vad lärde du dig? {goal}", ', ""), "step 's1-reflection-1': text has no sv text"),
        (("Vad lärde du dig? {goal}", "Vad lärde du dig?"), "text has different placeholders in each language"),
        (("{goal}", "{boss}"), "text uses unknown placeholders ['boss']"),
        (('time = "09:00"', 'time = "9 am"'), "time must be HH:MM on a 24-hour clock"),
        (('kind = "reflection"', 'kind = "poem"'), "kind 'poem' is not one of"),
        (("days = 7", "days = -2"), "days must not be negative for session 1"),
        (("session = 1", "session = 4"), "session must be 1, 2 or 3"),
        (('id = "s1-reflection-1"', 'id = "S1 Reflection"'), "id must be lowercase letters"),
    ],
)
def test_each_problem_names_the_file_the_step_and_what_is_wrong(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = _write(tmp_path, GOOD_STEP.replace(*change))
    errors = check_programme(path)
    assert errors, "the broken template was accepted"
    assert all(error.startswith(f"{path}: ") for error in errors)
    assert any(expected in error for error in errors), errors


def test_duplicate_step_ids_are_refused(tmp_path: Path) -> None:
    errors = check_programme(_write(tmp_path, GOOD_STEP + GOOD_STEP))
    assert any("id is used by more than one step" in error for error in errors)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    broken = GOOD_STEP.replace('time = "09:00"', 'time = "25:00"').replace('kind = "reflection"', 'kind = "x"')
    assert len(check_programme(_write(tmp_path, broken))) >= 2


def test_a_summary_step_needs_a_period_and_no_mentor_text(tmp_path: Path) -> None:
    summary = """
[[step]]
id = "summary-1"
kind = "summary"
session = 2
days = -3
label = { fi = "Yhteenveto", sv = "Sammanfattning", en = "Summary" }
text = { fi = "x", sv = "x", en = "x" }
"""
    errors = check_programme(_write(tmp_path, GOOD_STEP + summary))
    assert any("a summary step needs period" in error for error in errors)
    assert any("remove text and why" in error for error in errors)


def test_a_self_efficacy_step_must_name_defined_items(tmp_path: Path) -> None:
    step = GOOD_STEP.replace('kind = "reflection"', 'kind = "self_efficacy"\nitems = ["SE1", "SE9"]')
    errors = check_programme(_write(tmp_path, step))
    assert any("item 'SE9' is not defined" in error for error in errors)


def test_invalid_toml_and_missing_files_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[programme\n", encoding="utf-8")
    assert check_programme(path)[0].startswith(f"{path}: not valid TOML")
    assert check_programme(tmp_path / "nope.toml") == [f"{tmp_path / 'nope.toml'}: no such file"]


def test_a_step_before_session_2_belongs_to_block_1(tmp_path: Path) -> None:
    step = GOOD_STEP.replace("session = 1", "session = 2").replace("days = 7", "days = -3")
    assert load_programme(_write(tmp_path, step)).steps[0].block == 1


CHECKIN = """
[[step]]
id = "s2-checkin"
kind = "experiment_checkin"
session = 2
days = 14
label = { fi = "Kokeilu", sv = "Experiment", en = "Experiment" }
text = { fi = "{experiment}: {weeks}?", sv = "{experiment}: {weeks}?", en = "{experiment}: {weeks}?" }
why = { fi = "Koska.", sv = "Därför.", en = "Because." }
"""
NO_WEEKS = 'text_no_weeks = { fi = "{experiment}?", sv = "{experiment}?", en = "{experiment}?" }\n'
NO_EXPERIMENT = 'text_no_experiment = { fi = "Kokeilu?", sv = "Experiment?", en = "Experiment?" }\n'


def test_a_text_with_a_value_a_mentor_may_lack_needs_a_variant_without_it(tmp_path: Path) -> None:
    errors = check_programme(_write(tmp_path, GOOD_STEP.replace("text_no_goal", "# text_no_goal")))
    assert any("the text uses {goal}: add text_no_goal" in error for error in errors), errors
    errors = check_programme(_write(tmp_path, GOOD_STEP + CHECKIN + NO_WEEKS))
    assert any("add text_no_experiment, a text without {experiment} and {weeks}" in e for e in errors), errors
    assert check_programme(_write(tmp_path, GOOD_STEP + CHECKIN + NO_WEEKS + NO_EXPERIMENT)) == []


def test_a_variant_must_not_use_the_value_it_stands_in_for(tmp_path: Path) -> None:
    step = GOOD_STEP.replace('en = "What did you learn?" }', 'en = "What did you learn? {goal}" }')
    step = step.replace('fi = "Mitä opit?", sv = "Vad lärde du dig?"', 'fi = "Mitä opit? {goal}", sv = "Vad? {goal}"')
    errors = check_programme(_write(tmp_path, step))
    assert any("text_no_goal must not use {goal}" in error for error in errors), errors


def test_the_baseline_goes_right_after_the_first_kickoff(tmp_path: Path) -> None:
    t0 = GOOD_STEP.replace('kind = "reflection"', 'kind = "self_efficacy"\nitems = ["SE1"]\ncheckpoint = "T0"')
    errors = check_programme(_write(tmp_path, t0))
    assert any("T0 is the baseline: place it at session 1 with days = 0" in error for error in errors), errors
    assert check_programme(_write(tmp_path, t0.replace("days = 7", "days = 0"))) == []


def test_only_a_known_form_can_be_offered_in_a_prompt(tmp_path: Path) -> None:
    errors = check_programme(
        _write(tmp_path, GOOD_STEP.replace('kind = "reflection"', 'kind = "reflection"\nform = "x"'))
    )
    assert any("form must be one of experiment" in error for error in errors), errors
    fine = GOOD_STEP.replace('kind = "reflection"', 'kind = "reflection"\nform = "experiment"')
    assert load_programme(_write(tmp_path, fine)).steps[0].form == "experiment"
