"""The welcome DM a new mentor gets, in each language."""

from __future__ import annotations

from datetime import date

import pytest

from bot.blocks.welcome import welcome_back_message, welcome_message
from bot.i18n import LANGUAGES
from tests.support.golden import assert_golden

DATES = (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8))
PROMISES = {
    "fi": (
        "luottamuksellisia mutta eivät nimettömiä",
        "/mentori pause VVVV-KK-PP",
        "yleensä yksi lyhyt viesti viikossa",
    ),
    "sv": ("konfidentiella men inte anonyma", "/mentori pause ÅÅÅÅ-MM-DD", "oftast en kort fråga i veckan"),
    "en": ("confidential, not anonymous", "/mentori pause YYYY-MM-DD", "usually one short prompt a week"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_welcome_says_what_happens_how_often_who_sees_what_and_how_to_pause(language: str) -> None:
    message = welcome_message(
        language,
        cohort="Kevät 2027",
        organisation="Verohallinto",
        dates=DATES,
        coaches=["UCOACH"],
        goals=["Asiantuntijarooliin kasvaminen", "Muutoksessa eläminen"],
        min_group=5,
    )
    assert_golden(f"welcome/welcome.{language}", message, surface="message")
    shown = "\n".join(block["text"]["text"] for block in message["blocks"] if "text" in block)
    for promise in PROMISES[language]:
        assert promise in shown
    assert " 5 " in shown  # the smallest group HR sees a figure for


def test_without_organisation_goals_or_coaches_the_welcome_leaves_those_out() -> None:
    message = welcome_message("en", cohort="Spring", organisation=None, dates=DATES, coaches=[], goals=[], min_group=7)
    texts = [block.get("text", {}).get("text", "") for block in message["blocks"]]
    assert texts[1] == (
        "Hi! You are a learning mentor in *Spring*. I'm Mentori: I keep the programme going between your coaching "
        "sessions."
    )
    assert not any("goals for mentoring" in text for text in texts)
    assert "figures with at least 7 people behind them" in "\n".join(texts)
    assert message["blocks"][-1]["elements"][0]["text"] == "`/mentori help` lists everything you can ask me."


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_returning_mentor_gets_a_short_welcome_back(language: str) -> None:
    message = welcome_back_message(language, cohort="Kevät 2027")
    assert_golden(f"welcome/welcome_back.{language}", message, surface="message")
    assert len(message["blocks"]) == 2 and "*Kevät 2027*" in message["blocks"][0]["text"]["text"]
