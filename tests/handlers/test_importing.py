"""`/mentori import` and the Home button: a CSV uploaded through a form's file input, a dry run, then the import."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.blocks.importing import read_metadata
from bot.deps import Deps
from bot.settings import Settings
from storage.models import Member, OutboxMessage, Role
from tests.support.app_driver import SlackDriver, all_text
from tests.support.coach_world import COACH, KICKOFF_AT, MENTOR, OUTSIDER, World, add_people, build
from tests.support.fake_slack import FakeSlack
from tests.support.golden import assert_golden

ROWS = 100
HEADER = "email,organisation,role,language\n"


@pytest.fixture
def deps(settings: Settings, engine: Engine) -> Deps:
    return Deps(settings=settings, engine=engine, now=lambda: KICKOFF_AT)


@pytest.fixture
def world(fake_slack: FakeSlack, engine: Engine) -> World:
    add_people(fake_slack)
    return build(engine)


def _people(fake: FakeSlack, count: int) -> str:
    """`count` new people in the workspace and a CSV naming them: mentors of three organisations, 10 HR contacts."""
    organisations = ("Vero", "Kela", "Helmet")
    lines = []
    for number in range(1, count + 1):
        fake.add_user(f"UNEW{number:03d}", name=f"New Person {number}", email=f"person{number}@example.fi")
        role = "hr" if number % 10 == 0 else "mentor"
        lines.append(f"person{number}@example.fi,{organisations[number % 3]},{role},{'sv' if number == 7 else ''}")
    return HEADER + "\n".join(lines) + "\n"


def _open(slack: SlackDriver, fake: FakeSlack, text: str = 'import "Spring 2027"') -> dict[str, Any]:
    before = len(fake.calls_to("views.open"))
    slack.command(text, user_id=COACH, response_url=fake.response_url())
    opened = fake.calls_to("views.open")[before:]
    assert len(opened) == 1, fake.calls_to("response_url")
    return _stored(fake, opened[0].args["view"])


def _stored(fake: FakeSlack, view: dict[str, Any]) -> dict[str, Any]:
    """The view as the fake stored it (with its id), found by its callback id and metadata."""
    for stored in fake.views.values():
        if stored.get("callback_id") == view["callback_id"] and stored.get("private_metadata") == view.get(
            "private_metadata"
        ):
            return stored
    raise AssertionError("the view was not stored")


def _submit(slack: SlackDriver, view: dict[str, Any], file: dict[str, Any] | None, user_id: str = COACH) -> Any:
    values = {"file": {"value": {"type": "file_input", "files": [file] if file else []}}}
    return slack.submit(
        view["callback_id"], values, user_id=user_id, view_id=view["id"], private_metadata=view["private_metadata"]
    )


def _last_view(fake: FakeSlack, view_id: str) -> dict[str, Any]:
    updates = [call.args["view"] for call in fake.calls_to("views.update") if call.args.get("view_id") == view_id]
    assert updates, "the form was never updated"
    return updates[-1]


def _members(engine: Engine, cohort_id: int) -> list[Member]:
    with Session(engine) as session:
        return list(session.exec(select(Member).where(Member.cohort_id == cohort_id).order_by(col(Member.id))))


def test_a_100_row_csv_is_checked_shown_as_a_dry_run_and_imported_on_confirmation(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    form = _open(slack, fake_slack)
    assert form["callback_id"] == "import_csv" and fake_slack.invalid == []
    assert form["blocks"][1]["element"]["type"] == "file_input"
    file = fake_slack.add_file(_people(fake_slack, ROWS).encode(), "people.csv", user=COACH)
    before = len(_members(engine, world.cohort))

    reply = _submit(slack, form, file)
    assert reply.json["response_action"] == "update"
    assert "Checking the rows of *people.csv*" in all_text(reply.json["view"])
    dry_run = _last_view(fake_slack, form["id"])
    shown = all_text(dry_run)
    assert "*100* rows checked, all usable. Importing into *Spring 2027* would give:" in shown
    assert "added: mentors *90*, HR contacts *10*" in shown
    assert "New mentors get a welcome message: *90*." in shown
    assert len(_members(engine, world.cohort)) == before, "a dry run writes nothing"
    assert fake_slack.messages == []
    assert [c.args["file"] for c in fake_slack.calls_to("files.info")] == [file["id"]]
    assert fake_slack.calls_to("_fake.download")[0].token == "xoxb-test"
    assert any("Checking the rows" in all_text(c.args["view"]) for c in fake_slack.calls_to("views.update"))

    confirm = _stored(fake_slack, dry_run)
    assert confirm["callback_id"] == "import_confirm" and read_metadata(confirm["private_metadata"])
    done = slack.submit(
        "import_confirm", {}, user_id=COACH, view_id=confirm["id"], private_metadata=confirm["private_metadata"]
    )
    assert done.json["response_action"] == "update"
    result = all_text(_last_view(fake_slack, form["id"]))
    assert "*people.csv* is imported into *Spring 2027*:" in result
    assert "Welcome messages sent: *90*." in result
    added = [m for m in _members(engine, world.cohort) if m.user_id.startswith("UNEW")]
    assert len(added) == ROWS and {m.role for m in added} == {Role.MENTOR, Role.HR}
    assert next(m for m in added if m.user_id == "UNEW007").language == "sv"
    with Session(engine) as session:
        welcomes = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "welcome")).all()
    assert len(welcomes) == 90
    assert fake_slack.invalid == []


def test_bad_rows_are_each_listed_with_the_reason_and_nothing_is_written(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    fake_slack.add_user("UANNA", name="Anna", email="anna@example.fi")
    text = HEADER + "anna@example.fi,Vero,mentor,\nnobody@example.fi,Vero,mentor,\nanna@example.fi,Kelaa,boss,de\n"
    form = _open(slack, fake_slack)
    before = _members(engine, world.cohort)
    _submit(slack, form, fake_slack.add_file(text.encode(), "people.csv", user=COACH))
    view = _last_view(fake_slack, form["id"])
    shown = all_text(view)
    assert "*2* of 3 rows cannot be used, so nothing would be imported:" in shown
    assert "• line 3 nobody@example.fi: no one in the Slack workspace has this e-mail address" in shown
    assert "• line 4 anna@example.fi: role must be mentor or hr, not “boss”" in shown
    assert "submit" not in view and view["callback_id"] == "import_progress"
    assert _members(engine, world.cohort) == before


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"\xff\xfe not utf-8", "people.csv", "not UTF-8 text"),
        (b"mail,org\nx@example.fi,Vero\n", "people.csv", "missing columns"),
        (b"%PDF-1.4", "people.pdf", "is not a CSV file"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_saying_why(
    slack: SlackDriver, fake_slack: FakeSlack, world: World, content: bytes, name: str, expected: str
) -> None:
    form = _open(slack, fake_slack)
    filetype = "pdf" if name.endswith(".pdf") else "csv"
    _submit(slack, form, fake_slack.add_file(content, name, user=COACH, filetype=filetype))
    assert expected in all_text(_last_view(fake_slack, form["id"]))


def test_without_files_read_the_form_says_how_to_fix_it(
    slack: SlackDriver, fake_slack: FakeSlack, world: World
) -> None:
    fake_slack.scopes.remove("files:read")
    form = _open(slack, fake_slack)
    _submit(slack, form, fake_slack.add_file(HEADER.encode(), "people.csv", user=COACH))
    assert "files:read" in all_text(_last_view(fake_slack, form["id"]))


def test_a_form_without_a_file_asks_for_one(slack: SlackDriver, fake_slack: FakeSlack, world: World) -> None:
    form = _open(slack, fake_slack)
    reply = _submit(slack, form, None)
    assert reply.json == {"response_action": "errors", "errors": {"file": "Choose the CSV file to import."}}


@pytest.mark.parametrize("user_id", [MENTOR, OUTSIDER])
def test_only_the_cohorts_coaches_and_admins_may_import(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, user_id: str
) -> None:
    slack.command('import "Spring 2027"', user_id=user_id, response_url=fake_slack.response_url())
    (answer,) = fake_slack.calls_to("response_url")
    assert "Sorry, only the coaches of *Spring 2027* can do that." in answer.args["text"]
    form = _open(slack, fake_slack)
    before = _members(engine, world.cohort)
    fake_slack.add_user("UANNA", name="Anna", email="anna@example.fi")
    _submit(slack, form, fake_slack.add_file((HEADER + "anna@example.fi,Vero,mentor,\n").encode()), user_id)
    assert "only the coaches" in all_text(_last_view(fake_slack, form["id"]))
    assert _members(engine, world.cohort) == before


def test_the_coach_home_has_an_import_button_that_opens_the_form(
    slack: SlackDriver, fake_slack: FakeSlack, world: World
) -> None:
    reply = slack.action("import_open", str(world.cohort), user_id=COACH, trigger_id="333.444.valid")
    assert reply.status == 200
    (opened,) = fake_slack.calls_to("views.open")
    assert opened.args["view"]["callback_id"] == "import_csv"
    assert "Into *Spring 2027*" in all_text(opened.args["view"])


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_import_views_in_each_language(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World, language: str
) -> None:
    from bot.blocks.importing import import_view, progress_view, result_view
    from bot.importer import Problem
    from bot.slack_import import Outcome

    assert_golden(f"importing/form.{language}", import_view(language, 7, "Kevät 2027"), surface="view")
    assert_golden(
        f"importing/progress.{language}",
        progress_view(language, 7, "people.csv", 40, 100, applying=False),
        surface="view",
    )
    would = Outcome(7, "Kevät 2027", 100, known_organisations=["Vero", "Kela"], welcomes=90)
    would.counts.update({("added", "mentor"): 88, ("added", "hr"): 10, ("already", "mentor"): 2})
    assert_golden(
        f"importing/dry_run.{language}",
        result_view(language, would, name="people.csv", file_id="F1", digest="abc"),
        surface="view",
    )
    bad = Outcome(
        7,
        "Kevät 2027",
        3,
        known_organisations=["Vero", "Kela"],
        unknown_organisations=["Kelaa"],
        problems=[
            Problem(3, "nobody@example.fi", "not_found"),
            Problem(4, "anna@example.fi", "unknown_organisation", (("name", "Kelaa"),)),
        ],
    )
    assert_golden(f"importing/problems.{language}", result_view(language, bad, name="people.csv"), surface="view")
    done = Outcome(7, "Kevät 2027", 100, welcomes=90, welcomes_failed=1, applied=True)
    done.counts.update({("added", "mentor"): 90, ("added", "hr"): 10})
    assert_golden(f"importing/done.{language}", result_view(language, done, name="people.csv"), surface="view")
