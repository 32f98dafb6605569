"""The few Block Kit shapes Mentori uses, as small constructors."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]
MAX_TEXT = 3000


def plain(text: str, *, emoji: bool = True) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": emoji}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text[:150])}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": mrkdwn(clip(text)), **extra}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(clip(text)) for text in texts]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text[:75]), "action_id": action_id}
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """Cut text to Slack's limit, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
