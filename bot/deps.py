"""What listeners and jobs need, passed to them explicitly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.settings import Settings


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    settings: Settings
    engine: Engine
    now: Callable[[], datetime] = field(default=_utcnow)
    # Sends these outbox messages now, through the outbox sender, with the workspace client a listener holds; wired
    # by the composition root (bot.app). Without it, messages wait for the scheduler's next `send_due` run.
    send_now: Callable[[WebClient, Sequence[int]], None] | None = None
