"""The cohort calendar form and `/mentori cohort quiet`, through the real app against the fake Slack."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.blocks.calendar import calendar_view, quiet_reply
from bot.deps import Deps
from bot.quiet_periods import CalendarOverview, QuietResult
from bot.settings import Settings
from storage.models import Cohort, QuietPeriod
from tests.support.app_driver import SlackDriver, all_text
from tests.support.coach_world import COACH, KICKOFF_AT, MENTOR, World, add_people, build
from tests.support.fake_slack import FakeSlack
from tests.support.golden import assert_golden

SUMMER = (date(2027, 7, 12), date(2027, 8, 8))
CHRISTMAS = (date(2026, 12, 24), date(2027, 1, 6))


@pytest.fixture
def deps(settings: Settings, engine: Engine) -> Deps:
    return Deps(settings=settings, engine=engine, now=lambda: KICKOFF_AT)


@pytest.fixture
def world(fake_slack: FakeSlack, engine: Engine) -> World:
    add_people(fake_slack)
    return build(engine)


def _cohort(engine: Engine, cohort_id: int) -> tuple[Cohort, list[tuple[date, date]]]:
    with Session(engine) as session:
        cohort = session.get(Cohort, cohort_id)
        assert cohort is not None
        periods = session.exec(select(QuietPeriod).where(QuietPeriod.cohort_id == cohort_id)).all()
        return cohort, sorted((p.first_day, p.last_day) for p in periods)


def _form(workdays: list[int], usual: bool, own: str) -> dict[str, Any]:
    def options(values: list[str]) -> dict[str, Any]:
        return {"type": "checkboxes", "selected_options": [{"value": v} for v in values]}

    return {
        "workdays": {"value": options([str(day) for day in workdays])},
        "usual": {"value": options(["usual"] if usual else [])},
        "own": {"value": {"type": "plain_text_input", "value": own}},
    }


def test_the_home_button_opens_the_calendar_form_and_saving_it_changes_the_calendar(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    slack.action("calendar_open", str(world.cohort), user_id=COACH, trigger_id="333.444.valid")
    (opened,) = fake_slack.calls_to("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "cohort_calendar" and fake_slack.invalid == []
    assert [o["value"] for o in view["blocks"][1]["element"]["initial_options"]] == ["0", "1", "2", "3", "4"]

    reply = slack.submit(
        "cohort_calendar",
        _form([0, 1, 2, 3], False, "2027-04-01 2027-04-05\n\n1.5.2027 – 3.5.2027"),
        user_id=COACH,
        private_metadata=view["private_metadata"],
    )
    assert reply.json["response_action"] == "update"
    shown = all_text(reply.json["view"])
    assert "The calendar of *Spring 2027* is saved." in shown
    assert "Work days: Mon, Tue, Wed, Thu" in shown
    cohort, periods = _cohort(engine, world.cohort)
    assert (cohort.workdays, cohort.usual_quiet) == ("1234", False)
    assert periods == [(date(2027, 4, 1), date(2027, 4, 5)), (date(2027, 5, 1), date(2027, 5, 3))]


@pytest.mark.parametrize(
    ("own", "workdays", "field", "expected"),
    [
        ("2027-04-31 2027-05-01", [0], "own", "“2027-04-31” is not a date. Write dates as YYYY-MM-DD"),
        ("2027-05-01 2027-04-01", [0], "own", "The quiet period ends (2027-04-01) before it starts (2027-05-01)."),
        ("from 1 April 2027", [0], "own", "I couldn't read “from 1 April 2027”."),
        ("", [], "workdays", "Pick at least one work day."),
    ],
)
def test_the_form_says_what_is_wrong_and_saves_nothing(
    slack: SlackDriver, engine: Engine, world: World, own: str, workdays: list[int], field: str, expected: str
) -> None:
    reply = slack.submit(
        "cohort_calendar",
        _form(workdays, True, own),
        user_id=COACH,
        private_metadata=json.dumps({"cohort": world.cohort}),
    )
    assert reply.json["response_action"] == "errors"
    assert reply.json["errors"][field].startswith(expected)
    cohort, periods = _cohort(engine, world.cohort)
    assert (cohort.workdays, cohort.usual_quiet, periods) == ("12345", True, [])


def test_a_mentor_cannot_change_the_calendar(slack: SlackDriver, engine: Engine, world: World) -> None:
    reply = slack.submit(
        "cohort_calendar", _form([0], False, ""), user_id=MENTOR, private_metadata=json.dumps({"cohort": world.cohort})
    )
    assert "only the coaches of *Spring 2027*" in all_text(reply.json["view"])
    assert _cohort(engine, world.cohort)[0].usual_quiet is True


def _overview(own: tuple[tuple[date, date], ...] = ((date(2027, 4, 1), date(2027, 4, 5)),)) -> CalendarOverview:
    return CalendarOverview(7, "Kevät 2027", frozenset(range(5)), True, (CHRISTMAS, SUMMER), own)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_calendar_views_in_each_language(language: str) -> None:
    assert_golden(f"calendar/form.{language}", calendar_view(language, _overview()), surface="view")
    added = QuietResult("added", _overview(), 12, (date(2027, 4, 1), date(2027, 4, 5)))
    assert_golden(f"calendar/added.{language}", {"blocks": quiet_reply(language, added)}, surface="message")
    cleared = QuietResult("cleared", CalendarOverview(7, "Kevät 2027", frozenset(range(5)), False, (), ()), 3)
    assert_golden(f"calendar/cleared.{language}", {"blocks": quiet_reply(language, cleared)}, surface="message")


def _say(slack: SlackDriver, fake: FakeSlack, text: str, user_id: str = COACH) -> str:
    before = len(fake.calls_to("response_url"))
    slack.command(text, user_id=user_id, response_url=fake.response_url())
    (answer,) = fake.calls_to("response_url")[before:]
    return all_text({"text": answer.args.get("text"), "blocks": answer.args.get("blocks")})


def test_cohort_quiet_shows_adds_and_clears_quiet_periods(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    shown = _say(slack, fake_slack, 'cohort quiet "Spring 2027"')
    assert "Calendar of *Spring 2027*" in shown and "Work days: Mon, Tue, Wed, Thu, Fri" in shown
    assert "• 12 Jul 2027–8 Aug 2027 (summer)" in shown and "• 24 Dec 2026–6 Jan 2027 (Christmas)" in shown

    added = _say(slack, fake_slack, 'cohort quiet "Spring 2027" 2027-02-15 19.2.2027')
    assert added.startswith("Quiet period 15 Feb 2027 – 19 Feb 2027 added to *Spring 2027*.")
    assert _cohort(engine, world.cohort)[1] == [(date(2027, 2, 15), date(2027, 2, 19))]

    cleared = _say(slack, fake_slack, 'cohort quiet "Spring 2027" clear')
    assert cleared.startswith("*Spring 2027* has no quiet periods now, the summer and Christmas ones included.")
    cohort, periods = _cohort(engine, world.cohort)
    assert (cohort.usual_quiet, periods) == (False, [])
    assert "No quiet periods." in cleared


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('cohort quiet "Spring 2027" 2027-02-30 2027-03-01', "“2027-02-30” is not a date."),
        ('cohort quiet "Spring 2027" 2027-03-01 2027-02-01', "The quiet period ends (2027-02-01) before it starts"),
        ('cohort quiet "Spring 2027" 2027-03-01', "Write it like this: `/mentori cohort quiet <cohort> <from> <to>`"),
        ('cohort quiet "Spring 2027" 2027-01-01 2028-06-01', "longer than a year"),
        ("cohort quiet Nowhere 2027-03-01 2027-03-02", "There is no cohort called “Nowhere”"),
    ],
)
def test_cohort_quiet_says_what_was_wrong(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, text: str, expected: str
) -> None:
    assert expected in _say(slack, fake_slack, text)
    assert _cohort(engine, world.cohort)[1] == []


def test_only_coaches_and_admins_may_change_quiet_periods(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    said = _say(slack, fake_slack, 'cohort quiet "Spring 2027" 2027-02-15 2027-02-19', user_id=MENTOR)
    assert "only the coaches of *Spring 2027*" in said
    assert _cohort(engine, world.cohort)[1] == []
