"""What coaches and admins are told about the outbox: the one report per cohort of what could not go out, and the
DM after a paused workspace could send again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.blocks.delivery_report import MAX_MENTIONS
from bot.blocks.kit import Block, clip, context, section
from bot.blocks.status import reason_text
from bot.i18n import moment, t


def _plain(text: str) -> str:
    """Text from people (a cohort's or an organisation's name) made inert for mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class CohortReport:
    """Everything newly gone wrong in one cohort since the last report."""

    cohort: str
    failed: dict[str, list[str]] = field(default_factory=dict)  # error → mentors (user ids) newly affected
    late: int = 0  # prompts skipped as too late
    late_mentors: int = 0
    summaries: list[tuple[str, str]] = field(default_factory=list)  # (organisation, error) not posted
    other: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, error) → messages not sent

    def __bool__(self) -> bool:
        return bool(self.failed or self.late or self.summaries or self.other)


def coach_report(language: str, report: CohortReport, *, workspace_errors: frozenset[str]) -> dict[str, Any]:
    """`text` and `blocks` of the one DM that tells a coach what could not go out in their cohort, and why."""
    cohort = _plain(report.cohort)
    blocks: list[Block] = [section(t(language, "delivery.report.intro", cohort=cohort))]
    for code, users in sorted(report.failed.items()):
        blocks.extend(_failure(language, cohort, code, users, code in workspace_errors))
    if report.late:
        blocks.append(section(t(language, "delivery.report.late", count=report.late, mentors=report.late_mentors)))
    for organisation, code in report.summaries:
        blocks.append(section(t(language, "delivery.report.summary", organisation=_plain(organisation),
                                reason=reason_text(language, code))))  # fmt: skip
    for (kind, code), count in sorted(report.other.items()):
        what = t(language, f"delivery.kind.{kind}")
        blocks.append(section(t(language, "delivery.report.other", count=count, kind=what,
                                reason=reason_text(language, code))))  # fmt: skip
    blocks.append(context(t(language, "delivery.report.footer", cohort=cohort)))
    return {"text": clip(t(language, "delivery.report.text", cohort=cohort)), "blocks": blocks}


def _failure(language: str, cohort: str, code: str, users: Sequence[str], workspace_wide: bool) -> list[Block]:
    reason = reason_text(language, code)
    mentions = [f"<@{user_id}>" for user_id in users[:MAX_MENTIONS]]
    if len(users) > MAX_MENTIONS:
        mentions.append(t(language, "delivery.failed.more", count=len(users) - MAX_MENTIONS))
    advice = "delivery.failed.advice_workspace" if workspace_wide else "delivery.failed.advice_mentor"
    return [
        section(t(language, "delivery.failed.body", cohort=cohort, reason=reason, code=code[:60], count=len(users))),
        section(t(language, "delivery.failed.who", mentors=", ".join(mentions))),
        section(t(language, advice, cohort=cohort)),
    ]


def sending_resumed(language: str, *, cause: str, since: datetime) -> dict[str, Any]:
    """The DM to admins and coaches once a workspace's refused token works again."""
    text = t(language, "delivery.resumed.body", since=moment(language, since), reason=reason_text(language, cause),
             code=cause[:60])  # fmt: skip
    return {"text": clip(t(language, "delivery.resumed.text")), "blocks": [section(text)]}
