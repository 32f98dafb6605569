"""The DM that tells a cohort's coaches that prompts could not be delivered: one per cohort and kind of problem."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks.kit import (
    Block,
    context,
    joined,
    mention,
    message,
    say,
    section,
)
from bot.blocks.status import reason_text

MAX_MENTIONS = 30


def failure_report(
    language: str, *, cohort: str, code: str, user_ids: Sequence[str], workspace_wide: bool
) -> dict[str, Any]:
    """`text` and `blocks`: what failed, for whom (as mentions), and what the coach can do about it."""
    reason = reason_text(language, code)
    mentions = [mention(user_id) for user_id in user_ids[:MAX_MENTIONS]]
    if len(user_ids) > MAX_MENTIONS:
        mentions.append(say(language, "delivery.failed.more", count=len(user_ids) - MAX_MENTIONS))
    advice = "delivery.failed.advice_workspace" if workspace_wide else "delivery.failed.advice_mentor"
    blocks: list[Block] = [
        section(
            say(language, "delivery.failed.body", cohort=cohort, reason=reason, code=code[:60], count=len(user_ids))
        ),
        section(say(language, "delivery.failed.who", mentors=joined(mentions, ", "))),
        section(say(language, advice, cohort=cohort)),
        context(say(language, "delivery.failed.footer", cohort=cohort)),
    ]
    return message(say(language, "delivery.failed.text", cohort=cohort, reason=reason), blocks)
