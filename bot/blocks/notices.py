"""What coaches and admins are told about the outbox: the one report per cohort of what could not go out, and the
DM after a paused workspace could send again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.blocks.delivery_report import MAX_MENTIONS
from bot.blocks.kit import Block, context, joined, mention, message, say, section
from bot.blocks.status import reason_text
from bot.i18n import moment
from bot.programmes import Text


@dataclass
class CohortReport:
    """Everything newly gone wrong in one cohort since the last report."""

    cohort: str
    failed: dict[str, list[str]] = field(default_factory=dict)  # error → mentors (user ids) newly affected
    late: int = 0  # prompts skipped as too late
    late_mentors: int = 0
    quiet: int = 0  # prompts skipped: they fell in a quiet period and could not move to a working day in time
    quiet_mentors: int = 0
    quiet_steps: list[Text] = field(default_factory=list)  # the labels of those steps
    summaries: list[tuple[str, str]] = field(default_factory=list)  # (organisation, error) not posted
    other: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, error) → messages not sent

    def __bool__(self) -> bool:
        return bool(self.failed or self.late or self.quiet or self.summaries or self.other)


def coach_report(language: str, report: CohortReport, *, workspace_errors: frozenset[str]) -> dict[str, Any]:
    """`text` and `blocks` of the one DM that tells a coach what could not go out in their cohort, and why."""
    cohort = report.cohort
    blocks: list[Block] = [section(say(language, "delivery.report.intro", cohort=cohort))]
    for code, users in sorted(report.failed.items()):
        blocks.extend(_failure(language, cohort, code, users, code in workspace_errors))
    if report.late:
        blocks.append(section(say(language, "delivery.report.late", count=report.late, mentors=report.late_mentors)))
    if report.quiet:
        steps = ", ".join(label.get(language) for label in report.quiet_steps)
        blocks.append(
            section(
                say(
                    language,
                    "delivery.report.quiet",
                    count=report.quiet,
                    cohort=cohort,
                    mentors=report.quiet_mentors,
                    steps=steps,
                )
            )
        )
    for organisation, code in report.summaries:
        blocks.append(
            section(
                say(language, "delivery.report.summary", organisation=organisation, reason=reason_text(language, code))
            )
        )
    for (kind, code), count in sorted(report.other.items()):
        what = say(language, f"delivery.kind.{kind}")
        blocks.append(
            section(say(language, "delivery.report.other", count=count, kind=what, reason=reason_text(language, code)))
        )
    blocks.append(context(say(language, "delivery.report.footer", cohort=cohort)))
    return message(say(language, "delivery.report.text", cohort=cohort), blocks)


def _failure(language: str, cohort: str, code: str, users: Sequence[str], workspace_wide: bool) -> list[Block]:
    reason = reason_text(language, code)
    mentions = [mention(user_id) for user_id in users[:MAX_MENTIONS]]
    if len(users) > MAX_MENTIONS:
        mentions.append(say(language, "delivery.failed.more", count=len(users) - MAX_MENTIONS))
    advice = "delivery.failed.advice_workspace" if workspace_wide else "delivery.failed.advice_mentor"
    return [
        section(say(language, "delivery.failed.body", cohort=cohort, reason=reason, code=code[:60], count=len(users))),
        section(say(language, "delivery.failed.who", mentors=joined(mentions, ", "))),
        section(say(language, advice, cohort=cohort)),
    ]


def sending_resumed(language: str, *, cause: str, since: datetime) -> dict[str, Any]:
    """The DM to admins and coaches once a workspace's refused token works again."""
    text = say(
        language,
        "delivery.resumed.body",
        since=moment(language, since),
        reason=reason_text(language, cause),
        code=cause[:60],
    )
    return message(say(language, "delivery.resumed.text"), [section(text)])
