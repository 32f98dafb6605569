"""What `/mentori cohort list` and `/mentori cohort show` print."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks.kit import (
    Block,
    Mrkdwn,
    channel_mention,
    context,
    header,
    joined,
    md,
    mentions,
    message,
    say,
    section,
)
from bot.cohorts import CohortOverview
from bot.i18n import day
from storage.models import CohortStatus

MAX_ORGANISATION_BLOCKS = 40
LINES_PER_SECTION = 10


def _dates(language: str, overview: CohortOverview) -> Mrkdwn:
    parts = []
    for row in overview.sessions:
        part = say(language, "cohorts.show.session", n=row.number, date=day(language, row.date))
        if row.started_at is not None:
            part += " " + say(language, "cohorts.show.started")
        parts.append(part)
    return joined(parts, ", ") if parts else say(language, "cohorts.show.no_dates")


def cohort_list_message(language: str, overviews: Sequence[CohortOverview]) -> dict[str, Any]:
    """One line per cohort, active ones first."""
    if not overviews:
        text = say(language, "cohorts.list.empty")
        return message(text, [section(text)])
    rows = []
    for overview in overviews:
        line = say(
            language,
            "cohorts.list.line",
            cohort=overview.cohort.name,
            dates=_dates(language, overview),
            mentors=overview.mentors,
            organisations=len(overview.organisations),
        )
        if overview.cohort.status == CohortStatus.ARCHIVED:
            line += " " + say(language, "cohorts.list.archived")
        rows.append(line)
    blocks: list[Block] = [header(say(language, "cohorts.list.title"))]
    for start in range(0, len(rows), LINES_PER_SECTION):
        blocks.append(section(joined(rows[start : start + LINES_PER_SECTION])))
        if len(blocks) >= 48:
            break
    blocks.append(context(say(language, "cohorts.list.footer")))
    return message(say(language, "cohorts.list.title"), blocks)


def cohort_show_message(language: str, overview: CohortOverview) -> dict[str, Any]:
    """Everything about one cohort a coach needs: dates, coaches, organisations with HR channel and goals."""
    cohort = overview.cohort
    status = say(language, f"cohorts.show.status_{cohort.status}")
    facts = say(
        language,
        "cohorts.show.facts",
        language_name=say(language, f"cohorts.language.{cohort.language}"),
        timezone=cohort.timezone,
        status=status,
        programme=cohort.programme,
    )
    coaches = (
        mentions(overview.coaches) if overview.coaches else say(language, "cohorts.show.no_coaches", cohort=cohort.name)
    )
    blocks: list[Block] = [
        header(cohort.name),
        section(facts),
        section(say(language, "cohorts.show.sessions", dates=_dates(language, overview))),
        section(say(language, "cohorts.show.coaches", coaches=coaches)),
        section(say(language, "cohorts.show.mentors", mentors=overview.mentors)),
    ]
    if not overview.organisations:
        blocks.append(section(say(language, "cohorts.show.no_organisations", cohort=cohort.name)))
    for entry in overview.organisations[:MAX_ORGANISATION_BLOCKS]:
        organisation = entry.organisation
        channel = (
            channel_mention(organisation.hr_channel_id)
            if organisation.hr_channel_id
            else say(language, "cohorts.show.no_channel")
        )
        rows = [
            say(
                language,
                "cohorts.show.organisation",
                organisation=organisation.name,
                channel=channel,
                mentors=entry.mentors,
            ),
            say(
                language, "cohorts.show.hr", hr=mentions(entry.hr) if entry.hr else say(language, "cohorts.show.nobody")
            ),
        ]
        if entry.goals:
            rows.append(say(language, "cohorts.show.goals"))
            rows += [md("{number}. {goal}", number=n, goal=goal) for n, goal in enumerate(entry.goals, start=1)]
        else:
            rows.append(say(language, "cohorts.show.no_goals"))
        blocks.append(section(joined(rows)))
    hidden = len(overview.organisations) - MAX_ORGANISATION_BLOCKS
    if hidden > 0:
        blocks.append(context(say(language, "cohorts.show.more", count=hidden)))
    return message(cohort.name, blocks)
