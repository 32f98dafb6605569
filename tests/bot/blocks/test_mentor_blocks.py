"""Everything a mentor sees, as Slack will show it, in each language: modals, DM messages and the Home tab."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.blocks.answer_modal import (
    answer_view,
    answered_message,
    dm_help_message,
    note_saved_message,
    skipped_message,
    with_state,
)
from bot.blocks.experiment import (
    erase_confirm_view,
    experiment_edit_view,
    experiment_new_view,
    hr_meeting_view,
    notice_view,
)
from bot.blocks.home import intro_home_view, mentor_home_view
from bot.blocks.kit import say, section, sparkline
from bot.blocks.pause import missed_offer_message, pause_text, resumed_text
from bot.i18n import LANGUAGES, day, moment, t
from bot.mentor_home import ExperimentRow, MeetingRow, MentorHome, OpenPrompt, PastAnswer, Place, TrendItem
from bot.programmes import default_programme
from bot.programmes.render import StepContext, fill
from tests.support.golden import assert_golden
from tests.support.mentors import prompt_blocks

ANSWERED_AT = datetime(2027, 1, 19, 12, 0)  # local wall-clock time


def _step(step_id: str, language: str) -> tuple[str, str]:
    step = default_programme().step(step_id)
    context = StepContext(goal="Growing into an expert role", experiment="Learning lunch", weeks=3)
    return step.label.get(language), fill(step, language, context)


def _items(language: str) -> list[tuple[str, str]]:
    return [(item.id, item.text.get(language)) for item in default_programme().items]


def _scale(language: str) -> dict[str, str]:
    programme = default_programme()
    return {"scale_low": programme.scale_low.get(language), "scale_high": programme.scale_high.get(language)}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_answer_modal_for_a_reflection(language: str) -> None:
    label, question = _step("s1-peer-learning", language)
    view = answer_view(language, delivery_id=7, label=label, question=question)
    assert_golden(f"mentor/answer_reflection.{language}", view, surface="view")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_answer_modal_for_a_self_efficacy_check_in(language: str) -> None:
    label, question = _step("s1-self-efficacy-t0", language)
    view = answer_view(
        language, delivery_id=7, label=label, question=question, items=_items(language), **_scale(language)
    )
    assert_golden(f"mentor/answer_self_efficacy.{language}", view, surface="view")
    assert len(view["blocks"]) <= 100


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_answer_modal_when_editing_a_one_tap_check_in(language: str) -> None:
    label, question = _step("s3-followup-3", language)
    view = answer_view(
        language,
        delivery_id=7,
        label=label,
        question=question,
        thumbs=True,
        text="Going fine.",
        ratings={"thumbs": "unsure"},
        consent=True,
        editing=True,
    )
    assert_golden(f"mentor/answer_thumbs_edit.{language}", view, surface="view")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_answer_modal_after_the_summary_went_out(language: str) -> None:
    label, question = _step("s1-goal", language)
    view = answer_view(language, delivery_id=7, label=label, question=question, late=True)
    assert_golden(f"mentor/answer_late.{language}", view, surface="view")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_prompt_dm_once_answered(language: str) -> None:
    label, question = _step("s1-peer-learning", language)
    message = answered_message(
        language,
        delivery_id=7,
        label=label,
        question=question,
        answered_at=ANSWERED_AT,
        text="I asked a colleague <and> learned SQL.\nThen I tried it.",
        rated=0,
        thumbs=None,
        editable=True,
    )
    assert_golden(f"mentor/answered.{language}", message, surface="message")
    assert "&lt;and&gt;" in str(message["blocks"]), "the mentor's words are escaped"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_prompt_dm_of_a_shared_answer_shows_what_hr_may_read(language: str) -> None:
    label, question = _step("s1-peer-learning", language)
    message = answered_message(
        language,
        delivery_id=7,
        label=label,
        question=question,
        answered_at=ANSWERED_AT,
        text="Anna <at> Vero helped.",
        rated=0,
        thumbs=None,
        editable=False,
        shared="[…] <at> […] helped.",
        min_group=6,
    )
    assert_golden(f"mentor/answered_shared.{language}", message, surface="message")
    buttons = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["answer.stop_sharing"]
    assert ">[…] &lt;at&gt; […] helped." in str(message["blocks"]) and " 6 " in str(message["blocks"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_prompt_dm_once_answered_and_closed(language: str) -> None:
    label, question = _step("s1-self-efficacy-t0", language)
    message = answered_message(
        language,
        delivery_id=7,
        label=label,
        question=question,
        answered_at=ANSWERED_AT,
        text=None,
        rated=6,
        thumbs=None,
        editable=False,
    )
    assert_golden(f"mentor/answered_closed.{language}", message, surface="message")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_prompt_dm_once_skipped(language: str) -> None:
    label, question = _step("s1-goal", language)
    message = skipped_message(language, delivery_id=7, label=label, question=question)
    assert_golden(f"mentor/skipped.{language}", message, surface="message")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_prompt_dm_once_snoozed(language: str) -> None:
    note = t(language, "mentor.prompt.snoozed", when=moment(language, datetime(2027, 1, 20, 9, 0)))
    blocks = with_state(prompt_blocks(7, "The prompt as the nudge engine posted it"), note)
    assert_golden(f"mentor/snoozed.{language}", {"blocks": blocks}, surface="message")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_replies_to_a_dm_outside_a_thread(language: str) -> None:
    label, _ = _step("s1-goal", language)
    messages = {
        "offer": dm_help_message(language, note_id=12, label=label),
        "nothing_open": dm_help_message(language, note_id=None, label=None),
        "too_long": dm_help_message(language, note_id=None, label=label, too_long=True),
        "saved": note_saved_message(language, label=label, added=False),
        "added": note_saved_message(language, label=label, added=True),
    }
    for name, message in messages.items():
        assert_golden(f"mentor/dm_{name}.{language}", message, surface="message")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_plain_text_replies(language: str) -> None:
    """Thread replies and command answers are plain text: one golden file lists them all."""
    texts = {
        "thread_added": t(language, "mentor.thread.added"),
        "thread_closed": t(language, "mentor.thread.closed", day=day(language, date(2027, 2, 5))),
        "thread_rate": t(language, "mentor.thread.rate"),
        "thread_paused": t(language, "mentor.thread.paused", day=day(language, date(2027, 2, 5))),
        "pause_done": pause_text(
            language,
            date(2027, 2, 5),
            [_step("s1-self-efficacy-t0", language)[0], _step("s1-peer-learning", language)[0]],
            offer_later=True,
        ),
        "pause_nothing": pause_text(language, date(2027, 2, 5), [], offer_later=False),
        "resumed": resumed_text(language, offered=False),
        "resumed_offered": resumed_text(language, offered=True),
        "export_comment": t(language, "mentor.data.export_comment"),
        "export_failed": t(language, "mentor.data.export_failed"),
    }
    assert_golden(f"mentor/texts.{language}", texts)
    assert all(len(text) <= 3000 for text in texts.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_offer_of_what_a_pause_skipped(language: str) -> None:
    missed = [(41, _step("s1-self-efficacy-t0", language)[0]), (42, _step("s1-assignment-1", language)[0])]
    message = missed_offer_message(language, missed)
    assert_golden(f"mentor/pause_offer.{language}", message, surface="message")
    buttons = [block["accessory"] for block in message["blocks"] if "accessory" in block]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("prompt.answer", "41"), ("prompt.answer", "42")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_experiment_forms(language: str) -> None:
    new = experiment_new_view(
        language, member_id=3, goals=[(1, "Growing into an expert role"), (2, "Peer support for supervisors")]
    )
    assert_golden(f"mentor/experiment_new.{language}", new, surface="view")
    edit = experiment_edit_view(
        language,
        experiment_id=5,
        title="Learning lunch",
        plan_when="a new colleague starts",
        plan_then="I invite them to lunch",
        status="running",
        outcome="Twelve people came.",
        decision="spread",
    )
    assert_golden(f"mentor/experiment_edit.{language}", edit, surface="view")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_hr_meeting_and_erase_forms(language: str) -> None:
    assert_golden(
        f"mentor/hr_meeting.{language}", hr_meeting_view(language, member_id=3, today=date(2027, 1, 19)), surface="view"
    )
    assert_golden(f"mentor/erase_confirm.{language}", erase_confirm_view(language), surface="view")
    notice = notice_view(language, t(language, "mentor.data.erase_title"), t(language, "mentor.data.erased"))
    assert_golden(f"mentor/notice.{language}", notice, surface="view")


def _full_home(language: str) -> MentorHome:
    programme = default_programme()
    steps = ("s1-goal", "s1-pulse-se5", "s1-peer-learning", "s1-self-efficacy-t0")
    label = {step_id: programme.step(step_id).label.get(language) for step_id in steps}
    place = Place(
        "Kevät 2027",
        1,
        date(2027, 1, 11),
        2,
        date(2027, 2, 8),
        label["s1-pulse-se5"],
        datetime(2027, 2, 1, 9, 0, tzinfo=UTC),
    )
    answers = [
        PastAnswer(label["s1-peer-learning"], date(2027, 1, 18), "I asked a colleague.", 0),
        PastAnswer(label["s1-self-efficacy-t0"], date(2027, 1, 12), None, 6),
    ]
    experiments = [
        ExperimentRow(
            5,
            "Learning lunch",
            "running",
            "Growing into an expert role",
            "a new colleague starts",
            "I invite them to lunch",
            None,
            None,
        ),
        ExperimentRow(6, "Shadowing day", "done", None, None, None, "Worked well.", "spread"),
    ]
    return MentorHome(
        places=[place],
        paused_until=None,
        today=date(2027, 1, 19),
        open_prompts=[
            OpenPrompt(
                7, label["s1-goal"], _step("s1-goal", language)[1], date(2027, 1, 19), datetime(2027, 1, 20, 9, 0)
            )
        ],
        more_open=2,
        past_answers=answers,
        more_past=0,
        experiments=experiments,
        more_experiments=0,
        meetings=[MeetingRow(date(2027, 1, 18), "Agreed on a learning day.")],
        more_meetings=0,
        trend=[TrendItem(item.id, item.text.get(language), (3, 4, None)) for item in programme.items],
        means=(3.0, 3.5, None),
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_mentors_home(language: str) -> None:
    view = mentor_home_view(language, _full_home(language))
    assert_golden(f"home/mentor.{language}", view, surface="view")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_of_a_paused_mentor_with_nothing_yet(language: str) -> None:
    home = MentorHome(
        places=[Place("Kevät 2027", None, None, 1, date(2027, 1, 11), None, None)],
        paused_until=date(2027, 1, 31),
        today=date(2027, 1, 4),
        open_prompts=[],
        more_open=0,
        past_answers=[],
        more_past=0,
        experiments=[],
        more_experiments=0,
        meetings=[],
        more_meetings=0,
    )
    assert_golden(f"home/mentor_paused_new.{language}", mentor_home_view(language, home), surface="view")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_of_someone_who_is_no_mentor(language: str) -> None:
    assert_golden(f"home/intro.{language}", intro_home_view(language), surface="view")
    coach = intro_home_view(language, extra=[section(say(language, "home.coach_fallback"))])
    assert_golden(f"home/intro_coach.{language}", coach, surface="view")


def test_the_sparkline_has_a_bar_per_checkpoint() -> None:
    assert sparkline((1, 3, 5), low=1, high=5) == "▁▅█"  # the same eight steps as the summaries' rates
    assert sparkline((2, None, 4), low=1, high=5) == "▃·▆"
