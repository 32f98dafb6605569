"""What a mentor reads when a value is missing: a variant without it, never a placeholder shown as data."""

from __future__ import annotations

from itertools import product

import pytest

from bot.i18n import LANGUAGES, plural
from bot.programmes import default_programme
from bot.programmes.render import StepContext, fill

PROGRAMME = default_programme()
CONTEXTS = [
    StepContext(goal=goal, experiment=experiment, weeks=weeks)
    for goal, experiment, weeks in product((None, "Kasvu asiantuntijaksi"), (None, "Oppimislounas"), (None, 1, 5))
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_goal_asks_about_the_goal_instead_of_quoting_a_stand_in(language: str) -> None:
    step = PROGRAMME.step("s1-goal")
    with_goal = fill(step, language, StepContext(goal="Kasvu asiantuntijaksi"))
    without = fill(step, language, StepContext())
    assert "Kasvu asiantuntijaksi" in with_goal
    assert without == step.variants[0].get(language)
    assert not any(quote in without for quote in '”“"')
    assert (
        without.split("?")[0]
        in {
            "fi": "Mitä organisaatiosi tavoittelee oppimismentoroinnilla",
            "sv": "Vad vill din organisation uppnå med lärandementorskapet",
            "en": "What does your organisation want from learning mentoring",
        }[language]
    )


@pytest.mark.parametrize(
    ("language", "weeks", "expected"),
    [
        ("fi", 1, "on ollut käynnissä viikon"),
        ("fi", 5, "on ollut käynnissä 5 viikkoa"),
        ("sv", 1, "har pågått i en vecka"),
        ("sv", 5, "har pågått i 5 veckor"),
        ("en", 1, "has been running for a week"),
        ("en", 5, "has been running for 5 weeks"),
    ],
)
def test_how_long_an_experiment_ran_agrees_with_the_number(language: str, weeks: int, expected: str) -> None:
    text = fill(PROGRAMME.step("s3-followup-3"), language, StepContext(experiment="Oppimislounas", weeks=weeks))
    assert expected in text
    assert "Oppimislounas" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_experiment_not_started_or_not_recorded_is_never_said_to_have_run(language: str) -> None:
    step = PROGRAMME.step("s3-followup-3")
    planned = fill(step, language, StepContext(experiment="Oppimislounas"))
    missing = fill(step, language, StepContext())
    running = {"fi": "käynnissä", "sv": "pågått", "en": "running"}[language]
    assert "Oppimislounas" in planned and running not in planned
    assert running not in missing and "Oppimislounas" not in missing
    assert {"fi": "kokeilusi", "sv": "experiment", "en": "experiment"}[language] not in missing.lower()


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_prompt_leaks_a_placeholder_or_an_empty_value(language: str) -> None:
    for step, context in product(PROGRAMME.steps, CONTEXTS):
        if not step.is_prompt:
            continue
        text = fill(step, language, context)
        assert "{" not in text and "}" not in text, (step.id, context, text)
        assert not any(empty in text for empty in ("””", "“”", '""', "  ", " ?", " .")), (step.id, context, text)
        if context.experiment is None:
            assert "Oppimislounas" not in text
        if context.weeks is None:
            assert not any(word in text for word in ("viikon ajan", "viikkoa –", "veckor –", "weeks —"))


@pytest.mark.parametrize(
    ("language", "counts"),
    [
        ("fi", {0: "0 viikkoa", 1: "viikon", 2: "2 viikkoa", 21: "21 viikkoa"}),
        ("sv", {0: "0 veckor", 1: "en vecka", 2: "2 veckor", 21: "21 veckor"}),
        ("en", {0: "0 weeks", 1: "a week", 2: "2 weeks", 21: "21 weeks"}),
    ],
)
def test_plural_forms_follow_each_languages_rule(language: str, counts: dict[int, str]) -> None:
    for count, expected in counts.items():
        assert plural(language, "programme.weeks", count) == expected
