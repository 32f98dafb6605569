"""A person's language is stable: their own choice, else their cohorts' language, else MENTORI_LANG — never their
Slack locale (Slack has no Finnish locale, so it would pull Finnish users to English)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine

from bot.deps import Deps
from bot.settings import Settings
from storage.db import session_scope
from storage.models import Member, Role
from tests.support.cohorts import ADMIN, COACH, NOW, Commands, Seeded, add_people, members_of, seed
from tests.support.fake_slack import FakeSlack


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, language="fi")  # MENTORI_LANG=fi, as in a Finnish agency


@pytest.fixture
def deps(settings: Settings, engine: Engine) -> Deps:
    return Deps(settings=settings, engine=engine, now=lambda: NOW)


@pytest.fixture
def world(fake_slack: FakeSlack, engine: Engine) -> Seeded:
    add_people(fake_slack)  # everyone's Slack says en-GB; UNEW1's fi-FI, UNEW2's sv-FI
    return seed(engine, language="sv")


def test_an_admin_in_no_cohort_gets_mentori_lang_not_the_slack_locale(slack, fake_slack, world) -> None:
    said = Commands(slack, fake_slack).say("pause", ADMIN)  # Slack says en-GB; MENTORI_LANG is fi
    assert said.startswith("Kirjoita tauon viimeinen päivä muodossa VVVV-KK-PP")


def test_a_coach_gets_the_cohorts_language_whatever_slack_says(slack, fake_slack, world) -> None:
    said = Commands(slack, fake_slack).say("pause", COACH)  # Slack says en-GB; the cohort speaks Swedish
    assert said.startswith("Skriv pausens sista dag som ÅÅÅÅ-MM-DD")


def test_an_own_choice_wins_and_follows_the_person_into_a_new_cohort(slack, fake_slack, engine, world) -> None:
    with session_scope(engine) as session:
        session.add(
            Member(
                team_id="T111",
                cohort_id=world.cohort_b,
                user_id="UNEW1",
                role=Role.MENTOR,
                organisation_id=None,
                language="en",
                joined_at=NOW,
            )
        )
    mentori = Commands(slack, fake_slack)
    mentori.say('member add "Spring 2027" <@UNEW1> mentor "Vero"', COACH)
    assert members_of(engine, world.cohort_a)[("UNEW1", Role.MENTOR)].language == "en"
    [welcome] = [m for m in fake_slack.messages if m["channel"] == "DNEW1"]
    assert welcome["text"] == "Welcome to Spring 2027! Here is how Mentori works."
    assert "Write the last day of your pause" in mentori.say("pause", "UNEW1")
