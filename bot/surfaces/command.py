"""One `/mentori` invocation as its subcommand sees it, and how subcommands are registered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.blocks.kit import message
from bot.commands import ParsedCommand
from bot.deps import Deps


@dataclass(frozen=True)
class CommandContext:
    """One `/mentori` invocation, as the subcommand handlers see it."""

    deps: Deps
    command: ParsedCommand
    body: dict[str, Any]
    language: str
    respond: Respond
    client: WebClient

    @property
    def team_id(self) -> str:
        return str(self.body.get("team_id", ""))

    @property
    def user_id(self) -> str:
        return str(self.body.get("user_id", ""))

    def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """An ephemeral answer to the person who typed the command."""
        self.respond(**message(text, blocks), response_type="ephemeral", replace_original=False)


Subcommand = Callable[[CommandContext], None]
FormTest = Callable[[tuple[str, ...]], bool]


def never(_args: tuple[str, ...]) -> bool:
    return False


class Subcommands(Protocol):
    """Where a listener module adds its `/mentori` subcommands (the router, at the composition root)."""

    def add(self, name: str, handler: Subcommand, *, opens_form: FormTest = never) -> None: ...
