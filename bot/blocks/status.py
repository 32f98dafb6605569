"""What `/mentori status` and the coach's App Home show: one cohort's outbox per session block, in a few blocks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.blocks.kit import Block, context, divider, header, section
from bot.i18n import catalogue, day, moment, t

if TYPE_CHECKING:
    from bot.status import Behind, BlockCounts, CohortStatus, NextStep, SessionLine

MAX_MENTIONS = 20
MAX_REASONS = 5


def local_moment(language: str, value: datetime, tz: str) -> str:
    """An aware moment as people read it where the cohort is."""
    return moment(language, value.astimezone(ZoneInfo(tz)))


def cohort_status_blocks(status: CohortStatus, language: str, tz: str) -> list[Block]:
    """Header, a line of facts, one section per session block, the reasons of failures, who is behind, what's next."""
    facts = t(language, "status.summary", mentors=status.mentors, moment=local_moment(language, status.now, tz))
    if status.archived:
        facts += " · " + t(language, "status.archived")
    blocks: list[Block] = [header(t(language, "status.title", cohort=status.name)), context(facts)]
    for line in status.sessions:
        blocks.append(section(_block_text(language, tz, line, status.block(line.number))))
    reasons = _reasons_line(language, status.blocks)
    if reasons:
        blocks.append(context(reasons))
    blocks.append(section(_behind_text(language, status.behind)))
    blocks.append(section(_next_text(language, tz, status)))
    return blocks


def cohort_status_message(status: CohortStatus, language: str, tz: str) -> dict[str, Any]:
    """`text` and `blocks` for an ephemeral reply."""
    blocks = cohort_status_blocks(status, language, tz)
    return {"text": t(language, "status.text", cohort=status.name), "blocks": blocks}


def home_blocks(statuses: Sequence[CohortStatus], language: str, *, max_blocks: int) -> list[Block]:
    """Each cohort's status, divided; cohorts that no longer fit are named in a last line."""
    blocks: list[Block] = []
    for index, status in enumerate(statuses):
        group = cohort_status_blocks(status, language, status.timezone)
        separator = [divider()] if blocks else []
        rest = len(statuses) - index - 1
        if len(blocks) + len(separator) + len(group) + (1 if rest else 0) > max_blocks:
            blocks.append(context(t(language, "status.home_more", count=len(statuses) - index)))
            break
        blocks += separator + group
    return blocks


def _block_text(language: str, tz: str, line: SessionLine, counts: BlockCounts) -> str:
    title = t(language, "status.session", n=line.number, day=day(language, line.date))
    if line.started_at is None:
        started = t(language, "status.not_started")
    elif line.started_by:
        when = local_moment(language, line.started_at, tz)
        started = t(language, "status.started", moment=when, user=line.started_by)
    else:
        started = t(language, "status.started_unknown", moment=local_moment(language, line.started_at, tz))
    if counts.total == 0:
        figures = t(language, "status.no_prompts") if line.started_at is not None else ""
    else:
        rate = counts.answer_rate
        answered: object = counts.answered
        if rate is not None:
            answered = t(language, "status.answered_rate", count=counts.answered, rate=rate)
        figures = t(
            language, "status.counts", waiting=counts.waiting, sent=counts.delivered, answered=answered,
            skipped=counts.skipped, failed=counts.failed, cancelled=counts.cancelled,
        )  # fmt: skip
    text = f"{title} · {started}"
    return f"{text}\n{figures}" if figures else text


def reason_text(language: str, code: str) -> str:
    """A failure or skip code in words where Mentori knows it, else the code itself."""
    key = f"status.reason.{code or 'by_mentor'}"
    return t(language, key) if key in catalogue(language) else f"`{code[:60]}`"


def _reasons_line(language: str, blocks: Iterable[BlockCounts]) -> str:
    failures: Counter[str] = Counter()
    skips: Counter[str] = Counter()
    for counts in blocks:
        failures.update(dict(counts.failures))
        skips.update(dict(counts.skips))
    parts = []
    if failures:
        parts.append(t(language, "status.failures", reasons=_reasons(language, failures)))
    if skips:
        parts.append(t(language, "status.skips", reasons=_reasons(language, skips)))
    return " · ".join(parts)


def _reasons(language: str, reasons: Counter[str]) -> str:
    ranked = sorted(reasons.items(), key=lambda pair: (-pair[1], pair[0]))
    shown = [t(language, "status.reason_count", count=count, reason=reason_text(language, code))
             for code, count in ranked[:MAX_REASONS]]  # fmt: skip
    if len(ranked) > MAX_REASONS:
        shown.append(t(language, "status.more", count=len(ranked) - MAX_REASONS))
    return ", ".join(shown)


def _behind_text(language: str, behind: Sequence[Behind]) -> str:
    if not behind:
        return t(language, "status.behind_none")
    names = []
    for mentor in behind[:MAX_MENTIONS]:
        name = f"<@{mentor.user_id}>"
        if mentor.paused_until is not None:
            name += " " + t(language, "status.paused", day=day(language, mentor.paused_until))
        names.append(name)
    if len(behind) > MAX_MENTIONS:
        names.append(t(language, "status.more", count=len(behind) - MAX_MENTIONS))
    return t(language, "status.behind", count=len(behind), mentors=", ".join(names))


def _next_text(language: str, tz: str, status: CohortStatus) -> str:
    if not status.next_steps:
        text = t(language, "status.next_none")
        if status.next_to_start is not None and not status.archived:
            text += " " + t(language, "status.kickoff_hint", n=status.next_to_start, cohort=status.name)
        return text
    lines = [t(language, "status.next_title")]
    lines += [_next_line(language, tz, status.now, step) for step in status.next_steps]
    return "\n".join(lines)


def _next_line(language: str, tz: str, now: datetime, entry: NextStep) -> str:
    label = entry.step.label.get(language) if entry.step else t(language, "status.unknown_step", step=entry.step_id)
    when = t(language, "status.now") if entry.moment <= now else local_moment(language, entry.moment, tz)
    return t(language, "status.next_line", step=label, moment=when, mentors=entry.mentors)
