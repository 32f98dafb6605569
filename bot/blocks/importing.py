"""The import form: the CSV file input, the progress while rows are checked, the dry run, and the result."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks.kit import Block, context, joined, plain, say, section
from bot.members import Outcome as Found
from bot.slack_import import Outcome
from storage.models import Role

IMPORT_FORM = "import_csv"  # the form with the file input
CONFIRM_FORM = "import_confirm"  # the dry run with its Import button
PROGRESS_FORM = "import_progress"  # what the form shows while rows are checked, and the result
OPEN_ACTION = "import_open"  # the Home tab's button
FILE_BLOCK = "file"
VALUE = "value"
MAX_PROBLEM_LINES = 40
MAX_SECTION = 2900
FOUND_KEYS = (
    (Found.ADDED, "added"),
    (Found.REACTIVATED, "reactivated"),
    (Found.MOVED, "moved"),
    (Found.ALREADY, "already"),
)


def metadata(cohort_id: int, file_id: str = "", digest: str = "", name: str = "") -> str:
    """What the forms carry: the cohort, and after the dry run the file, which content was checked and its name."""
    return json.dumps(
        {"cohort": cohort_id, "file": file_id, "digest": digest, "name": name[:100]}, separators=(",", ":")
    )


def read_metadata(raw: str | None) -> tuple[int, str, str, str] | None:
    """(cohort id, file id, digest, file name), or None when it is not ours; only a hint, checked again when used."""
    try:
        value = json.loads(raw or "")
        cohort_id, file_id, digest, name = value["cohort"], value["file"], value["digest"], value.get("name", "")
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not (isinstance(cohort_id, int) and not isinstance(cohort_id, bool) and 0 < cohort_id < 2**31):
        return None
    if not all(isinstance(v, str) for v in (file_id, digest, name)) or len(file_id) > 40 or len(digest) > 64:
        return None
    return cohort_id, file_id, digest, name[:100]


def _modal(language: str, callback_id: str, blocks: list[Block], *, submit: str | None, meta: str) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(say(language, "importer.slack.title")[:24]),
        "close": plain(say(language, "importer.slack.close" if submit is None else "importer.slack.cancel")[:24]),
        "blocks": blocks,
        "private_metadata": meta,
    }
    if submit:
        view["submit"] = plain(submit[:24])
    return view


def import_view(language: str, cohort_id: int, cohort: str) -> dict[str, Any]:
    """The form: which cohort, the CSV file input (one file), and what happens next."""
    blocks: list[Block] = [
        section(say(language, "importer.slack.for_cohort", cohort=cohort)),
        {"type": "input", "block_id": FILE_BLOCK, "label": plain(say(language, "importer.slack.file")),
         "element": {"type": "file_input", "action_id": VALUE, "filetypes": ["csv", "txt", "tsv"], "max_files": 1},
         "hint": plain(say(language, "importer.slack.file_hint"))},
        context(say(language, "importer.slack.help")),
    ]  # fmt: skip
    return _modal(language, IMPORT_FORM, blocks, submit=say(language, "importer.slack.check"), meta=metadata(cohort_id))


def progress_view(language: str, cohort_id: int, name: str, done: int, total: int, *, applying: bool) -> dict[str, Any]:
    """What the form shows while the rows are checked (or, after confirming, checked again and written)."""
    key = "importer.slack.importing" if applying else "importer.slack.checking"
    text = say(language, key, name=name, done=done, total=total or "…")
    return _modal(language, PROGRESS_FORM, [section(text)], submit=None, meta=metadata(cohort_id))


def notice_view(language: str, cohort_id: int, text: str) -> dict[str, Any]:
    """Why nothing could be done (the file could not be read, the person may not import, …)."""
    return _modal(language, PROGRESS_FORM, [section(text)], submit=None, meta=metadata(cohort_id))


def result_view(language: str, outcome: Outcome, *, name: str, file_id: str = "", digest: str = "") -> dict[str, Any]:
    """The dry run (with its Import button when every row is usable), the bad rows, or what was imported."""
    if outcome.problems:
        return _modal(
            language, PROGRESS_FORM, _problem_blocks(language, outcome), submit=None, meta=metadata(outcome.cohort_id)
        )
    key = "importer.slack.did" if outcome.applied else "importer.slack.would"
    lines = [say(language, key, total=outcome.rows, cohort=outcome.cohort, name=name)]
    for found, word in FOUND_KEYS:
        mentors, hr = outcome.counts[(found.value, Role.MENTOR.value)], outcome.counts[(found.value, Role.HR.value)]
        if mentors or hr:
            lines.append(say(language, f"importer.slack.{word}", mentors=mentors, hr=hr))
    blocks: list[Block] = [section(joined(lines))]
    if outcome.applied:
        sent = outcome.welcomes - outcome.welcomes_failed
        welcome = [say(language, "importer.slack.welcomes_sent", count=sent)]
        if outcome.welcomes_failed:
            welcome.append(
                say(language, "importer.slack.welcomes_failed", count=outcome.welcomes_failed, cohort=outcome.cohort)
            )
        blocks.append(section(joined(welcome)))
        return _modal(language, PROGRESS_FORM, blocks, submit=None, meta=metadata(outcome.cohort_id))
    blocks.append(section(say(language, "importer.slack.welcomes_would", count=outcome.welcomes)))
    blocks.append(context(say(language, "importer.slack.confirm_hint")))
    return _modal(
        language,
        CONFIRM_FORM,
        blocks,
        submit=say(language, "importer.slack.confirm"),
        meta=metadata(outcome.cohort_id, file_id, digest, name),
    )


def _problem_blocks(language: str, outcome: Outcome) -> list[Block]:
    head = say(language, "importer.slack.problems", count=len(outcome.problems), total=outcome.rows)
    blocks: list[Block] = [section(head)]
    chunk: list[str] = []
    for problem in outcome.problems[:MAX_PROBLEM_LINES]:
        line = say(
            language,
            "importer.slack.problem_line",
            line=problem.line,
            email=problem.email or "–",
            reason=problem.text(language),
        )
        if sum(len(part) + 1 for part in chunk) + len(line) > MAX_SECTION:
            blocks.append(section(joined(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section(joined(chunk)))
    if len(outcome.problems) > MAX_PROBLEM_LINES:
        blocks.append(
            context(say(language, "importer.slack.more_problems", count=len(outcome.problems) - MAX_PROBLEM_LINES))
        )
    if outcome.unknown_organisations:
        known = ", ".join(_quoted(language, name) for name in outcome.known_organisations)
        blocks.append(
            section(
                say(
                    language,
                    "importer.slack.unknown_organisations",
                    cohort=outcome.cohort,
                    unknown=", ".join(_quoted(language, name) for name in outcome.unknown_organisations),
                    known=known or say(language, "importer.slack.no_organisations"),
                )
            )
        )
    blocks.append(context(say(language, "importer.slack.fix")))
    return blocks


def _quoted(language: str, name: str) -> str:
    """A name in quotation marks as the language writes them (Finnish and Swedish: ”…”)."""
    return f"“{name}”" if language == "en" else f"”{name}”"
