"""Fuzzing the real app with hostile and broken input: `/mentori` texts, button clicks, form submissions and DMs.

Whatever arrives, correctly signed: no 500, no traceback or error in the log, every message and view valid Block
Kit, no mention, special token or link from people's text in anything Mentori sends, and no half-written rows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from bot.names import clean_name
from storage.models import Cohort, Goal, Organisation, ProgrammeSession
from tests.support import slack_requests as build
from tests.support.app_driver import Reply, SlackDriver
from tests.support.cohorts import ADMIN, COACH, HR, MENTOR, Seeded, add_people, seed
from tests.support.fake_slack import FakeSlack
from tests.support.mrkdwn import HOSTILE, raw_markup

FUZZ = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PEOPLE = st.sampled_from([ADMIN, COACH, MENTOR, HR])
NAMES = [f'"{HOSTILE}"', '"Spring 2027"', '"Autumn 2027"', "Vero", '"vero"', '"Kela"', '"\u200b"',
         '"Spring\u200b 2027"', '"\u202eevil"', "\x00", '"a\x00b"']  # fmt: skip
NUMBERS = ["1", "2", "3", "²", "0", "-1", "1.5", "٣", "99999999999999999999", "2147483648", "9" * 400]
DATES = ["2027-01-11", "2027-02-08", "2027-03-08", "9999-12-31", "0001-01-01", "2027-02-30", "11.1.2027",
         "2027-1-11", "２０２７-01-11", "1900-01-01", "2200-01-01"]  # fmt: skip
OTHERS = ["mentor", "hr", "coach", "<@UMENTOR>", "<@UNEW1|noora>", "<@UHOSTILE>", "<!channel>", "<#GHRKELA|hr-kela>",
          "<#GHRVERO|>", "<#CPUBLIC|general>", "fi", "sv", "en", "xx", "Europe/Helsinki", "Mars/Olympus", '"', '""',
          "“Spring 2027”", "<https://evil.invalid|x>"]  # fmt: skip
WORD = st.one_of(st.sampled_from(NAMES + NUMBERS + DATES + OTHERS), st.text(max_size=12))
COHORTS = ['"Spring 2027"', '"Autumn 2027"', '"spring   2027"', f'"{HOSTILE}"', '"Spring\u200b 2027"', "Nowhere", '""']
USERS = ["<@UMENTOR>", "<@UNEW1|noora>", "<@UNEW2>", "<@UHOSTILE>", "<@UGONE>", "<@UAPP>", "<!channel>", "@anna"]
CHANNELS = ["<#GHRKELA|hr-kela>", "<#GHRVERO|>", "<#CPUBLIC|general>", "<#GCLOSED|x>", "#hr", "<#C1>|<!here>"]
NAME = st.one_of(st.sampled_from(NAMES), st.text(max_size=15).map(lambda t: f'"{t}"'))
COHORT_REF = st.one_of(st.sampled_from(COHORTS), NAME)
DATE = st.one_of(st.sampled_from(DATES), st.dates().map(str))
NUMBER = st.one_of(st.sampled_from(NUMBERS), st.integers().map(str))
USER_LIST = st.lists(st.sampled_from(USERS), min_size=0, max_size=3).map(" ".join)


def _line(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map(lambda words: " ".join(w for w in words if w))


GRAMMAR = st.one_of(
    _line(st.just("cohort create"), NAME, DATE, DATE, DATE, st.sampled_from(["", "fi", "xx", "en"]),
          st.sampled_from(["", "Europe/Helsinki", "Mars/Olympus", "../etc"])),
    _line(st.just("cohort dates"), COHORT_REF, DATE, DATE, DATE),
    _line(st.sampled_from(["cohort show", "cohort archive", "cohort list", "status", "summary", "export", "kickoff",
                           "org add", "member add", "goal list"]), COHORT_REF),
    _line(st.sampled_from(["coach add", "coach remove", "member remove"]), COHORT_REF, USER_LIST),
    _line(st.just("org add"), COHORT_REF, NAME, st.sampled_from(CHANNELS)),
    _line(st.just("goal add"), COHORT_REF, NAME, NAME),
    _line(st.just("goal remove"), COHORT_REF, NAME, NUMBER),
    _line(st.just("member add"), COHORT_REF, USER_LIST, st.sampled_from(["mentor", "hr", "coach", "boss"]), NAME),
    _line(st.just("kickoff"), COHORT_REF, NUMBER),
    _line(st.just("pause"), DATE),
    _line(st.sampled_from(["forget", "resume", "help", ""]), USER_LIST),
)  # fmt: skip
NOISE = st.builds(lambda words: " ".join(words), st.lists(WORD, max_size=7))
COMMAND = st.one_of(GRAMMAR, NOISE)

ACTIONS = ["prompt.answer", "answer.edit", "prompt.snooze", "prompt.skip", "note.attach", "home.pause", "home.resume",
           "home.language", "home.experiment_new", "home.experiment_edit", "home.hr_meeting", "home.erase",
           "home.export", "kickoff_confirm", "kickoff_cancel"]  # fmt: skip
CALLBACKS = ["cohort_create", "org_add", "member_add", "kickoff", "kickoff_confirm", "answer", "experiment_new",
             "experiment_edit", "hr_meeting", "data_erase"]  # fmt: skip
BLOCKS = ["name", "language", "timezone", "session_1", "session_2", "session_3", "channel", "goals", "users", "role",
          "organisation", "text", "consent", "thumbs", "item_SE1", "title", "plan_when", "plan_then", "goal", "status",
          "outcome", "decision", "held_on", "notes", "cohort", "session"]  # fmt: skip
ODD = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from(NUMBERS + DATES),
    st.text(max_size=20), st.lists(st.sampled_from([*NUMBERS, "x"]), max_size=3), st.just({"value": "1"}),
    st.just(HOSTILE), st.just("a\x00b"),
)  # fmt: skip
STATE = st.one_of(
    st.builds(lambda v: {"type": "plain_text_input", "value": v}, ODD),
    st.builds(lambda v: {"type": "datepicker", "selected_date": v}, ODD),
    st.builds(lambda v: {"type": "static_select", "selected_option": {"value": v} if v is not None else None}, ODD),
    st.builds(lambda v: {"type": "static_select", "selected_option": v}, ODD),
    st.builds(lambda v: {"type": "radio_buttons", "selected_option": {"value": v}}, ODD),
    st.builds(lambda v: {"type": "multi_users_select", "selected_users": v}, ODD),
    st.builds(lambda v: {"type": "conversations_select", "selected_conversation": v}, ODD),
    st.builds(lambda v: {"type": "checkboxes", "selected_options": v}, ODD),
    ODD,
)
VALUES = st.dictionaries(st.sampled_from(BLOCKS), st.dictionaries(st.sampled_from(["value", "other"]), STATE,
                                                                 max_size=2), max_size=6)  # fmt: skip
METADATA = st.one_of(
    st.builds(lambda key, v: json.dumps({key: v}),
              st.sampled_from(["cohort", "delivery", "member", "experiment", "n"]), ODD),
    st.builds(lambda c, n: json.dumps({"cohort": c, "n": n}), ODD, ODD),
    st.text(max_size=20),
)  # fmt: skip
PAYLOAD_DAMAGE: list[Callable[[dict[str, Any]], None]] = [
    lambda p: p.update(actions=[]),
    lambda p: p.update(actions="x"),
    lambda p: p.update(actions=[None]),
    lambda p: p.update(actions=[{}]),
    lambda p: p.update(actions=[{"action_id": ["prompt.answer"]}]),
    lambda p: p.update(user={}),
    lambda p: p.update(user={"id": 12}),
    lambda p: p.update(user=None),
    lambda p: p.update(team=None),
    lambda p: p.update(container=None),
    lambda p: p.update(view=None),
    lambda p: p.update(view={"callback_id": "answer", "state": {"values": []}}),
    lambda p: p.update(view={"callback_id": "answer", "state": None, "private_metadata": 5}),
    lambda p: p.update(trigger_id=None),
    lambda p: p.pop("type", None),
    lambda p: p.update(message=None),
]


@pytest.fixture
def world(fake_slack: FakeSlack, engine: Engine) -> Seeded:
    add_people(fake_slack)
    return seed(engine)


@pytest.fixture
def watched(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def _fresh(fake: FakeSlack, log: pytest.LogCaptureFixture) -> None:
    """Each example starts with nothing recorded (an earlier failing example leaves its records behind)."""
    fake.reset_calls()
    fake.invalid.clear()
    log.clear()


def _check(reply: Reply, fake: FakeSlack, engine: Engine, log: pytest.LogCaptureFixture, what: str) -> None:
    assert reply.status < 500, f"{what}: {reply.status} {reply.body[:200]}"
    loud = [r for r in log.records if r.levelno >= logging.ERROR or (r.exc_info and r.levelno > logging.DEBUG)]
    assert not loud, f"{what}: {[(r.levelname, r.getMessage()[:200]) for r in loud]}"
    assert not fake.invalid, f"{what}: invalid Slack calls {fake.invalid}"
    for call in fake.calls:
        assert raw_markup(call.args) == [], f"{what}: {call.method} carried markup from input: {call.args}"
    assert raw_markup(reply.json if reply.body.startswith("{") else {}) == [], f"{what}: the ack carried markup"
    _no_partial_rows(engine)


def _no_partial_rows(engine: Engine) -> None:
    """Every cohort whole (three dated sessions in order), every name visible and clean, HR channels not shared."""
    with Session(engine) as session:
        for cohort in session.exec(select(Cohort)):
            assert cohort.name and clean_name(cohort.name) == cohort.name, cohort.name
            sessions = select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort.id)
            dates = [s.date for s in session.exec(sessions.order_by(col(ProgrammeSession.number)))]
            assert len(dates) == 3 and dates == sorted(dates), (cohort.name, dates)
            assert all(2000 < d.year < 2100 for d in dates), dates
        owners: dict[str, set[str]] = {}
        for organisation in session.exec(select(Organisation)):
            assert organisation.name and clean_name(organisation.name) == organisation.name
            if organisation.hr_channel_id:
                owners.setdefault(organisation.hr_channel_id, set()).add(organisation.name.lower())
        assert all(len(names) == 1 for names in owners.values()), owners
        assert session.exec(select(func.count()).select_from(Goal).where(Goal.text == "")).one() == 0


def _damaged(body: bytes, damage: Callable[[dict[str, Any]], None]) -> bytes:
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    damage(payload)
    return build.encode_payload(payload)


@FUZZ
@given(text=COMMAND, user=PEOPLE)
def test_any_mentori_command_text_gets_an_answer_never_an_error(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    engine: Engine,
    world: Seeded,
    watched: pytest.LogCaptureFixture,
    text: str,
    user: str,
) -> None:
    _fresh(fake_slack, watched)
    reply = slack.command(text, user_id=user, response_url=fake_slack.response_url())
    _check(reply, fake_slack, engine, watched, f"/mentori {text!r} by {user}")


@FUZZ
@given(
    action=st.sampled_from(ACTIONS),
    value=ODD,
    extra=st.dictionaries(
        st.sampled_from(["selected_date", "selected_option", "value", "type", "block_id"]), ODD, max_size=2
    ),
    user=PEOPLE,
    damage=st.one_of(st.none(), st.sampled_from(PAYLOAD_DAMAGE)),
    in_view=st.booleans(),
)
def test_any_button_click_gets_an_answer_never_an_error(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    engine: Engine,
    world: Seeded,
    watched: pytest.LogCaptureFixture,
    action: str,
    value: Any,
    extra: dict[str, Any],
    user: str,
    damage: Any,
    in_view: bool,
) -> None:
    _fresh(fake_slack, watched)
    body = build.block_actions(
        action,
        None,
        user_id=user,
        action={"value": value, **extra},
        view={"type": "home", "blocks": []} if in_view else None,
        response_url=fake_slack.response_url(),
    )
    if damage is not None:
        body = _damaged(body, damage)
    reply = slack.post(body)
    _check(reply, fake_slack, engine, watched, f"{action} {value!r} {extra!r} by {user}")


@FUZZ
@given(
    callback=st.sampled_from(CALLBACKS),
    values=VALUES,
    metadata=METADATA,
    user=PEOPLE,
    damage=st.one_of(st.none(), st.sampled_from(PAYLOAD_DAMAGE)),
)
def test_any_form_submission_gets_an_answer_never_an_error(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    engine: Engine,
    world: Seeded,
    watched: pytest.LogCaptureFixture,
    callback: str,
    values: dict[str, Any],
    metadata: str,
    user: str,
    damage: Any,
) -> None:
    _fresh(fake_slack, watched)
    body = build.view_submission(callback, values, user_id=user, private_metadata=metadata)
    if damage is not None:
        body = _damaged(body, damage)
    reply = slack.post(body)
    _check(reply, fake_slack, engine, watched, f"{callback} {values!r} {metadata!r} by {user}")


@FUZZ
@given(
    text=st.one_of(st.text(max_size=50), st.sampled_from([HOSTILE, "a\x00b", "\x00", "x" * 5000])),
    user=PEOPLE,
    thread=st.one_of(st.none(), st.sampled_from(["111.222", "9999999999.000001", "x", ""])),
)
def test_any_direct_message_gets_an_answer_never_an_error(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    engine: Engine,
    world: Seeded,
    watched: pytest.LogCaptureFixture,
    text: str,
    user: str,
    thread: str | None,
) -> None:
    _fresh(fake_slack, watched)
    reply = slack.post(build.message_im(text, user_id=user, thread_ts=thread or None))
    _check(reply, fake_slack, engine, watched, f"DM {text!r} by {user} in {thread!r}")
