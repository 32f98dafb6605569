"""The programme form: pick a template for a cohort or upload an adapted one, preview it with the cohort's dates."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.blocks.kit import Block, clip, context, joined, plain, say, section
from bot.i18n import moment
from bot.programme_store import Choice
from bot.programmes import Programme, timeline

PROGRAMME_FORM = "cohort_programme"
CONFIRM_FORM = "programme_confirm"
NOTICE_FORM = "programme_notice"
OPEN_ACTION = "programme_open"  # the coach Home's button
VALUE = "value"
MAX_LINES = 60
MAX_SECTION = 2900
MAX_OPTIONS = 100


def metadata(cohort_id: int, template: str = "", file_id: str = "", digest: str = "") -> str:
    return json.dumps(
        {"cohort": cohort_id, "template": template, "file": file_id, "digest": digest}, separators=(",", ":")
    )


def read_metadata(raw: str | None) -> dict[str, Any] | None:
    """The form's cohort, template, file and digest, or None if it is not ours (all checked again when used)."""
    try:
        value = json.loads(raw or "")
        cohort = value["cohort"]
    except (ValueError, TypeError, KeyError):
        return None
    if not (isinstance(cohort, int) and not isinstance(cohort, bool) and 0 < cohort < 2**31):
        return None
    fields = {name: value.get(name, "") for name in ("template", "file", "digest")}
    if not all(isinstance(v, str) and len(v) <= 64 for v in fields.values()):
        return None
    return {"cohort": cohort, **fields}


def _modal(language: str, callback_id: str, blocks: list[Block], *, submit: str | None, meta: str) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(say(language, "programmes.form.title")[:24]),
        "close": plain(say(language, "programmes.form.cancel" if submit else "programmes.form.close")[:24]),
        "blocks": blocks,
        "private_metadata": meta,
    }
    if submit:
        view["submit"] = plain(submit[:24])
    return view


def programme_view(
    language: str, cohort_id: int, cohort: str, current: str, choices: Sequence[Choice]
) -> dict[str, Any]:
    """The form: the templates of the workspace (the built-in one first), and a file input for an adapted one."""
    options = [{"text": plain(clip(c.name, 75)), "value": c.id} for c in choices[:MAX_OPTIONS]]
    chosen = next((o for o in options if o["value"] == current), options[0])
    current_name = next((c.name for c in choices if c.id == current), current)
    blocks: list[Block] = [
        section(say(language, "programmes.form.for_cohort", cohort=cohort, current=current_name)),
        {"type": "input", "block_id": "template", "label": plain(say(language, "programmes.form.template")),
         "element": {"type": "static_select", "action_id": VALUE, "options": options, "initial_option": chosen}},
        {"type": "input", "block_id": "file", "optional": True, "label": plain(say(language, "programmes.form.file")),
         "element": {"type": "file_input", "action_id": VALUE, "filetypes": ["toml", "txt"], "max_files": 1},
         "hint": plain(say(language, "programmes.form.file_hint"))},
    ]  # fmt: skip
    return _modal(
        language, PROGRAMME_FORM, blocks, submit=say(language, "programmes.form.preview"), meta=metadata(cohort_id)
    )


def checking_view(language: str, cohort_id: int, name: str) -> dict[str, Any]:
    return _modal(
        language,
        NOTICE_FORM,
        [section(say(language, "programmes.form.checking", name=name))],
        submit=None,
        meta=metadata(cohort_id),
    )


def notice_view(language: str, cohort_id: int, text: str) -> dict[str, Any]:
    return _modal(language, NOTICE_FORM, [section(text)], submit=None, meta=metadata(cohort_id))


def problems_view(language: str, cohort_id: int, name: str, errors: Sequence[str]) -> dict[str, Any]:
    """Every problem `programme check` finds, as it says them."""
    blocks: list[Block] = [section(say(language, "programmes.error.problems", name=name))]
    blocks += _chunks([f"• `{error}`" for error in errors[:MAX_LINES]])
    if len(errors) > MAX_LINES:
        blocks.append(context(say(language, "programmes.preview.more", count=len(errors) - MAX_LINES)))
    return _modal(language, NOTICE_FORM, blocks, submit=None, meta=metadata(cohort_id))


def preview_view(
    language: str, programme: Programme, *, name: str, cohort: str, dates: dict[int, date], tz: str, meta: str
) -> dict[str, Any]:
    """Every step of the template on the cohort's real dates, and the button that makes it the cohort's programme."""
    entries = [entry for entry in timeline(programme, dates, tz) if entry.step.is_prompt]
    lines = [
        say(
            language,
            "programmes.preview.line",
            moment=moment(language, entry.moment),
            label=entry.step.label.get(language),
        )
        for entry in entries[:MAX_LINES]
    ]
    blocks: list[Block] = [section(say(language, "programmes.preview.title", name=name, cohort=cohort))]
    blocks += _chunks(lines)
    if len(entries) > MAX_LINES:
        blocks.append(context(say(language, "programmes.preview.more", count=len(entries) - MAX_LINES)))
    blocks.append(context(say(language, "programmes.preview.hint")))
    return _modal(language, CONFIRM_FORM, blocks, submit=say(language, "programmes.form.confirm"), meta=meta)


def _chunks(lines: Sequence[str]) -> list[Block]:
    """Lines in as few sections as Slack's 3,000 characters allow."""
    blocks: list[Block] = []
    chunk: list[str] = []
    for line in lines:
        if chunk and sum(len(part) + 1 for part in chunk) + len(line) > MAX_SECTION:
            blocks.append(section(joined(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section(joined(chunk)))
    return blocks
