"""The kickoff DM, the coach's receipt, the out-of-order question and the form, in every language."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.blocks.kickoff import (
    CohortChoice,
    already_text,
    choice_value,
    confirm_message,
    confirm_view,
    kickoff_message,
    kickoff_view,
    read_choice,
    receipt_message,
)
from bot.i18n import LANGUAGES
from bot.kickoff import KickoffContext, KickoffResult, Outcome
from bot.planning import PlanResult
from bot.programmes import programme_by_id
from bot.programmes.render import StepContext
from bot.status import NextStep
from tests.support.golden import assert_golden

PROGRAMME = programme_by_id("feeniks")
KICKOFF_AT = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)
BASELINE_AT = datetime(2027, 1, 11, 12, 2, tzinfo=UTC)  # right after the kickoff
ASSIGNMENT_AT = datetime(2027, 1, 18, 7, 0, tzinfo=UTC)  # assignment 1, a week later
ASSIGNMENT_START = {
    "fi": ">Tutki, miten työyhteisössäsi opitaan",
    "sv": ">Ta reda på hur man lär sig i din arbetsgemenskap",
    "en": ">Find out how people learn in your work community",
}


def _texts(blocks: list[dict]) -> str:
    parts = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [element.get("text", "") for element in block.get("elements", []) if isinstance(element, dict)]
    return "\n".join(parts)


def _context(language: str) -> KickoffContext:
    return KickoffContext(
        goal="Growing into an expert role",
        tz="Europe/Helsinki",
        next_label=PROGRAMME.step("s1-assignment-1").label.get(language),
        next_moment=ASSIGNMENT_AT,
        next_session=2,
        next_session_date=date(2027, 2, 8),
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_kickoff_dm_has_the_sessions_title_text_assignment_and_what_comes_next(language: str) -> None:
    step = PROGRAMME.step("s1-kickoff")
    text, blocks = kickoff_message(PROGRAMME, step, language, _context(language))
    assert_golden(f"kickoff/dm.{language}", {"text": text, "blocks": blocks}, surface="message")
    shown = _texts(blocks)
    assert PROGRAMME.session_info(1).title.get(language) in blocks[0]["text"]["text"]
    assert step.text is not None and step.text.get(language).split("\n")[0] in shown
    assert ASSIGNMENT_START[language] in shown
    assert {"fi": "ma 18.1.2027 klo 9.00", "sv": "mån 18.1.2027 kl. 9.00", "en": "Mon 18 Jan 2027 at 09:00"}[
        language
    ] in shown
    assert {"fi": "ma 8.2.2027", "sv": "mån 8.2.2027", "en": "Mon 8 Feb 2027"}[language] in shown


def test_without_a_kickoff_context_the_dm_leaves_out_what_comes_next() -> None:
    text, blocks = kickoff_message(PROGRAMME, PROGRAMME.step("s2-kickoff"), "en", StepContext())
    assert text == (
        "Session 2: Experiments that support the work community's learning — your assignment and what comes next"
    )
    assert "Next from me" not in _texts(blocks) and "is on" not in _texts(blocks)
    assert ">Choose a small experiment" in _texts(blocks)


def _started(mentors: int = 16, planned: int = 144) -> KickoffResult:
    kickoff, baseline, assignment = (
        PROGRAMME.step(s) for s in ("s1-kickoff", "s1-self-efficacy-t0", "s1-assignment-1")
    )
    return KickoffResult(
        Outcome.STARTED,
        cohort_id=7,
        cohort="Kevät 2027",
        timezone="Europe/Helsinki",
        number=1,
        date=date(2027, 1, 11),
        started_at=KICKOFF_AT,
        started_by="UCOACH",
        plan=PlanResult(mentors, planned, kickoff if mentors else None, KICKOFF_AT if mentors else None),
        upcoming=(
            NextStep(kickoff.id, kickoff, KICKOFF_AT, 16),
            NextStep(baseline.id, baseline, BASELINE_AT, 16),
            NextStep(assignment.id, assignment, ASSIGNMENT_AT, 16),
        )
        if mentors
        else (),
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_receipt_says_how_many_mentors_and_prompts_and_what_goes_out_next(language: str) -> None:
    message = receipt_message(_started(), language)
    assert_golden(f"kickoff/receipt.{language}", message, surface="message")


def test_the_receipt_in_english_reads_well() -> None:
    message = receipt_message(_started(), "en")
    assert message["text"] == "Session 1 of Kevät 2027 has started (active mentors: 16, prompts planned: 144)."
    assert _texts(message["blocks"]).splitlines()[1:5] == [
        "Active mentors: *16* · prompts planned for this block: *144*, the kickoff message included",
        "*Going out next*",
        "• Welcome and assignment 1 — now",
        "• Self-efficacy: at the start — Mon 11 Jan 2027 at 14:02",
    ]


def test_a_receipt_for_a_cohort_without_mentors_says_how_to_add_them() -> None:
    shown = _texts(receipt_message(_started(mentors=0, planned=0), "en")["blocks"])
    assert "no active mentors yet, so nothing goes out" in shown
    assert '`/mentori member add "Kevät 2027"`' in shown
    assert "Going out next" not in shown


def test_the_same_kickoff_again_says_when_and_by_whom() -> None:
    again = KickoffResult(
        Outcome.ALREADY_STARTED,
        7,
        "Kevät 2027",
        "Europe/Helsinki",
        1,
        date(2027, 1, 11),
        started_at=KICKOFF_AT,
        started_by="UCOACH",
    )
    assert already_text(again, "fi") == (
        "Ryhmän *Kevät 2027* valmennuskerran 1 aloitti jo <@UCOACH> ma 11.1.2027 klo 14.00, joten mitään ei lähetetty "
        "uudelleen."
    )
    assert already_text(again, "en") == (
        "Session 1 of *Kevät 2027* was already started on Mon 11 Jan 2027 at 14:00 by <@UCOACH>, so nothing was "
        "sent again."
    )


def _asked(*earlier: int) -> KickoffResult:
    return KickoffResult(
        Outcome.NEEDS_CONFIRMATION,
        7,
        "Kevät 2027",
        "Europe/Helsinki",
        3,
        date(2027, 3, 8),
        not_started=earlier,
        mentors=16,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_out_of_order_question_has_confirm_and_cancel_buttons(language: str) -> None:
    message = confirm_message(_asked(1, 2), language)
    assert_golden(f"kickoff/confirm.{language}", message, surface="message")
    buttons = message["blocks"][-1]["elements"]
    assert [b["action_id"] for b in buttons] == ["kickoff_confirm", "kickoff_cancel"]
    assert {read_choice(b["value"]) for b in buttons} == {(7, 3)}


def test_the_question_names_the_one_session_not_started() -> None:
    assert confirm_message(_asked(2), "en")["text"].startswith(
        "Session 2 of *Kevät 2027* hasn't been started yet. Start session 3 anyway?"
    )


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "x",
        "[]",
        "7",
        '{"cohort": "7", "n": 1}',
        '{"cohort": true, "n": 1}',
        '{"n": 1}',
        '{"cohort": 99999999999999999999, "n": 1}',
        '{"cohort": -1, "n": 1}',
    ],
)
def test_a_choice_that_is_not_ours_is_not_read(raw: str | None) -> None:
    assert read_choice(raw) is None
    assert read_choice(choice_value(7, 2)) == (7, 2)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_form_offers_the_cohort_and_its_next_session(language: str) -> None:
    only = CohortChoice(7, "Kevät 2027", (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8)), started=(1,))
    view = kickoff_view(language, [only], PROGRAMME)
    assert_golden(f"kickoff/form.{language}", view, surface="view")
    cohort, session = (block["element"] for block in view["blocks"])
    assert cohort["initial_option"]["value"] == "7"
    assert session["initial_option"]["value"] == "2"


def test_with_several_cohorts_nothing_is_chosen_for_the_coach() -> None:
    view = kickoff_view("en", [CohortChoice(1, "Spring"), CohortChoice(2, "Autumn")], None)
    cohort, session = (block["element"] for block in view["blocks"])
    assert [option["text"]["text"] for option in cohort["options"]] == ["Spring", "Autumn"]
    assert "initial_option" not in cohort and "initial_option" not in session
    assert [option.get("description") for option in session["options"]] == [None, None, None]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_forms_out_of_order_question(language: str) -> None:
    view = confirm_view(_asked(1, 2), language)
    assert_golden(f"kickoff/form_confirm.{language}", view, surface="view")
    assert read_choice(view["private_metadata"]) == (7, 3)


def _early(*earlier: int, mentors: int = 16) -> KickoffResult:
    return KickoffResult(
        Outcome.NEEDS_CONFIRMATION,
        7,
        "Kevät 2027",
        "Europe/Helsinki",
        1,
        date(2027, 3, 22),
        not_started=earlier,
        days_ahead=70,
        mentors=mentors,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_session_weeks_away_asks_first_and_shows_what_mentors_would_get(language: str) -> None:
    message = confirm_message(_early(), language)
    assert_golden(f"kickoff/confirm_early.{language}", message, surface="message")
    assert_golden(f"kickoff/form_confirm_early.{language}", confirm_view(_early(), language), surface="view")


def test_the_early_question_says_the_date_and_the_kickoff_text() -> None:
    shown = _texts(confirm_message(_early(), "en")["blocks"][:-1])
    assert shown.startswith(
        "Session 1 of *Kevät 2027* is dated Mon 22 Mar 2027, 70 days from today. Start it now anyway?"
    )
    assert "What each of the 16 active mentors would get now:" in shown
    assert "Self-efficacy: at the start" in shown
    assert "nothing would go out now" in _texts(confirm_message(_early(mentors=0), "en")["blocks"][:-1])
