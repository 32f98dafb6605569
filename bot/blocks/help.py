"""The help message of `/mentori help`."""

from __future__ import annotations

from collections.abc import Iterable

from bot.blocks.kit import Block, context, header, section
from bot.commands import AUDIENCES, COMMANDS
from bot.i18n import t


def help_blocks(language: str, available: Iterable[str], *, problem: str | None = None) -> list[Block]:
    """Every command by audience; those not yet available are marked as coming."""
    live = set(available)
    blocks: list[Block] = []
    if problem:
        blocks.append(section(problem))
    blocks += [header(t(language, "help.title")), section(t(language, "help.intro"))]
    for audience in AUDIENCES:
        lines = [
            _line(language, command.name, command.usage_key, command.summary_key, command.name in live)
            for command in COMMANDS
            if command.audience == audience
        ]
        blocks.append(section(f"*{t(language, f'help.heading.{audience}')}*\n" + "\n".join(lines)))
    blocks.append(context(t(language, "help.footer")))
    return blocks


def _line(language: str, name: str, usage_key: str, summary_key: str, live: bool) -> str:
    line = f"`/mentori {t(language, usage_key)}` — {t(language, summary_key)}"
    return line if live else f"{line} {t(language, 'help.coming')}"


def help_text(language: str, *, problem: str | None = None) -> str:
    """The plain-text fallback shown in notifications."""
    return problem or t(language, "help.title")
