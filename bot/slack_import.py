"""Importing mentors and HR contacts from a CSV file uploaded in Slack, with the checks of `python -m bot import`.

First a dry run: every row checked and looked up in Slack, what would be added and each bad line with its reason;
nothing is written. Only when the coach confirms is the same file read and checked again, then written all or
nothing, and the welcome messages go out through the outbox.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import Session

from bot import members
from bot.authz import Actor, require_manager
from bot.cohorts import Invalid, get_cohort, require_active
from bot.importer import ImportFailed, Problem, check_rows, parse_rows, write
from bot.organisations import organisations_of
from bot.outbox import SendNow
from bot.slack_api import error_code
from storage.models import Role

log = logging.getLogger(__name__)
MAX_BYTES = 1024 * 1024  # a CSV of thousands of people; Slack's own limit for a file input is 10 MB
CSV_TYPES = frozenset({"csv", "text", "tsv"})
DOWNLOAD_TIMEOUT = 30  # seconds
Report = Callable[[int, int], None]  # (rows checked, rows in all)


class FileRefused(Exception):
    """The uploaded file cannot be used at all; `key` names the catalogue text (importer.slack.*) saying why."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes

    @property
    def digest(self) -> str:
        """Which file was checked, so that the one confirmed is the one written."""
        return hashlib.sha256(self.data).hexdigest()[:32]


@dataclass
class Outcome:
    """What an import did (or, for a dry run, would do)."""

    cohort_id: int
    cohort: str
    rows: int
    problems: list[Problem] = field(default_factory=list)
    unknown_organisations: list[str] = field(default_factory=list)
    known_organisations: list[str] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (outcome, role) → people
    welcomes: int = 0
    welcomes_failed: int = 0
    applied: bool = False


CSV_EXTENSIONS = (".csv", ".txt", ".tsv")


def fetch(
    client: WebClient,
    file_id: str,
    *,
    kinds: frozenset[str] = CSV_TYPES,
    extensions: tuple[str, ...] = CSV_EXTENSIONS,
    wrong: str = "importer.slack.not_csv",
) -> Upload:
    """The file's name and bytes: `files.info` (files:read) tells where, the bot token downloads it. A file of
    another type than `kinds` (Slack's filetype) or `extensions` is refused with the text `wrong`."""
    try:
        info = dict(client.files_info(file=file_id)["file"])
    except SlackApiError as error:
        raise FileRefused("importer.slack.not_found", code=str(error_code(error))) from None
    name = str(info.get("name") or "people.csv")
    if int(info.get("size") or 0) > MAX_BYTES:
        raise FileRefused("importer.slack.too_big", name=name, size=MAX_BYTES // 1024)
    if str(info.get("filetype") or "") not in kinds and not name.lower().endswith(extensions):
        raise FileRefused(wrong, name=name)
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    return Upload(name, _download(url, client.token or "", name))


def _download(url: str, token: str, name: str) -> bytes:
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise FileRefused("importer.slack.download", name=name)
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
            # Without the right token Slack answers with its sign-in page, not an error status.
            if "text/html" in (response.headers.get("Content-Type") or ""):
                raise FileRefused("importer.slack.download", name=name)
            data: bytes = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, OSError) as error:
        log.warning("could not download an uploaded CSV: %s", error.__class__.__name__)
        raise FileRefused("importer.slack.download", name=name) from None
    if len(data) > MAX_BYTES:
        raise FileRefused("importer.slack.too_big", name=name, size=MAX_BYTES // 1024)
    return data


class _Progress:
    """The importer's progress interface, reporting to a callback."""

    def __init__(self, total: int, report: Report) -> None:
        self.total, self.report = total, report

    def update(self, done: int) -> None:
        self.report(done, self.total)

    def finish(self) -> None:
        self.report(self.total, self.total)


def run(
    engine: Engine,
    client: WebClient,
    actor: Actor,
    cohort_id: int,
    upload: Upload,
    *,
    now: datetime,
    welcome: members.RenderWelcome,
    apply: bool,
    report: Report,
    send_now: SendNow | None = None,
) -> Outcome:
    """Check every row of `upload` for the cohort; with `apply` and no problem, write them all and welcome."""
    with Session(engine) as session:
        cohort = get_cohort(session, actor.team_id, cohort_id)
        require_manager(actor, cohort)
        require_active(cohort)
        organisations = organisations_of(session, cohort)
    outcome = Outcome(cohort_id, cohort.name, 0, known_organisations=[o.name for o in organisations])
    try:
        rows = parse_rows(upload.data, upload.name)
    except ImportFailed as failure:
        raise FileRefused(failure.key or "importer.slack.download", **failure.params) from None
    if not rows:
        raise FileRefused("importer.file.no_rows", name=upload.name)
    outcome.rows = len(rows)
    checked = check_rows(client, cohort, organisations, rows, _Progress(len(rows), report))  # type: ignore[arg-type]
    outcome.problems, outcome.unknown_organisations = checked.problems, list(checked.unknown_organisations)
    if checked.problems:
        return outcome
    try:
        imported = write(engine, cohort_id, checked.rows, now=now, welcome=welcome, dry_run=not apply)
    except Invalid:
        raise
    outcome.counts = Counter((str(found.value), str(role)) for found, role in imported.outcomes)
    outcome.welcomes, outcome.applied = len(imported.welcomes), apply
    if apply:
        outcome.welcomes_failed = len(members.send_welcomes(engine, send_now, client, imported.welcomes))
    return outcome


def people(outcome: Outcome, found: members.Outcome, role: Role) -> int:
    """How many people of `role` had this outcome."""
    return outcome.counts[(str(found.value), str(role.value))]
