"""A programme prompt in a mentor's DM, and its one reminder: pure builders returning Slack message arguments.

The buttons' action ids (`prompt.answer`, `prompt.snooze`, `prompt.skip`) and their value (the delivery id) are the
contract with the listeners that handle them; the message metadata (`mentori_prompt` with the delivery id) is how
the outbox sender recognises a prompt it already posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.blocks.home import HOME_EXPERIMENT_NEW
from bot.blocks.kit import (
    Block,
    actions,
    button,
    context,
    joined,
    md,
    message,
    say,
    section,
)
from bot.programmes import Step

ANSWER_ACTION = "prompt.answer"
SNOOZE_ACTION = "prompt.snooze"
SKIP_ACTION = "prompt.skip"
PROMPT_EVENT = "mentori_prompt"
LAST_SESSION = 3


@dataclass(frozen=True)
class Place:
    """Where a prompt falls in the programme: the block after session `block`, in its `week` (1 = first)."""

    block: int
    week: int


def place_text(language: str, place: Place) -> str:
    """'Session 1 → 2, week 2', or 'After session 3, week 5' for the follow-up block."""
    week = max(1, place.week)
    if place.block >= LAST_SESSION:
        return say(language, "prompt.place.after", n=place.block, week=week)
    return say(language, "prompt.place.between", n=place.block, next=place.block + 1, week=week)


def prompt_metadata(delivery_id: int) -> dict[str, Any]:
    """The message metadata that marks a posted prompt with its delivery id."""
    return {"event_type": PROMPT_EVENT, "event_payload": {"delivery_id": delivery_id}}


def metadata_delivery_id(message: dict[str, Any]) -> int | None:
    """The delivery id a message's metadata carries, if it is one of our prompts."""
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != PROMPT_EVENT:
        return None
    value = (metadata.get("event_payload") or {}).get("delivery_id")
    try:
        return int(value)  # type: ignore[arg-type]  # anything Slack hands back; a non-number is caught below
    except (TypeError, ValueError):
        return None


def prompt_message(step: Step, language: str, *, question: str, place: Place, delivery_id: int) -> dict[str, Any]:
    """`text`, `blocks` and `metadata` of a prompt DM: the question, why it matters, its place, three buttons."""
    label = step.label.get(language)
    value = str(delivery_id)
    notes = [say(language, "prompt.dm.hint")]
    if step.why is not None:
        notes.insert(0, say(language, "prompt.dm.why", why=step.why.get(language)))
    buttons = [button(say(language, "prompt.button.answer"), ANSWER_ACTION, value, style="primary")]
    if step.form == "experiment":  # the Home tab's own "New experiment" button, so the plan becomes a record
        buttons.append(button(say(language, "home.experiment_new"), HOME_EXPERIMENT_NEW, "new"))
    buttons += [
        button(say(language, "prompt.button.snooze"), SNOOZE_ACTION, value),
        button(say(language, "prompt.button.skip"), SKIP_ACTION, value),
    ]
    blocks: list[Block] = [
        context(md("*{label}* · {place}", label=label, place=place_text(language, place))),
        section(question),
        context(joined(notes)),
        actions(*buttons, block_id="prompt"),
    ]
    text = say(language, "prompt.dm.text", label=label, question=question)
    return message(text, blocks, metadata=prompt_metadata(delivery_id))


def kickoff_prompt(text: str, blocks: list[Block], delivery_id: int) -> dict[str, Any]:
    """A kickoff DM (built by `bot.blocks.kickoff`) as message arguments, marked like every prompt."""
    return message(text, blocks, metadata=prompt_metadata(delivery_id))


def reminder_message(step: Step, language: str) -> dict[str, Any]:
    """The one reminder: a short reply in the prompt's thread, also shown in the DM."""
    label = step.label.get(language)
    text = say(language, "prompt.reminder.text", label=label)
    return message(text, [section(say(language, "prompt.reminder.body", label=label))])
