"""The `/mentori` subcommands: what each is called, how it is written, and who it is for."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandSpec:
    name: str  # the first word after /mentori
    audience: str  # mentor | coach | hr | admin — which section of the help lists it

    @property
    def usage_key(self) -> str:
        return f"help.usage.{self.name}"

    @property
    def summary_key(self) -> str:
        return f"help.summary.{self.name}"


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("help", "mentor"),
    CommandSpec("pause", "mentor"),
    CommandSpec("resume", "mentor"),
    CommandSpec("cohort", "admin"),
    CommandSpec("coach", "admin"),
    CommandSpec("forget", "admin"),
    CommandSpec("org", "coach"),
    CommandSpec("goal", "coach"),
    CommandSpec("member", "coach"),
    CommandSpec("import", "coach"),
    CommandSpec("kickoff", "coach"),
    CommandSpec("status", "coach"),
    CommandSpec("pairs", "coach"),
    CommandSpec("summary", "hr"),
    CommandSpec("export", "hr"),
)
USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
CHANNEL_MENTION = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
AUDIENCES = ("mentor", "coach", "hr", "admin")
COMMAND_NAMES = frozenset(command.name for command in COMMANDS)
SHLEX_SPECIAL = re.compile(r"[\"'\\]")  # what makes shlex.split more than a split at its whitespace
SHLEX_WHITESPACE = re.compile(r"[ \t\r\n]+")


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    args: tuple[str, ...]
    raw: str


class CommandSyntaxError(ValueError):
    """The command text could not be split into words (e.g. an unclosed quote)."""


def parse_command(text: str) -> ParsedCommand:
    """Split `/mentori` text into a subcommand and its arguments; quotes group words."""
    raw = (text or "").strip()
    quoted = raw.replace("“", '"').replace("”", '"')
    if SHLEX_SPECIAL.search(quoted) is None:
        # the same words as shlex's, at a fraction of its cost: web splits every command it receives
        words = [word for word in SHLEX_WHITESPACE.split(quoted) if word]
    else:
        try:
            words = shlex.split(quoted)
        except ValueError as error:
            raise CommandSyntaxError(str(error)) from None
    if not words:
        return ParsedCommand("help", (), raw)
    return ParsedCommand(words[0].lower(), tuple(words[1:]), raw)


def parse_user(word: str) -> str | None:
    """The user id of an escaped mention (`<@U123|name>` or `<@U123>`), else None."""
    match = USER_MENTION.match(word.strip())
    return match[1] if match else None


def parse_channel(word: str) -> str | None:
    """The channel id of an escaped channel link (`<#C123|name>` or `<#C123|>`), else None."""
    match = CHANNEL_MENTION.match(word.strip())
    return match[1] if match else None
