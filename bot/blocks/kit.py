"""The few Block Kit shapes Mentori uses, as small constructors that escape people's text by construction.

Every mrkdwn field (section and context texts, a message's `text` fallback) takes either a plain `str`, which is
text from people or from Slack (a cohort's name, a goal, an answer) and is escaped, or a `Mrkdwn`, which is text
Mentori vouches for: a catalogue string filled by `say` (its values escaped), markup a builder wrote with `md`, or
a mention built by `mention`/`channel_mention` from a checked id. Escaping turns `&`, `<` and `>` into entities,
so no stored name can ping a channel (`<!here>`), mention someone or show a link under the bot's name.
plain_text fields are not parsed by Slack and take text as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, SupportsIndex

from bot.i18n import LANGUAGES, catalogue, plural_key, t

Block = dict[str, Any]
MAX_TEXT = 3000
USER_ID = re.compile(r"[UW][A-Z0-9]{1,31}")
CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{1,31}")


class Mrkdwn(str):
    """mrkdwn that Mentori vouches for; anything combined with it that is not `Mrkdwn` itself is escaped."""

    __slots__ = ()

    def __add__(self, other: str) -> Mrkdwn:
        return Mrkdwn(str.__add__(self, escape(other)))

    def __radd__(self, other: str) -> Mrkdwn:
        return Mrkdwn(str.__add__(escape(other), self))

    def __getitem__(self, key: SupportsIndex | slice) -> Mrkdwn:
        return Mrkdwn(str.__getitem__(self, key))

    def join(self, parts: Iterable[str]) -> Mrkdwn:
        return Mrkdwn(str.join(self, (escape(part) for part in parts)))

    def format(self, *args: Any, **kwargs: Any) -> Mrkdwn:
        return Mrkdwn(str.format(self, *(_value(a) for a in args), **{k: _value(v) for k, v in kwargs.items()}))


def escape(text: str) -> Mrkdwn:
    """Text from people or Slack as mrkdwn that shows exactly that text: no mention, link or special token."""
    if isinstance(text, Mrkdwn):
        return text
    return Mrkdwn(str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def unescape(text: str) -> str:
    """The text a `Mrkdwn` shows, for a plain_text field."""
    return str(text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _value(value: Any) -> Any:
    """A value filled into trusted mrkdwn: strings are escaped unless trusted; numbers and dates stay as they are."""
    return escape(value) if isinstance(value, str) else value


def md(template: str, **values: Any) -> Mrkdwn:
    """A builder's own markup (e.g. `"*{label}*\\n{question}"`) with its values escaped."""
    return Mrkdwn(template).format(**values) if values else Mrkdwn(template)


def say(language: str, key: str, **values: Any) -> Mrkdwn:
    """A catalogue text as trusted mrkdwn, its placeholders filled with escaped values."""
    if not values:
        return Mrkdwn(t(language, key))
    texts = catalogue(language if language in LANGUAGES else LANGUAGES[0])
    if key not in texts:
        t(language, key)  # raises the catalogue's own KeyError
    return Mrkdwn(texts[key]).format(**values)


def say_plural(language: str, key: str, count: int, **values: Any) -> Mrkdwn:
    """`say` for `count` of something, in the plural form the language's CLDR rule chooses."""
    return say(language, plural_key(language, key, count), count=count, **values)


def joined(parts: Iterable[str], separator: str = "\n") -> Mrkdwn:
    """Lines (or other parts) joined as trusted mrkdwn; parts that are not `Mrkdwn` are escaped."""
    return Mrkdwn(separator).join(parts)


def mention(user_id: str) -> Mrkdwn:
    """`<@U…>` for a Slack user id; anything that is not one is shown as text."""
    return Mrkdwn(f"<@{user_id}>") if USER_ID.fullmatch(user_id or "") else escape(user_id)


def channel_mention(channel_id: str) -> Mrkdwn:
    """`<#C…>` for a Slack channel id; anything that is not one is shown as text."""
    return Mrkdwn(f"<#{channel_id}>") if CHANNEL_ID.fullmatch(channel_id or "") else escape(channel_id)


def mentions(user_ids: Iterable[str], separator: str = ", ") -> Mrkdwn:
    return joined((mention(user_id) for user_id in user_ids), separator)


def shown(text: str) -> str:
    """What a text shows, for a plain_text field: trusted mrkdwn loses its escapes, people's text stays as it is."""
    return unescape(text) if isinstance(text, Mrkdwn) else str(text)


def plain(text: str, *, emoji: bool = True) -> dict[str, Any]:
    return {"type": "plain_text", "text": shown(text), "emoji": emoji}


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object; plain `str` is escaped."""
    return {"type": "mrkdwn", "text": str(clip(escape(text)))}


def fallback(text: str, limit: int = MAX_TEXT) -> str:
    """A message's `text` (shown in notifications and parsed as mrkdwn), escaped unless trusted."""
    return str(clip(escape(text), limit))


def message(text: str, blocks: list[Block] | None = None, **extra: Any) -> dict[str, Any]:
    """chat.postMessage / respond arguments: the escaped `text` fallback and the blocks."""
    arguments: dict[str, Any] = {"text": fallback(text), **extra}
    if blocks is not None:
        arguments["blocks"] = blocks
    return arguments


def header(text: str) -> Block:
    return {"type": "header", "text": plain(shown(text)[:150])}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": mrkdwn(text), **extra}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text) for text in texts]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(clip(shown(text), 75)), "action_id": action_id}
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
    """Cut text to Slack's limit, marking the cut; trusted mrkdwn stays trusted."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def option(text: str, value: str, description: str | None = None) -> dict[str, Any]:
    """A select, radio or checkbox option; Slack takes at most 75 characters of text and of description."""
    chosen: dict[str, Any] = {"text": plain(clip(text, 75)), "value": value}
    if description:
        chosen["description"] = plain(clip(description, 75))
    return chosen


def modal(
    title: str,
    blocks: list[Block],
    *,
    close: str,
    submit: str | None = None,
    callback_id: str | None = None,
    metadata: str = "",
) -> dict[str, Any]:
    """A modal view; its title and buttons are cut to Slack's 24 characters."""
    view: dict[str, Any] = {"type": "modal", "title": plain(title[:24]), "close": plain(close[:24]), "blocks": blocks}
    if callback_id:
        view["callback_id"] = callback_id
    if submit:
        view["submit"] = plain(submit[:24])
    if metadata:
        view["private_metadata"] = metadata
    return view


def notice_view(
    language: str, title: str, body: str | list[Block], *, close: str | None = None, callback_id: str | None = None
) -> dict[str, Any]:
    """What replaces a form once it is submitted (the receipt, or why nothing was done), or says why a form cannot
    be opened: a text or blocks, and a Close button."""
    blocks = [section(body)] if isinstance(body, str) else body
    return modal(title, blocks, close=close or say(language, "forms.close"), callback_id=callback_id)


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None], *, low: float = 0.0, high: float = 1.0) -> str:
    """One character per value on the scale from `low` (▁) to `high` (█); · where there is none."""
    top = len(SPARKS) - 1
    return "".join(
        "·" if value is None else SPARKS[min(top, max(0, round((value - low) / (high - low) * top)))]
        for value in values
    )
