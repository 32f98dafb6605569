"""What peer groups look like in Slack, in each language: the introduction, "Did you meet?", the reflection form,
the coach's view and the mentor's Home part."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.blocks.peers import (
    confirm_message,
    home_blocks,
    introduction_message,
    met_answered,
    met_message,
    reflection_view,
    round_message,
)
from bot.i18n import LANGUAGES
from bot.peer_answers import MyGroup, MyPeers, Partner
from bot.peer_report import GroupMember, GroupRow, GroupsMet, PeerRound
from bot.peers import Formed, Introduction, MakeOutcome, MetQuestion, Person
from bot.programmes import programme_by_id
from tests.support.golden import assert_golden

THEME = programme_by_id("feeniks").session_info(2).title


def _introduction(language: str) -> Introduction:
    people = (
        Person(1, "UM01", "Verohallinto", "Oppimislounas kerran kuussa"),
        Person(2, "UM07", "Kela", None),
        Person(3, "UM12", "Helmet-kirjastot <!channel>", None),
    )
    return Introduction(7, "Kevät 2027", 2, THEME.get(language), language, people)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_introduction_names_everyone_their_organisation_and_a_20_minute_conversation(language: str) -> None:
    message = introduction_message(_introduction(language))
    assert_golden(f"peers/introduction.{language}", message, surface="message")
    shown = "\n".join(block["text"]["text"] for block in message["blocks"] if "text" in block)
    assert all(f"<@{user}>" in shown for user in ("UM01", "UM07", "UM12"))
    assert "20" in shown and THEME.get(language) in shown
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown  # an organisation's name pings nobody


@pytest.mark.parametrize("language", LANGUAGES)
def test_did_you_meet_and_what_follows_a_yes(language: str) -> None:
    question = met_message(MetQuestion(7, 1, language, ("UM07", "UM12")))
    assert_golden(f"peers/met_question.{language}", question, surface="message")
    assert_golden(f"peers/met_yes.{language}", met_answered(language, 7, "yes", ("UM07",)), surface="message")
    assert_golden(f"peers/reflection_form.{language}", reflection_view(language, 7), surface="view")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_coach_sees_the_groups_and_who_met(language: str) -> None:
    peer_round = PeerRound(
        "Kevät 2027", True, 2, 1, datetime(2027, 1, 11, 12, 0, tzinfo=UTC),
        (GroupRow(1, (GroupMember("UM01", "Verohallinto", "yes"), GroupMember("UM07", "Kela", None))),
         GroupRow(2, (GroupMember("UM02", "Verohallinto", "not_yet"), GroupMember("UM12", None, "wont"),
                      GroupMember("UM13", "Helmet", None)))),
    )  # fmt: skip
    message = round_message(
        language, peer_round, GroupsMet(1, 2, frozenset({1, 2, 3, 4, 5})), "Europe/Helsinki", "Kevät 2027"
    )
    assert_golden(f"peers/coach_view.{language}", message, surface="message")
    formed = Formed(MakeOutcome.NEEDS_CONFIRMATION, "Kevät 2027", 1)
    assert_golden(f"peers/confirm.{language}", confirm_message(language, 1, formed), surface="message")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_mentor_sees_their_partners_and_their_choices_on_home(language: str) -> None:
    peers = MyPeers(False, True, (MyGroup(7, "Kevät 2027", 1, (Partner("UM07", "Kela"),), None, False),))
    assert_golden(f"peers/home.{language}", {"blocks": home_blocks(language, peers)}, surface="home")
    left = home_blocks(language, MyPeers(True, False, ()))
    assert left[1]["elements"][0]["action_id"] == "peer_opt_in"
