"""What `/mentori status` and the coach's App Home show: one cohort's outbox per session block, in a few blocks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.blocks.calendar import OPEN_ACTION as CALENDAR_ACTION
from bot.blocks.importing import OPEN_ACTION as IMPORT_ACTION
from bot.blocks.kit import (
    Block,
    Mrkdwn,
    actions,
    button,
    context,
    divider,
    header,
    joined,
    md,
    mention,
    message,
    say,
    section,
)
from bot.blocks.programme_choice import OPEN_ACTION as PROGRAMME_ACTION
from bot.i18n import catalogue, day, moment

if TYPE_CHECKING:
    from bot.status import Behind, BlockCounts, CohortStatus, NextStep, SessionLine

MAX_MENTIONS = 20
MAX_REASONS = 5


def local_moment(language: str, value: datetime, tz: str) -> str:
    """An aware moment as people read it where the cohort is."""
    return moment(language, value.astimezone(ZoneInfo(tz)))


def cohort_status_blocks(status: CohortStatus, language: str, tz: str) -> list[Block]:
    """Header, a line of facts, one section per session block, the reasons of failures, who is behind, what's next."""
    facts = say(language, "status.summary", mentors=status.mentors, moment=local_moment(language, status.now, tz))
    if status.archived:
        facts += " · " + say(language, "status.archived")
    blocks: list[Block] = [header(say(language, "status.title", cohort=status.name)), context(facts)]
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
    return message(say(language, "status.text", cohort=status.name), blocks)


def home_blocks(statuses: Sequence[CohortStatus], language: str, *, max_blocks: int) -> list[Block]:
    """Each cohort's status, divided; cohorts that no longer fit are named in a last line."""
    blocks: list[Block] = []
    for index, status in enumerate(statuses):
        group = cohort_status_blocks(status, language, status.timezone)
        if not status.archived:
            value = str(status.cohort_id)
            tools = (
                button(say(language, "importer.slack.home_button"), IMPORT_ACTION, value),
                button(say(language, "calendar.form.home_button"), CALENDAR_ACTION, value),
                button(say(language, "programmes.form.home_button"), PROGRAMME_ACTION, value),
            )
            group.append(actions(*tools, block_id=f"cohort_tools_{status.cohort_id}"))
        separator = [divider()] if blocks else []
        rest = len(statuses) - index - 1
        if len(blocks) + len(separator) + len(group) + (1 if rest else 0) > max_blocks:
            blocks.append(context(say(language, "status.home_more", count=len(statuses) - index)))
            break
        blocks += separator + group
    return blocks


def _block_text(language: str, tz: str, line: SessionLine, counts: BlockCounts) -> Mrkdwn:
    title = say(language, "status.session", n=line.number, day=day(language, line.date))
    if line.started_at is None:
        started = say(language, "status.not_started")
    elif line.started_by:
        when = local_moment(language, line.started_at, tz)
        started = say(language, "status.started", moment=when, user=line.started_by)
    else:
        started = say(language, "status.started_unknown", moment=local_moment(language, line.started_at, tz))
    if counts.total == 0:
        figures = say(language, "status.no_prompts") if line.started_at is not None else md("")
    else:
        rate = counts.answer_rate
        answered: object = counts.answered
        if rate is not None:
            answered = say(language, "status.answered_rate", count=counts.answered, rate=rate)
        figures = say(
            language,
            "status.counts",
            waiting=counts.waiting,
            sent=counts.delivered,
            answered=answered,
            skipped=counts.skipped,
            failed=counts.failed,
            cancelled=counts.cancelled,
        )
    text = md("{title} · {started}", title=title, started=started)
    return md("{text}\n{figures}", text=text, figures=figures) if figures else text


def reason_text(language: str, code: str) -> Mrkdwn:
    """A failure or skip code in words where Mentori knows it, else the code itself."""
    key = f"status.reason.{code or 'by_mentor'}"
    return say(language, key) if key in catalogue(language) else md("`{code}`", code=code[:60])


def _reasons_line(language: str, blocks: Iterable[BlockCounts]) -> Mrkdwn:
    failures: Counter[str] = Counter()
    skips: Counter[str] = Counter()
    for counts in blocks:
        failures.update(dict(counts.failures))
        skips.update(dict(counts.skips))
    parts = []
    if failures:
        parts.append(say(language, "status.failures", reasons=_reasons(language, failures)))
    if skips:
        parts.append(say(language, "status.skips", reasons=_reasons(language, skips)))
    return joined(parts, " · ")


def _reasons(language: str, reasons: Counter[str]) -> Mrkdwn:
    ranked = sorted(reasons.items(), key=lambda pair: (-pair[1], pair[0]))
    shown = [
        say(language, "status.reason_count", count=count, reason=reason_text(language, code))
        for code, count in ranked[:MAX_REASONS]
    ]
    if len(ranked) > MAX_REASONS:
        shown.append(say(language, "status.more", count=len(ranked) - MAX_REASONS))
    return joined(shown, ", ")


def _behind_text(language: str, behind: Sequence[Behind]) -> Mrkdwn:
    if not behind:
        return say(language, "status.behind_none")
    names = []
    for mentor in behind[:MAX_MENTIONS]:
        name = mention(mentor.user_id)
        if mentor.paused_until is not None:
            name += " " + say(language, "status.paused", day=day(language, mentor.paused_until))
        names.append(name)
    if len(behind) > MAX_MENTIONS:
        names.append(say(language, "status.more", count=len(behind) - MAX_MENTIONS))
    return say(language, "status.behind", count=len(behind), mentors=joined(names, ", "))


def _next_text(language: str, tz: str, status: CohortStatus) -> Mrkdwn:
    if not status.next_steps:
        text = say(language, "status.next_none")
        if status.next_to_start is not None and not status.archived:
            text += " " + say(language, "status.kickoff_hint", n=status.next_to_start, cohort=status.name)
        return text
    rows = [say(language, "status.next_title")]
    rows += [_next_line(language, tz, status.now, step) for step in status.next_steps]
    return joined(rows)


def _next_line(language: str, tz: str, now: datetime, entry: NextStep) -> Mrkdwn:
    label = entry.step.label.get(language) if entry.step else say(language, "status.unknown_step", step=entry.step_id)
    when = say(language, "status.now") if entry.moment <= now else local_moment(language, entry.moment, tz)
    return say(language, "status.next_line", step=label, moment=when, mentors=entry.mentors)
