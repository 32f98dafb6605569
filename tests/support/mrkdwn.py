"""What Slack parses as mrkdwn in a message, view or call, and the markup that must never come from people's text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# Text that would ping, mention, link or phish if it reached Slack unescaped. Mentori itself writes mentions only
# of ids it knows (never these) and no links or special tokens at all.
HOSTILE = "<!channel> Ping <@UHOSTILE> <#CHOSTILE> <https://evil.invalid|login> <!subteam^S1> & *bold*"
RAW_MARKUP = re.compile(r"<[!]|<@UHOSTILE|<#CHOSTILE|<(?:https?|mailto|slack):", re.IGNORECASE)


def mrkdwn_texts(node: Any, *, top: bool = True) -> Iterator[str]:
    """Every string Slack reads as mrkdwn: mrkdwn text objects, and a message's (or a call's) `text` fallback."""
    if isinstance(node, dict):
        text = node.get("text")
        if isinstance(text, str) and (top or node.get("type") == "mrkdwn"):
            yield text
        for value in node.values():
            yield from mrkdwn_texts(value, top=False)
    elif isinstance(node, list):
        for value in node:
            yield from mrkdwn_texts(value, top=False)


def raw_markup(node: Any) -> list[str]:
    """The mrkdwn texts in `node` that carry markup from people's text (empty when everything is escaped)."""
    return [text for text in mrkdwn_texts(node) if RAW_MARKUP.search(text)]
