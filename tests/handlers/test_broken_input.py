"""The broken inputs found by hand, each answered with what was wrong and nothing changed."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
from sqlalchemy import Engine

from tests.support import slack_requests
from tests.support.app_driver import SlackDriver
from tests.support.cohorts import ADMIN, COACH, MENTOR, Commands, Seeded, add_people, seed, snapshot
from tests.support.fake_slack import FakeSlack


@pytest.fixture
def coach_world(fake_slack: FakeSlack, engine: Engine) -> Seeded:
    add_people(fake_slack)
    return seed(engine)


@pytest.fixture
def mentori(slack: SlackDriver, fake_slack: FakeSlack, coach_world: Seeded) -> Commands:
    return Commands(slack, fake_slack)


@pytest.mark.parametrize("number", ["²", "٣", "-1", "1.0", "99999999999999999999", "0"])
def test_a_goal_number_that_is_not_one_is_refused(mentori: Commands, engine: Engine, number: str) -> None:
    before = snapshot(engine)
    text = mentori.say(f'goal remove "Spring 2027" Vero {number}', COACH)
    assert f"“{number}” is not the number of one of Vero's goals." in text
    assert snapshot(engine) == before


def test_a_cohort_dated_years_ahead_is_refused_with_the_latest_day_allowed(mentori: Commands, engine: Engine) -> None:
    before = snapshot(engine)
    text = mentori.say("cohort create Far 9999-12-01 9999-12-10 9999-12-20", ADMIN)
    assert "Session 1 on 9999-12-01 is more than three years away" in text and "Check the year." in text
    assert snapshot(engine) == before


def test_a_look_alike_cohort_name_is_the_same_name(mentori: Commands, engine: Engine) -> None:
    before = snapshot(engine)
    text = mentori.say('cohort create "Spring\u200b 2027" 2027-03-01 2027-04-01 2027-05-01', ADMIN)
    assert "Spring 2027" in text and "already" in text
    assert "\u200b" not in text
    assert mentori.say('cohort create "\u200b\u202e" 2027-03-01 2027-04-01 2027-05-01', ADMIN).startswith(
        "That name has nothing visible in it"
    )
    assert snapshot(engine) == before


def _damaged(body: bytes, **changes: object) -> bytes:
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    payload.update(changes)
    return slack_requests.encode_payload(payload)


def test_malformed_clicks_and_forms_get_a_400_and_change_nothing(
    slack: SlackDriver, engine: Engine, coach_world: Seeded
) -> None:
    before = snapshot(engine)
    click = slack_requests.block_actions("prompt.skip", "1", user_id=MENTOR)
    form = slack_requests.view_submission("cohort_create", {"name": {"value": "New"}}, user_id=ADMIN)
    broken = [
        _damaged(click, actions=[]),
        _damaged(click, actions=[{"action_id": "prompt.skip", "value": ["1", "2"]}]),
        _damaged(click, actions=[{"action_id": "prompt.skip", "value": 2**70}]),
        _damaged(click, user={"id": 5}),
        _damaged(
            form,
            view={
                "callback_id": "cohort_create",
                "state": {"values": {"name": {"value": {"type": "plain_text_input", "value": ["New", "Old"]}}}},
            },
        ),
        _damaged(form, view={"callback_id": "cohort_create", "state": {"values": []}}),
    ]
    for body in broken:
        assert slack.post(body).status == 400
    assert snapshot(engine) == before
