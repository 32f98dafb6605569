"""The programme form: pick or upload a template for a cohort, preview it with the cohort's dates, confirm it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.blocks.programme_choice import metadata, preview_view, problems_view, programme_view
from bot.deps import Deps
from bot.programme_store import Choice
from bot.programmes import DEFAULT_PROGRAMME, default_programme, programme_by_id
from bot.settings import Settings
from storage.db import session_scope
from storage.models import Cohort, ProgrammeSession, ProgrammeTemplate
from tests.support.app_driver import SlackDriver, all_text
from tests.support.coach_world import COACH, DATES, KICKOFF_AT, MENTOR, World, add_people, build
from tests.support.fake_slack import FakeSlack
from tests.support.golden import assert_golden

FEENIKS = DEFAULT_PROGRAMME.read_text(encoding="utf-8")
ADAPTED = FEENIKS.replace('en = "Assignment 1: a small step"', 'en = "Assignment 1: one small step, our way"')


@pytest.fixture
def deps(settings: Settings, engine: Engine) -> Deps:
    return Deps(settings=settings, engine=engine, now=lambda: KICKOFF_AT)


@pytest.fixture
def world(fake_slack: FakeSlack, engine: Engine) -> World:
    add_people(fake_slack)
    return build(engine)


def _open(slack: SlackDriver, fake: FakeSlack, cohort_id: int) -> dict[str, Any]:
    slack.action("programme_open", str(cohort_id), user_id=COACH, trigger_id="333.444.valid")
    (opened,) = fake.calls_to("views.open")
    view = opened.args["view"]
    return next(v for v in fake.views.values() if v.get("private_metadata") == view["private_metadata"])


def _submit(
    slack: SlackDriver,
    form: dict[str, Any],
    *,
    file: dict[str, Any] | None = None,
    template: str = "feeniks",
    user_id: str = COACH,
) -> Any:
    values = {
        "template": {"value": {"type": "static_select", "selected_option": {"value": template}}},
        "file": {"value": {"type": "file_input", "files": [file] if file else []}},
    }
    return slack.submit(
        "cohort_programme", values, user_id=user_id, view_id=form["id"], private_metadata=form["private_metadata"]
    )


def _last_view(fake: FakeSlack, view_id: str) -> dict[str, Any]:
    return [c.args["view"] for c in fake.calls_to("views.update") if c.args.get("view_id") == view_id][-1]


def _programme(engine: Engine, cohort_id: int) -> str:
    with Session(engine) as session:
        cohort = session.get(Cohort, cohort_id)
        assert cohort is not None
        return cohort.programme


def test_an_uploaded_template_is_checked_previewed_with_the_cohorts_dates_and_used_on_confirmation(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    form = _open(slack, fake_slack, world.cohort)
    assert form["callback_id"] == "cohort_programme" and fake_slack.invalid == []
    file = fake_slack.add_file(ADAPTED.encode(), "our-programme.toml", user=COACH, filetype="toml")
    reply = _submit(slack, form, file=file)
    assert "Checking *our-programme.toml*" in all_text(reply.json["view"])
    preview = _last_view(fake_slack, form["id"])
    shown = all_text(preview)
    assert "*our-programme.toml* for *Spring 2027*, with the cohort's dates:" in shown
    assert "• Mon 18 Jan 2027 at 09:00 — Assignment 1: one small step, our way" in shown
    assert _programme(engine, world.cohort) == "feeniks", "nothing changes before the confirmation"

    stored = next(v for v in fake_slack.views.values() if v["callback_id"] == "programme_confirm")
    done = slack.submit(
        "programme_confirm", {}, user_id=COACH, view_id=stored["id"], private_metadata=stored["private_metadata"]
    )
    assert done.json["response_action"] == "update"
    assert "*Spring 2027* now follows *our-programme.toml*." in all_text(_last_view(fake_slack, form["id"]))
    chosen = _programme(engine, world.cohort)
    assert chosen.startswith("custom-")
    with Session(engine) as session:
        assert session.get(ProgrammeTemplate, chosen) is not None
    assert programme_by_id(chosen).step("s1-assignment-1").label.en == "Assignment 1: one small step, our way"
    assert fake_slack.invalid == []


def test_a_template_with_mistakes_is_refused_with_every_problem_and_nothing_changes(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    broken = FEENIKS.replace('id = "s1-goal"', 'id = "s1-peer-learning"').replace('time = "09:00"', 'time = "9 am"', 1)
    form = _open(slack, fake_slack, world.cohort)
    _submit(slack, form, file=fake_slack.add_file(broken.encode(), "broken.toml", user=COACH, filetype="toml"))
    shown = all_text(_last_view(fake_slack, form["id"]))
    assert "*broken.toml* cannot be used; every problem found:" in shown
    assert "s1-peer-learning" in shown and "9 am" in shown
    assert _programme(engine, world.cohort) == "feeniks"


def test_the_built_in_template_is_previewed_at_once_and_stays_the_default(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    form = _open(slack, fake_slack, world.cohort)
    reply = _submit(slack, form)
    assert reply.json["view"]["callback_id"] == "programme_confirm"
    assert "Mon 11 Jan 2027" in all_text(reply.json["view"])
    assert _programme(engine, world.cohort) == "feeniks"


def test_a_started_cohort_keeps_its_programme(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    with session_scope(engine) as session:
        row = session.get(ProgrammeSession, 1)
        assert row is not None and row.cohort_id == world.cohort
        row.started_at, row.started_by = KICKOFF_AT, COACH
    slack.action("programme_open", str(world.cohort), user_id=COACH, trigger_id="333.444.valid")
    assert fake_slack.calls_to("views.open") == []
    (told,) = fake_slack.calls_to("chat.postEphemeral")
    assert "*Spring 2027* has already started, so its programme can no longer change" in told.args["text"]


def test_a_mentor_cannot_choose_the_programme(slack: SlackDriver, fake_slack: FakeSlack, world: World) -> None:
    slack.action("programme_open", str(world.cohort), user_id=MENTOR, trigger_id="333.444.valid")
    assert fake_slack.calls_to("views.open") == []
    (told,) = fake_slack.calls_to("chat.postEphemeral")
    assert "only the coaches of *Spring 2027*" in told.args["text"]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_programme_views_in_each_language(language: str) -> None:
    choices = [Choice("feeniks", default_programme().name.get(language)), Choice("custom-abc", "our-programme.toml")]
    assert_golden(
        f"programme/form.{language}", programme_view(language, 7, "Kevät 2027", "feeniks", choices), surface="view"
    )
    dates = dict(enumerate(DATES, start=1))
    view = preview_view(
        language,
        default_programme(),
        name="our-programme.toml",
        cohort="Kevät 2027",
        dates=dates,
        tz="Europe/Helsinki",
        meta=metadata(7, file_id="F1", digest="abc"),
    )
    assert_golden(f"programme/preview.{language}", view, surface="view")
    problems = ["broken.toml: step s1-goal: the id s1-peer-learning is used twice", "broken.toml: step x: time"]
    assert_golden(f"programme/problems.{language}", problems_view(language, 7, "broken.toml", problems), surface="view")
    assert date(2027, 1, 11) == DATES[0]
