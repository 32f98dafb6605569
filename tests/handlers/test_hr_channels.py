"""One HR channel serves one organisation, and only a member of the channel can make it an HR channel."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from storage.models import Organisation
from tests.support.cohorts import COACH, HR, HR_CHANNEL, OTHER_COACH, Commands, Seeded, add_people, seed, snapshot
from tests.support.fake_slack import FakeSlack

TAKEN = "That channel is already the HR channel of another organisation, and each HR channel serves one organisation"
NOT_IN_IT = "You are not a member of that channel, and only a member of a private channel can make it an HR channel."


@pytest.fixture
def world(fake_slack: FakeSlack, engine: Engine) -> Seeded:
    add_people(fake_slack)
    return seed(engine)


@pytest.fixture
def mentori(slack, fake_slack: FakeSlack, world: Seeded) -> Commands:
    return Commands(slack, fake_slack)


def _channels(engine: Engine) -> dict[str, str | None]:
    with Session(engine) as session:
        return {o.name: o.hr_channel_id for o in session.exec(select(Organisation))}


def test_another_organisations_channel_is_refused_in_the_same_cohort(mentori: Commands, engine: Engine) -> None:
    before = snapshot(engine)
    text = mentori.say(f'org add "Spring 2027" "Kela" <#{HR_CHANNEL}|hr-vero>', COACH)
    assert TAKEN in text and "Create a private channel for *Kela*" in text
    assert snapshot(engine) == before


def test_another_organisations_channel_is_refused_in_another_cohort(mentori: Commands, engine: Engine) -> None:
    before = snapshot(engine)
    assert TAKEN in mentori.say(f'org add "Autumn 2027" "Kela" <#{HR_CHANNEL}|hr-vero>', OTHER_COACH)
    assert snapshot(engine) == before


def test_an_organisation_cannot_move_onto_anothers_channel(mentori: Commands, engine: Engine) -> None:
    assert "*Kela* is now in *Spring 2027*" in mentori.say('org add "Spring 2027" "Kela" <#GHRKELA|hr-kela>', COACH)
    assert TAKEN in mentori.say(f'org add "Spring 2027" "Kela" <#{HR_CHANNEL}|hr-vero>', COACH)
    assert _channels(engine) == {"Vero": HR_CHANNEL, "Kela": "GHRKELA"}


def test_the_same_organisation_in_a_new_cohort_keeps_its_hr_channel(mentori: Commands, engine: Engine) -> None:
    text = mentori.say(f'org add "Autumn 2027" "vero" <#{HR_CHANNEL}|hr-vero>', OTHER_COACH)
    assert "is now in *Autumn 2027*; its HR summaries go to <#GHRVERO>" in text


def test_only_a_member_of_the_channel_can_bind_it(mentori: Commands, engine: Engine, fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("GHRNEW", name="hr-new", members=("UBOT", HR))
    before = snapshot(engine)
    assert NOT_IN_IT in mentori.say('org add "Spring 2027" "Kela" <#GHRNEW|hr-new>', COACH)
    assert snapshot(engine) == before
    asked = [call.args for call in fake_slack.calls_to("conversations.members")]
    assert asked and all(args["channel"] == "GHRNEW" for args in asked)
    fake_slack.add_channel("GHRNEW", name="hr-new", members=("UBOT", HR, COACH))
    assert "*Kela* is now in *Spring 2027*" in mentori.say('org add "Spring 2027" "Kela" <#GHRNEW|hr-new>', COACH)


def test_membership_is_read_page_by_page(mentori: Commands, fake_slack: FakeSlack) -> None:
    crowd = tuple(f"U{n:05d}" for n in range(2500))
    fake_slack.add_channel("GHRBIG", name="hr-big", members=crowd)
    assert NOT_IN_IT in mentori.say('org add "Spring 2027" "Kela" <#GHRBIG|hr-big>', COACH)
    assert len(fake_slack.calls_to("conversations.members")) == 3  # 2,501 members, 1,000 a page
