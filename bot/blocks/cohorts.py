"""What `/mentori cohort list` and `/mentori cohort show` print."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks.kit import Block, context, header, section
from bot.cohorts import CohortOverview
from bot.i18n import day, t
from storage.models import CohortStatus

MAX_ORGANISATION_BLOCKS = 40
LINES_PER_SECTION = 10


def _dates(language: str, overview: CohortOverview) -> str:
    parts = []
    for row in overview.sessions:
        part = t(language, "cohorts.show.session", n=row.number, date=day(language, row.date))
        if row.started_at is not None:
            part += " " + t(language, "cohorts.show.started")
        parts.append(part)
    return ", ".join(parts) if parts else t(language, "cohorts.show.no_dates")


def _mentions(user_ids: Sequence[str]) -> str:
    return ", ".join(f"<@{user_id}>" for user_id in user_ids)


def cohort_list_message(language: str, overviews: Sequence[CohortOverview]) -> dict[str, Any]:
    """One line per cohort, active ones first."""
    if not overviews:
        text = t(language, "cohorts.list.empty")
        return {"text": text, "blocks": [section(text)]}
    lines = []
    for overview in overviews:
        line = t(
            language, "cohorts.list.line", cohort=overview.cohort.name, dates=_dates(language, overview),
            mentors=overview.mentors, organisations=len(overview.organisations),
        )  # fmt: skip
        if overview.cohort.status == CohortStatus.ARCHIVED:
            line += " " + t(language, "cohorts.list.archived")
        lines.append(line)
    blocks: list[Block] = [header(t(language, "cohorts.list.title"))]
    for start in range(0, len(lines), LINES_PER_SECTION):
        blocks.append(section("\n".join(lines[start : start + LINES_PER_SECTION])))
        if len(blocks) >= 48:
            break
    blocks.append(context(t(language, "cohorts.list.footer")))
    return {"text": t(language, "cohorts.list.title"), "blocks": blocks}


def cohort_show_message(language: str, overview: CohortOverview) -> dict[str, Any]:
    """Everything about one cohort a coach needs: dates, coaches, organisations with HR channel and goals."""
    cohort = overview.cohort
    status = t(language, f"cohorts.show.status_{cohort.status}")
    facts = t(
        language, "cohorts.show.facts", language_name=t(language, f"cohorts.language.{cohort.language}"),
        timezone=cohort.timezone, status=status, programme=cohort.programme,
    )  # fmt: skip
    coaches = (
        _mentions(overview.coaches) if overview.coaches else t(language, "cohorts.show.no_coaches", cohort=cohort.name)
    )
    blocks: list[Block] = [
        header(cohort.name),
        section(facts),
        section(t(language, "cohorts.show.sessions", dates=_dates(language, overview))),
        section(t(language, "cohorts.show.coaches", coaches=coaches)),
        section(t(language, "cohorts.show.mentors", mentors=overview.mentors)),
    ]
    if not overview.organisations:
        blocks.append(section(t(language, "cohorts.show.no_organisations", cohort=cohort.name)))
    for entry in overview.organisations[:MAX_ORGANISATION_BLOCKS]:
        organisation = entry.organisation
        channel = (
            f"<#{organisation.hr_channel_id}>" if organisation.hr_channel_id else t(language, "cohorts.show.no_channel")
        )
        lines = [
            t(language, "cohorts.show.organisation", organisation=organisation.name, channel=channel,
              mentors=entry.mentors),
            t(language, "cohorts.show.hr", hr=_mentions(entry.hr) if entry.hr else t(language, "cohorts.show.nobody")),
        ]  # fmt: skip
        if entry.goals:
            lines.append(t(language, "cohorts.show.goals"))
            lines += [f"{number}. {goal}" for number, goal in enumerate(entry.goals, start=1)]
        else:
            lines.append(t(language, "cohorts.show.no_goals"))
        blocks.append(section("\n".join(lines)))
    hidden = len(overview.organisations) - MAX_ORGANISATION_BLOCKS
    if hidden > 0:
        blocks.append(context(t(language, "cohorts.show.more", count=hidden)))
    return {"text": cohort.name, "blocks": blocks}
