"""`python -m bot import FILE.csv --cohort NAME`: all or nothing, every bad row reported, a dry run."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.blocks.welcome import welcome_renderer
from bot.importer import ImportFailed, Progress, read_rows, run_import
from storage.models import MemberStatus, Role, SlackUser
from tests.support import outbox_world
from tests.support.cohorts import NOW, Seeded, add_people, members_of, seed, snapshot
from tests.support.fake_slack import FakeSlack
from tests.support.process import ROOT


@pytest.fixture
def world(engine: Engine, fake_slack: FakeSlack) -> Seeded:
    add_people(fake_slack)
    return seed(engine)


def _csv(tmp_path: Path, text: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(
    engine: Engine,
    client: WebClient,
    path: Path,
    *,
    cohort: str = "Spring 2027",
    dry_run: bool = False,
    tty: bool = False,
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run_import(
        engine=engine,
        client=client,
        path=path,
        cohort_name=cohort,
        dry_run=dry_run,
        now=lambda: NOW,
        welcome=welcome_renderer(5),
        out=out,
        err=err,
        tty=tty,
        send_now=outbox_world.send_now(engine, NOW),
    )
    return status, out.getvalue(), err.getvalue()


GOOD = """email,organisation,role,language
noora@example.com,Vero,mentor,
NILS@example.com,vero,mentor,sv
anna@example.com,Vero,hr,
"""


def test_a_good_file_adds_everyone_and_welcomes_the_mentors(
    engine: Engine, slack_client: WebClient, fake_slack: FakeSlack, world: Seeded, tmp_path: Path
) -> None:
    status, out, err = _run(engine, slack_client, _csv(tmp_path, GOOD))
    assert (status, err) == (0, "")
    assert f"Imported {tmp_path / 'people.csv'} into “Spring 2027”: added: 3 (2 mentor(s), 1 HR contact(s))." in out
    assert "Welcome messages sent: 2." in out
    added = members_of(engine, world.cohort_a)
    assert added[("UNEW1", Role.MENTOR)].organisation_id == world.organisation
    assert added[("UNEW2", Role.MENTOR)].language == "sv"
    assert added[("U111", Role.HR)].status == MemberStatus.ACTIVE
    with Session(engine) as session:
        nils = session.get(SlackUser, ("T111", "UNEW2"))
    assert nils is not None and nils.tz == "Europe/Helsinki"
    welcomes = {m["channel"]: m["text"] for m in fake_slack.messages}
    assert welcomes == {
        "DNEW1": "Welcome to Spring 2027! Here is how Mentori works.",
        "DNEW2": "Välkommen till Spring 2027! Så här fungerar Mentori.",
    }
    assert [c.args["email"] for c in fake_slack.calls_to("users.lookupByEmail")] == [
        "noora@example.com",
        "NILS@example.com",
        "anna@example.com",
    ]


def test_importing_the_same_file_again_changes_nothing_and_welcomes_nobody(
    engine: Engine, slack_client: WebClient, fake_slack: FakeSlack, world: Seeded, tmp_path: Path
) -> None:
    path = _csv(tmp_path, GOOD)
    _run(engine, slack_client, path)
    before = snapshot(engine)
    status, out, _ = _run(engine, slack_client, path)
    assert status == 0 and "already there, unchanged: 3" in out and "Welcome messages sent: 0." in out
    assert snapshot(engine) == before
    assert len(fake_slack.messages) == 2


BAD = """email;organisation;role;language
noora@example.com;Vero;mentor;
nobody@example.com;Vero;mentor;
app@example.com;Vero;mentor;
gone@example.com;Vero;hr;
nils@example.com;Kela;mentor;
erik@example.com;Vero;boss;
anna@example.com;Vero;mentor;de
not-an-email;Vero;mentor;
noora@example.com;Vero;mentor;fi
;;;
"""


def test_a_file_with_bad_rows_writes_nothing_and_lists_every_one(
    engine: Engine, slack_client: WebClient, fake_slack: FakeSlack, world: Seeded, tmp_path: Path
) -> None:
    before = snapshot(engine)
    status, out, err = _run(engine, slack_client, _csv(tmp_path, BAD))
    assert (status, out) == (1, "")
    lines = err.splitlines()
    assert lines[0] == f"{tmp_path / 'people.csv'}: 8 of 9 rows cannot be used, so nothing was imported."
    expected = [
        (3, "nobody@example.com", "no one in the Slack workspace has this e-mail address"),
        (4, "app@example.com", "this e-mail belongs to an app, not a person"),
        (5, "gone@example.com", "no one in the Slack workspace has this e-mail address"),
        (6, "nils@example.com", "unknown organisation “Kela”"),
        (7, "erik@example.com", "role must be mentor or hr, not “boss”"),
        (8, "anna@example.com", "language must be fi, sv or en (or left empty), not “de”"),
        (9, "not-an-email", "not an e-mail address"),
        (10, "noora@example.com", "the same person and role as line 2"),
    ]
    for line, (number, email, reason) in zip(lines[1:9], expected, strict=True):
        assert line.split()[:3] == ["line", str(number), email], line
        assert line.endswith(reason), line
    assert "Unknown organisations: “Kela”. The cohort has: “Vero”." in err
    assert lines[-1] == "Fix these rows and run the import again (--dry-run checks without writing)."
    assert snapshot(engine) == before
    with Session(engine) as session:
        assert session.get(SlackUser, ("T111", "UNEW1")) is None
    assert fake_slack.messages == []


def test_a_dry_run_says_what_would_happen_and_writes_nothing(
    engine: Engine, slack_client: WebClient, fake_slack: FakeSlack, world: Seeded, tmp_path: Path
) -> None:
    before = snapshot(engine)
    status, out, err = _run(engine, slack_client, _csv(tmp_path, GOOD), dry_run=True)
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "Dry run: nothing was written and no message was sent.",
        f"Importing {tmp_path / 'people.csv'} into “Spring 2027” would give: added: 3 (2 mentor(s), 1 HR contact(s)).",
        "Welcome messages would go to 2 new mentor(s).",
    ]
    assert snapshot(engine) == before
    with Session(engine) as session:
        assert session.exec(select(SlackUser)).all() == []
    assert fake_slack.messages == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail,organisation,role\nx@example.com,Vero,mentor\n", "missing column email."),
        ("email,org,type\n", "missing columns organisation, role."),
        ("", "the file is empty."),
    ],
)
def test_missing_columns_are_named_with_the_header_to_use(tmp_path: Path, text: str, expected: str) -> None:
    path = _csv(tmp_path, text)
    with pytest.raises(ImportFailed) as raised:
        read_rows(path)
    assert str(raised.value).startswith(f"{path}: {expected}")
    assert "email,organisation,role,language" in str(raised.value)


@pytest.mark.parametrize("separator", ["\t", ";"])  # ';' with a BOM: Excel's "CSV UTF-8" in Finnish and Swedish
def test_spreadsheet_exports_are_read_whatever_their_separator_and_spelling(tmp_path: Path, separator: str) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufeffE-mail\tOrganization\tRole\n a@example.com \tVäestörekisteri\tMentor\n\n".replace(
            "\t", separator
        ).encode()
    )
    assert read_rows(path) == [(2, {"email": "a@example.com", "organisation": "Väestörekisteri", "role": "Mentor"})]


def test_an_unknown_cohort_or_file_stops_the_import_with_one_line(
    engine: Engine, slack_client: WebClient, world: Seeded, tmp_path: Path
) -> None:
    status, _, err = _run(engine, slack_client, _csv(tmp_path, GOOD), cohort="Nope")
    assert status == 1
    assert err.startswith("There is no cohort called “Nope” in this workspace.")
    status, _, err = _run(engine, slack_client, tmp_path / "missing.csv")
    assert (status, err) == (1, f"{tmp_path / 'missing.csv'}: no such file.\n")


def test_a_long_file_reports_progress_every_hundred_rows_when_not_on_a_terminal(
    engine: Engine, slack_client: WebClient, fake_slack: FakeSlack, world: Seeded, tmp_path: Path
) -> None:
    rows = ["email,organisation,role"]
    for i in range(250):
        fake_slack.add_user(f"UBULK{i:03d}", email=f"bulk{i}@example.com", locale="en-GB")
        rows.append(f"bulk{i}@example.com,Vero,mentor")
    status, out, err = _run(engine, slack_client, _csv(tmp_path, "\n".join(rows) + "\n"))
    assert status == 0, err
    assert err.splitlines() == ["100 of 250 rows checked", "200 of 250 rows checked"]
    assert "added: 250 (250 mentor(s), 0 HR contact(s))" in out


def test_on_a_terminal_the_progress_is_a_bar_that_redraws_itself() -> None:
    stream = io.StringIO()
    progress = Progress(200, stream, tty=True, width=10)
    for done in range(1, 201):
        progress.update(done)
    progress.finish()
    drawn = stream.getvalue()
    assert drawn.startswith("\r[----------] 1/200 rows checked\r[#---------] 20/200 rows checked")
    assert drawn.endswith("\r[##########] 200/200 rows checked\n")
    assert drawn.count("\r") == 11  # redrawn only when the bar grows
    short = io.StringIO()
    Progress(10, short, tty=True).update(5)
    assert short.getvalue() == ""


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORI_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_import_runs_as_a_real_command_against_slack(
    engine: Engine, database_url: str, fake_slack: FakeSlack, world: Seeded, tmp_path: Path
) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": database_url,
        "MENTORI_LANG": "en",
    }
    path = _csv(tmp_path, GOOD)
    dry = _cli("import", str(path), "--cohort", "spring 2027", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: nothing was written" in dry.stdout
    assert ("UNEW1", Role.MENTOR) not in members_of(engine, world.cohort_a)
    done = _cli("import", str(path), "--cohort", "spring 2027", env=env)
    assert done.returncode == 0, done.stderr
    assert "added: 3 (2 mentor(s), 1 HR contact(s))" in done.stdout
    assert members_of(engine, world.cohort_a)[("UNEW1", Role.MENTOR)].status == MemberStatus.ACTIVE
    assert sorted(m["channel"] for m in fake_slack.messages) == ["DNEW1", "DNEW2"]
    missing = _cli("import", str(_csv(tmp_path, "email,role\n", "bad.csv")), "--cohort", "Spring 2027", env=env)
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        f"{tmp_path / 'bad.csv'}: missing column organisation. "
        "The first line must be: email,organisation,role,language  (language may be left out)"
    )


def test_the_import_command_explains_itself_and_needs_a_token(tmp_path: Path) -> None:
    helped = _cli("import", "--help", env={})
    assert helped.returncode == 0
    assert "--dry-run" in helped.stdout and "email, organisation" in helped.stdout
    no_token = _cli("import", "x.csv", "--cohort", "A", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"})
    assert no_token.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in no_token.stderr
