"""The help message of `/mentori help`."""

from __future__ import annotations

from collections.abc import Iterable

from bot.blocks.kit import (
    Block,
    Mrkdwn,
    context,
    header,
    joined,
    md,
    say,
    section,
)
from bot.commands import AUDIENCES, COMMANDS


def help_blocks(language: str, available: Iterable[str], *, problem: str | None = None) -> list[Block]:
    """Every command by audience; those not yet available are marked as coming."""
    live = set(available)
    blocks: list[Block] = []
    if problem:
        blocks.append(section(problem))
    blocks += [header(say(language, "help.title")), section(say(language, "help.intro"))]
    for audience in AUDIENCES:
        rows = [
            _line(language, command.name, command.usage_key, command.summary_key, command.name in live)
            for command in COMMANDS
            if command.audience == audience
        ]
        heading = md("*{heading}*", heading=say(language, f"help.heading.{audience}"))
        blocks.append(section(joined([heading, *rows])))
    blocks.append(context(say(language, "help.footer")))
    return blocks


def _line(language: str, name: str, usage_key: str, summary_key: str, live: bool) -> Mrkdwn:
    line = md("`/mentori {usage}` — {summary}", usage=say(language, usage_key), summary=say(language, summary_key))
    return line if live else md("{line} {coming}", line=line, coming=say(language, "help.coming"))


def help_text(language: str, *, problem: str | None = None) -> str:
    """The plain-text fallback shown in notifications."""
    return problem or say(language, "help.title")
