"""What a mentor reads in a prompt DM and its reminder, and what a coach reads when prompts cannot be delivered."""

from __future__ import annotations

from typing import Any

import pytest

from bot.blocks.delivery_report import failure_report
from bot.blocks.home import HOME_EXPERIMENT_NEW
from bot.blocks.prompt import (
    ANSWER_ACTION,
    SKIP_ACTION,
    SNOOZE_ACTION,
    Place,
    metadata_delivery_id,
    place_text,
    prompt_message,
    reminder_message,
)
from bot.i18n import LANGUAGES, t
from bot.programmes import programme_by_id
from bot.programmes.render import StepContext, fill
from tests.support.golden import assert_golden

FEENIKS = programme_by_id("feeniks")
GOAL_STEP = FEENIKS.step("s1-goal")  # "Your organisation's goal for mentoring is …": a placeholder, and a why
GOAL = {"fi": "Asiantuntijarooliin kasvaminen", "sv": "Att växa in i expertrollen", "en": "Growing into an expert role"}
PLACES = {"fi": "Valmennuskerta 1 → 2, viikko 2", "sv": "Coachningstillfälle 1 → 2, vecka 2",
          "en": "Session 1 → 2, week 2"}  # fmt: skip


def _texts(blocks: list[dict[str, Any]]) -> str:
    """Every text a block shows (sections and context elements)."""
    texts = [block["text"]["text"] for block in blocks if "text" in block]
    texts += [
        element["text"] for block in blocks for element in block.get("elements", []) if element.get("type") == "mrkdwn"
    ]
    return "\n".join(texts)


def _prompt(language: str) -> dict[str, Any]:
    question = fill(GOAL_STEP, language, StepContext(goal=GOAL[language]))
    return prompt_message(GOAL_STEP, language, question=question, place=Place(1, 2), delivery_id=4711)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_prompt_shows_the_question_why_it_matters_its_place_and_three_buttons(language: str) -> None:
    message = _prompt(language)
    assert_golden(f"prompt/prompt.{language}", message, surface="message")
    shown = _texts(message["blocks"])
    assert GOAL[language] in shown and GOAL_STEP.why is not None and GOAL_STEP.why.get(language) in shown
    assert PLACES[language] in shown
    buttons = next(block["elements"] for block in message["blocks"] if block["type"] == "actions")
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ANSWER_ACTION, "4711"),
        (SNOOZE_ACTION, "4711"),
        (SKIP_ACTION, "4711"),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_if_then_prompt_opens_the_new_experiment_form(language: str) -> None:
    step = FEENIKS.step("s2-if-then-plan")
    message = prompt_message(
        step, language, question=fill(step, language, StepContext()), place=Place(2, 1), delivery_id=4712
    )
    buttons = next(block["elements"] for block in message["blocks"] if block["type"] == "actions")
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ANSWER_ACTION, "4712"),
        (HOME_EXPERIMENT_NEW, "new"),
        (SNOOZE_ACTION, "4712"),
        (SKIP_ACTION, "4712"),
    ]
    new = buttons[1]["text"]["text"]
    assert new == t(language, "home.experiment_new") and f"*{new}*" in _texts(message["blocks"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_plain_text_fallback_carries_the_whole_question(language: str) -> None:
    message = _prompt(language)
    assert GOAL_STEP.label.get(language) in message["text"]
    assert fill(GOAL_STEP, language, StepContext(goal=GOAL[language])) in message["text"]


def test_a_prompt_is_marked_with_its_delivery_id_in_the_message_metadata() -> None:
    message = _prompt("en")
    assert message["metadata"] == {"event_type": "mentori_prompt", "event_payload": {"delivery_id": 4711}}
    assert metadata_delivery_id(message) == 4711
    other = {"metadata": {"event_type": "something_else", "event_payload": {"delivery_id": 4711}}}
    assert metadata_delivery_id(other) is None
    assert metadata_delivery_id({"text": "a mentor's own message"}) is None


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        (Place(1, 1), "Session 1 → 2, week 1"),
        (Place(2, 3), "Session 2 → 3, week 3"),
        (Place(3, 5), "After session 3, week 5"),
        (Place(2, 0), "Session 2 → 3, week 1"),  # a step placed before its block's session still reads sensibly
    ],
)
def test_the_place_of_a_prompt_in_the_programme(place: Place, expected: str) -> None:
    assert place_text("en", place) == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reminder_names_the_prompt_and_how_to_answer(language: str) -> None:
    message = reminder_message(GOAL_STEP, language)
    assert_golden(f"prompt/reminder.{language}", message, surface="message")
    assert GOAL_STEP.label.get(language) in message["text"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_coach_hears_which_mentors_could_not_be_reached_and_what_to_do(language: str) -> None:
    message = failure_report(
        language, cohort="Kevät 2027", code="user_not_found", user_ids=["UM01", "UM02"], workspace_wide=False
    )
    assert_golden(f"prompt/failure_report.{language}", message, surface="message")
    shown = _texts(message["blocks"])
    assert "<@UM01>, <@UM02>" in shown and "`user_not_found`" in shown and "/mentori member remove" in shown


def test_a_workspace_wide_failure_points_to_the_operator_and_long_lists_are_cut() -> None:
    users = [f"UM{number:03d}" for number in range(40)]
    message = failure_report("en", cohort="Spring", code="invalid_auth", user_ids=users, workspace_wide=True)
    shown = _texts(message["blocks"])
    assert "python -m bot doctor" in shown and "Mentors affected: *40*" in shown
    assert "<@UM029>" in shown and "<@UM030>" not in shown and "and 10 more" in shown
