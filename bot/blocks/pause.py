"""What a mentor reads when pausing (which prompts the pause skips) and on return (the missed ones to answer)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from bot.blocks.answer_modal import PROMPT_ANSWER
from bot.blocks.kit import Block, Mrkdwn, button, joined, md, message, say, section
from bot.i18n import day
from bot.mentor_prefs import OFFERED_KINDS, PauseResult
from bot.outbox import Notice

OFFER_FOR = timedelta(days=7)  # the DM offering what a pause skipped: no use once the mentor has moved on


def pause_text(language: str, until: date, skipped: Sequence[str], *, offer_later: bool) -> Mrkdwn:
    """Paused until when, each prompt the pause skips by its label, and whether some will be offered on return."""
    lines = [say(language, "mentor.pause.done", day=day(language, until))]
    if skipped:
        lines.append(say(language, "mentor.pause.skipped"))
        lines += [md("• {label}", label=label) for label in skipped]
    else:
        lines.append(say(language, "mentor.pause.nothing_skipped"))
    if offer_later:
        lines.append(say(language, "mentor.pause.offer_later"))
    return joined(lines)


def resumed_text(language: str, *, offered: bool) -> Mrkdwn:
    return say(language, "mentor.pause.resumed_offered" if offered else "mentor.pause.resumed")


def missed_offer_message(language: str, missed: Sequence[tuple[int, str]]) -> dict[str, Any]:
    """The DM on return: each missed check-in or assignment (delivery id, label) with its Answer button."""
    blocks: list[Block] = [section(say(language, "mentor.pause.offer_intro"))]
    answer = say(language, "prompt.button.answer")
    blocks += [
        section(md("*{label}*", label=label), accessory=button(answer, PROMPT_ANSWER, str(delivery_id)))
        for delivery_id, label in missed
    ]
    return message(say(language, "mentor.pause.offer_text"), blocks)


def offer_for(language: str, result: PauseResult) -> Notice | None:
    """The DM offering what a resume found worth answering; None when there is nothing to offer."""
    if not result.offered:
        return None
    missed = [(m.delivery_id, m.step.label.get(language)) for m in result.offered]
    key = "pause-offer:" + ",".join(str(delivery_id) for delivery_id, _ in missed)
    return Notice(key, missed_offer_message(language, missed), OFFER_FOR)


def paused_text(language: str, result: PauseResult) -> Mrkdwn:
    """What a pause skips, named, and whether the missed check-ins and assignments will be offered on return."""
    assert result.until is not None
    labels = [missed.step.label.get(language) for missed in result.skipped]
    later = any(missed.step.kind in OFFERED_KINDS for missed in result.skipped)
    return pause_text(language, result.until, labels, offer_later=later)
