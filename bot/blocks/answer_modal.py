"""The answer modal, and what the prompt DM becomes once answered, skipped or snoozed; the reply to a stray DM."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from babel.numbers import format_decimal

from bot.blocks.kit import (
    Block,
    Mrkdwn,
    actions,
    button,
    clip,
    context,
    escape,
    md,
    message,
    mrkdwn,
    option,
    plain,
    say,
    section,
)
from bot.i18n import BABEL_LOCALES, moment, t

ANSWER = "answer"  # the modal's callback_id
PROMPT_ANSWER, PROMPT_SNOOZE, PROMPT_SKIP = "prompt.answer", "prompt.snooze", "prompt.skip"
ANSWER_EDIT = "answer.edit"
QUOTE_STOP = "answer.stop_sharing"
NOTE_ATTACH = "note.attach"
VALUE = "value"  # every input's action_id: the block id says which field it is
STATE_BLOCK = "mentori_state"  # the line Mentori adds to a prompt DM to say what happened to it
THUMBS = (("up", "👍"), ("unsure", "🤔"), ("down", "👎"))
EXCERPT = 500


def number(language: str, value: float) -> str:
    """A number as `language` writes it (2 000, 2,000)."""
    return format_decimal(value, locale=BABEL_LOCALES.get(language, "en_GB"))


def quote(text: str, limit: int = EXCERPT) -> Mrkdwn:
    """A mentor's own words as a mrkdwn quote, escaped and cut to `limit`."""
    escaped = clip(escape(text), limit)
    return Mrkdwn("\n".join(f">{line}" if line else ">" for line in escaped.split("\n")))


def delivery_metadata(delivery_id: int) -> str:
    return json.dumps({"delivery": delivery_id})


def read_metadata(raw: str | None, key: str) -> Any:
    """One value from a view's private_metadata, or None if it is not ours (it is re-checked anyway)."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return None
    return data.get(key) if isinstance(data, dict) else None


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = True, hint: str | None = None
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(clip(label, 2000)),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def scale_options(language: str, low: str, high: str) -> list[dict[str, Any]]:
    """1–5 with the scale's words at both ends."""
    return [
        option(f"1 – {low}", "1"),
        option("2", "2"),
        option("3", "3"),
        option("4", "4"),
        option(f"5 – {high}", "5"),
    ]


def thumbs_options(language: str) -> list[dict[str, Any]]:
    return [option(f"{icon} {say(language, f'mentor.answer.thumbs_{value}')}", value) for value, icon in THUMBS]


def answer_view(
    language: str,
    *,
    delivery_id: int,
    label: str,
    question: str,
    items: Sequence[tuple[str, str]] = (),
    scale_low: str = "",
    scale_high: str = "",
    thumbs: bool = False,
    text: str | None = None,
    ratings: dict[str, Any] | None = None,
    consent: bool = False,
    editing: bool = False,
    late: bool = False,
    limit: int = 2000,
) -> dict[str, Any]:
    """The question, the step's ratings, the answer text, the consent box and who sees what."""
    ratings = ratings or {}
    blocks: list[Block] = [section(md("*{label}*\n{question}", label=label, question=question))]
    scale = scale_options(language, scale_low, scale_high)
    for item_id, item_text in items:
        element: dict[str, Any] = {"type": "radio_buttons", "action_id": VALUE, "options": scale}
        chosen = ratings.get(item_id)
        if isinstance(chosen, int) and 1 <= chosen <= 5:
            element["initial_option"] = scale[chosen - 1]
        blocks.append(_input(f"item_{item_id}", item_text, element))
    if thumbs:
        options = thumbs_options(language)
        element = {"type": "radio_buttons", "action_id": VALUE, "options": options}
        values = [value for value, _ in THUMBS]
        if ratings.get("thumbs") in values:
            element["initial_option"] = options[values.index(ratings["thumbs"])]
        blocks.append(_input("thumbs", say(language, "mentor.answer.thumbs_label"), element))
    text_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "multiline": True,
        "max_length": limit,
        "placeholder": plain(say(language, "mentor.answer.text_placeholder")),
    }
    if text:
        text_input["initial_value"] = text[:limit]
    text_label = "mentor.answer.text_label_optional" if items or thumbs else "mentor.answer.text_label"
    blocks.append(
        _input(
            "text",
            say(language, text_label),
            text_input,
            hint=say(language, "mentor.answer.text_hint", max=number(language, limit)),
        )
    )
    consent_option = option(t(language, "mentor.answer.consent"), "quote", t(language, "mentor.answer.consent_more"))
    consent_element: dict[str, Any] = {"type": "checkboxes", "action_id": VALUE, "options": [consent_option]}
    if consent:
        consent_element["initial_options"] = [consent_option]
    blocks.append(_input("consent", say(language, "mentor.answer.consent_label"), consent_element))
    notes = [say(language, "mentor.answer.who_sees")]
    if late:
        notes.append(say(language, "mentor.answer.late"))
    blocks.append(context(*notes))
    title = "mentor.answer.title_edit" if editing else "mentor.answer.title"
    return {
        "type": "modal",
        "callback_id": ANSWER,
        "title": plain(say(language, title)[:24]),
        "submit": plain(say(language, "mentor.answer.save")[:24]),
        "close": plain(say(language, "mentor.cancel")[:24]),
        "private_metadata": delivery_metadata(delivery_id),
        "blocks": blocks,
    }


def answered_message(
    language: str,
    *,
    delivery_id: int,
    label: str,
    question: str,
    answered_at: datetime,
    text: str | None,
    rated: int,
    thumbs: str | None,
    editable: bool,
    shared: str | None = None,
    min_group: int = 5,
) -> dict[str, Any]:
    """The prompt DM after it was answered: the question, the answer's start, Edit while it can change, and — when
    HR may quote it — exactly the text HR may see, with a button to stop sharing it."""
    blocks: list[Block] = [section(md("*{label}*\n{question}", label=label, question=question))]
    blocks.append(context(say(language, "mentor.prompt.answered", when=moment(language, answered_at))))
    if text:
        blocks.append(section(quote(text)))
    icons = dict(THUMBS)
    if thumbs in icons:
        blocks.append(context(say(language, "mentor.prompt.thumbs", icon=icons[thumbs])))
    elif rated:
        blocks.append(context(say(language, "mentor.prompt.rated", count=rated)))
    if shared:
        blocks.append(context(say(language, "mentor.prompt.shared_preview", min_group=min_group)))
        blocks.append(section(quote(shared)))
    buttons = [button(say(language, "mentor.prompt.edit"), ANSWER_EDIT, str(delivery_id))] if editable else []
    if shared:
        buttons.append(button(say(language, "mentor.prompt.stop_sharing"), QUOTE_STOP, str(delivery_id)))
    if not editable:
        blocks.append(context(say(language, "mentor.prompt.closed")))
    if buttons:
        blocks.append(actions(*buttons, block_id=STATE_BLOCK))
    return message(say(language, "mentor.prompt.answered_text", label=label), blocks)


def skipped_message(language: str, *, delivery_id: int, label: str, question: str) -> dict[str, Any]:
    """The prompt DM after a skip: no reminder will come, but it can still be answered."""
    blocks: list[Block] = [
        section(md("*{label}*\n{question}", label=label, question=question)),
        context(say(language, "mentor.prompt.skipped")),
        actions(
            button(say(language, "mentor.prompt.answer_anyway"), PROMPT_ANSWER, str(delivery_id)), block_id=STATE_BLOCK
        ),
    ]
    return message(say(language, "mentor.prompt.skipped_text", label=label), blocks)


def with_state(blocks: Sequence[Block], note: str) -> list[Block]:
    """A prompt DM's own blocks with Mentori's line about what happened to it (replacing an earlier one)."""
    kept = [block for block in blocks if block.get("block_id") != STATE_BLOCK]
    return [*kept, {"type": "context", "block_id": STATE_BLOCK, "elements": [mrkdwn(note)]}][:50]


def dm_help_message(
    language: str, *, note_id: int | None, label: str | None, too_long: bool = False, limit: int = 2000
) -> dict[str, Any]:
    """The answer to a DM outside any prompt's thread: how answers reach Mentori, and one click to keep it."""
    blocks: list[Block] = [section(say(language, "mentor.dm.help"))]
    if note_id is not None and label:
        blocks.append(section(say(language, "mentor.dm.offer", label=label)))
        blocks.append(
            actions(
                button(say(language, "mentor.dm.attach"), NOTE_ATTACH, str(note_id), style="primary"),
                block_id=STATE_BLOCK,
            )
        )
    elif too_long and label:
        blocks.append(section(say(language, "mentor.dm.too_long", label=label, max=number(language, limit))))
    else:
        blocks.append(section(say(language, "mentor.dm.nothing_open")))
    blocks.append(context(say(language, "mentor.dm.home")))
    return message(say(language, "mentor.dm.text"), blocks)


def note_saved_message(language: str, *, label: str, added: bool) -> dict[str, Any]:
    """The help reply once its message has been attached to the prompt."""
    key = "mentor.dm.added" if added else "mentor.dm.saved"
    text = say(language, key, label=label)
    return message(text, [section(text)])
