"""`python -m bot import FILE.csv --cohort NAME`: mentors and HR contacts from a spreadsheet, all or nothing."""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import Session

from bot import cohorts, members
from bot.cohorts import Invalid
from bot.i18n import LANGUAGES, t
from bot.organisations import organisations_of
from bot.outbox import SendNow
from storage.models import Cohort, Organisation, Role, SlackUser

log = logging.getLogger(__name__)
REQUIRED = ("email", "organisation", "role")
HEADER = "email,organisation,role,language"
ALIASES = {"e-mail": "email", "organization": "organisation", "lang": "language"}
ROLES = {role.value: role for role in members.MEMBER_ROLES}
OUTCOME_WORDS = {
    members.Outcome.ADDED: "added",
    members.Outcome.REACTIVATED: "back after being removed",
    members.Outcome.MOVED: "moved to another organisation",
    members.Outcome.ALREADY: "already there, unchanged",
}


class ImportFailed(Exception):
    """The file as a whole cannot be imported (unreadable, columns missing, no such cohort): one line says why.

    `key` and `params` name the catalogue text (`importer.file.*`) for saying it in another language; None when the
    message exists only in English (a file the command line cannot open).
    """

    def __init__(self, message: str, key: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.key, self.params = key, params

    def text(self, language: str) -> str:
        return t(language, self.key, **self.params) if self.key else str(self)


def _failed(key: str, **params: Any) -> ImportFailed:
    return ImportFailed(t("en", key, **params), key, **params)


@dataclass(frozen=True)
class Problem:
    line: int
    email: str
    key: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def reason(self) -> str:
        """The reason in English, for the command line."""
        return self.text("en")

    def text(self, language: str) -> str:
        return t(language, f"importer.row.{self.key}", **dict(self.params))


@dataclass(frozen=True)
class Row:
    """A usable row: the Slack user found for the e-mail, the role and the organisation."""

    line: int
    email: str
    user: dict[str, Any]
    role: Role
    organisation: Organisation
    language: str | None


@dataclass
class Checked:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_organisations: dict[str, None] = field(default_factory=dict)


class Progress:
    """A progress bar on a terminal; elsewhere (a log, a pipe) a line every `every` rows."""

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        tty: bool | None = None,
        every: int = 100,
        width: int = 30,
        min_rows: int = 50,
    ) -> None:
        self.total, self.stream, self.every, self.width = total, stream, every, width
        self.tty = stream.isatty() if tty is None else tty
        self.shown = self.tty and total >= min_rows
        self._last = -1

    def update(self, done: int) -> None:
        if self.shown:
            filled = self.width * done // max(self.total, 1)
            if filled == self._last and done != self.total:
                return
            self._last = filled
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r[{bar}] {done}/{self.total} rows checked")
            self.stream.flush()
        elif not self.tty and done % self.every == 0:
            self.stream.write(f"{done} of {self.total} rows checked\n")
            self.stream.flush()

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for every non-empty row; ImportFailed when the file or its header is unusable."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFailed(f"{path}: no such file.") from None
    except OSError as error:
        raise ImportFailed(f"{path}: cannot be read ({error.strerror}).") from None
    return parse_rows(data, str(path))


def parse_rows(data: bytes, name: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file's bytes (from a disk or from Slack); `name` says which file in messages."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _failed("importer.file.not_utf8", name=name) from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise _failed("importer.file.empty", name=name, header=HEADER)
    delimiter = max((",", ";", "\t"), key=lines[0].count)  # spreadsheets in Finnish locales write ';'
    reader = csv.reader(lines, delimiter=delimiter)
    header = [ALIASES.get(name_.strip().lower(), name_.strip().lower()) for name_ in next(reader)]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        key = "importer.file.missing_many" if len(missing) > 1 else "importer.file.missing_one"
        raise _failed(key, name=name, columns=", ".join(missing), header=HEADER)
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        rows.append((line, {column: (values[i].strip() if i < len(values) else "") for i, column in enumerate(header)}))
    return rows


def check_rows(
    client: WebClient,
    cohort: Cohort,
    organisations: list[Organisation],
    rows: list[tuple[int, dict[str, str]]],
    progress: Progress,
) -> Checked:
    """Check every row and look each e-mail up in Slack; collect every problem rather than stop at the first."""
    by_name = {organisation.name.lower(): organisation for organisation in organisations}
    seen: dict[tuple[str, str], int] = {}
    checked = Checked()
    for done, (line, values) in enumerate(rows, start=1):
        email = values.get("email", "")
        try:
            checked.rows.append(_check_row(client, by_name, seen, checked, line, values))
        except _RowProblem as problem:
            checked.problems.append(Problem(line, email, problem.key, tuple(problem.params.items())))
        progress.update(done)
    progress.finish()
    return checked


class _RowProblem(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params


def _check_row(
    client: WebClient,
    by_name: dict[str, Organisation],
    seen: dict[tuple[str, str], int],
    checked: Checked,
    line: int,
    values: dict[str, str],
) -> Row:
    email = values.get("email", "")
    if "@" not in email or " " in email:
        raise _RowProblem("not_email" if email else "no_email")
    role = ROLES.get(values.get("role", "").lower())
    if role is None:
        raise _RowProblem("role", value=values.get("role", ""))
    name = " ".join(values.get("organisation", "").split())
    organisation = by_name.get(name.lower())
    if organisation is None:
        if name:
            checked.unknown_organisations[name] = None
        raise _RowProblem("unknown_organisation", name=name) if name else _RowProblem("no_organisation")
    language = values.get("language", "").lower() or None
    if language is not None and language not in LANGUAGES:
        raise _RowProblem("language", value=values.get("language", ""))
    key = (email.lower(), role.value)
    if key in seen:
        raise _RowProblem("duplicate", line=seen[key])
    seen[key] = line
    user = _look_up(client, email)
    if user.get("is_bot"):
        raise _RowProblem("app")
    if user.get("deleted"):
        raise _RowProblem("deactivated")
    return Row(line, email, user, role, organisation, language)


def _look_up(client: WebClient, email: str) -> dict[str, Any]:
    try:
        return dict(client.users_lookupByEmail(email=email)["user"])
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else None
        if code in ("users_not_found", "user_not_found"):
            raise _RowProblem("not_found") from None
        raise _RowProblem("lookup_failed", code=str(code)) from None
    except OSError as error:
        raise _RowProblem("unreachable", error=error.__class__.__name__) from None


def _remember(session: Session, team_id: str, user: dict[str, Any], now: datetime) -> None:
    """Keep what users.lookupByEmail told us (time zone, locale), as users.info would have."""
    known = session.get(SlackUser, (team_id, user["id"]))
    record = known or SlackUser(team_id=team_id, user_id=user["id"])
    record.tz = user.get("tz") or record.tz
    record.locale = user.get("locale") or record.locale
    record.is_admin, record.is_owner = bool(user.get("is_admin")), bool(user.get("is_owner"))
    record.is_bot, record.deleted = bool(user.get("is_bot")), bool(user.get("deleted"))
    record.checked_at = now
    session.add(record)


@dataclass(frozen=True)
class Imported:
    outcomes: list[tuple[members.Outcome, str]]  # (outcome, role) per row, read before the session ends
    welcomes: list[int]  # outbox ids of the welcome DMs planned


def write(
    engine: Engine, cohort_id: int, rows: list[Row], *, now: datetime, welcome: members.RenderWelcome, dry_run: bool
) -> Imported:
    """Add every row in one transaction (rolled back for a dry run)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            cohort = session.get(Cohort, cohort_id)
            assert cohort is not None
            cohorts.require_active(cohort)
            for row in rows:
                _remember(session, cohort.team_id, row.user, now)
            session.flush()
            joined = [
                members.add_member(
                    session,
                    cohort,
                    user_id=row.user["id"],
                    role=row.role,
                    organisation=row.organisation,
                    now=now,
                    language=row.language,
                )
                for row in rows
            ]
            members.plan_for_joiners(session, cohort, joined, now=now)
            notes = members.plan_welcomes(session, cohort, joined, render=welcome, now=now)
            outcomes = [(j.outcome, j.member.role) for j in joined]
            if dry_run:
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
    return Imported(outcomes, notes)


def run_import(
    *,
    engine: Engine,
    client: WebClient,
    path: Path,
    cohort_name: str,
    dry_run: bool,
    now: Callable[[], datetime],
    welcome: members.RenderWelcome,
    out: TextIO,
    err: TextIO,
    tty: bool | None = None,
    send_now: SendNow | None = None,
) -> int:
    """The whole import; returns the exit status (0 done, 1 nothing written)."""
    try:
        rows = read_rows(path)
        team_id = str(client.auth_test()["team_id"])
        with Session(engine) as session:
            cohort = cohorts.find_cohort(session, team_id, cohort_name)
            cohorts.require_active(cohort)
            organisations = organisations_of(session, cohort)
    except ImportFailed as failure:
        err.write(f"{failure}\n")
        return 1
    except Invalid as problem:
        err.write(_plain(t("en", problem.key, **problem.params)) + "\n")
        return 1
    if not rows:
        err.write(t("en", "importer.file.no_rows", name=str(path)) + "\n")
        return 1
    checked = check_rows(client, cohort, organisations, rows, Progress(len(rows), err, tty=tty))
    if checked.problems:
        _report_problems(err, path, len(rows), checked, organisations)
        return 1
    try:
        imported = write(engine, cohort.id, checked.rows, now=now(), welcome=welcome, dry_run=dry_run)  # type: ignore[arg-type]  # a stored row's id is set
    except Invalid as problem:
        err.write(_plain(t("en", problem.key, **problem.params)) + " Nothing was imported.\n")
        return 1
    summary = _summary(imported.outcomes)
    if dry_run:
        out.write(
            f"Dry run: nothing was written and no message was sent.\n"
            f"Importing {path} into “{cohort.name}” would give: {summary}.\n"
            f"Welcome messages would go to {len(imported.welcomes)} new mentor(s).\n"
        )
        return 0
    out.write(f"Imported {path} into “{cohort.name}”: {summary}.\n")
    failed = members.send_welcomes(engine, send_now, client, imported.welcomes)
    out.write(f"Welcome messages sent: {len(imported.welcomes) - len(failed)}.\n")
    if failed:
        emails = {row.user["id"]: row.email for row in checked.rows}
        out.write(
            "Could not send the welcome message to (they are imported all the same): "
            f"{', '.join(emails.get(user_id, user_id) for user_id in failed)}\n"
        )
    return 0


def _summary(outcomes: list[tuple[members.Outcome, str]]) -> str:
    parts = []
    for outcome, words in OUTCOME_WORDS.items():
        chosen = [role for found, role in outcomes if found == outcome]
        if chosen:
            mentors = sum(1 for role in chosen if role == Role.MENTOR)
            parts.append(f"{words}: {len(chosen)} ({mentors} mentor(s), {len(chosen) - mentors} HR contact(s))")
    return "; ".join(parts) or "nothing"


def _report_problems(err: TextIO, path: Path, total: int, checked: Checked, organisations: list[Organisation]) -> None:
    err.write(f"{path}: {len(checked.problems)} of {total} rows cannot be used, so nothing was imported.\n")
    width = max(len(problem.email) for problem in checked.problems)
    for problem in checked.problems:
        err.write(f"  line {problem.line:<5} {problem.email:<{width}}  {problem.reason}\n")
    if checked.unknown_organisations:
        known = ", ".join(f"“{o.name}”" for o in organisations) or "none yet"
        unknown = ", ".join(f"“{name}”" for name in checked.unknown_organisations)
        err.write(
            f"Unknown organisations: {unknown}. The cohort has: {known}. "
            "Fix the spelling, or add them first with /mentori org add.\n"
        )
    err.write("Fix these rows and run the import again (--dry-run checks without writing).\n")


def _plain(text: str) -> str:
    """Catalogue text (Slack mrkdwn) for a terminal."""
    return text.replace("*", "").replace("`", "")
