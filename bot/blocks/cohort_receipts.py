"""What the coach or admin is told after a cohort change (bot.cohort_admin), by a command or in a form."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot import members
from bot.blocks.kit import Mrkdwn, joined, md, mentions, say
from bot.cohort_admin import Archived, DatesChanged, GoalAdded, GoalRemoved, OrganisationAdded, PeopleAdded
from bot.i18n import day
from storage.models import Cohort, Role


def dates_text(language: str, dates: Sequence[date]) -> dict[str, str]:
    return {f"d{number}": day(language, value) for number, value in enumerate(dates, start=1)}


def cohort_created(language: str, cohort: Cohort, dates: Sequence[date]) -> Mrkdwn:
    return say(
        language,
        "cohorts.created",
        cohort=cohort.name,
        language_name=say(language, f"cohorts.language.{cohort.language}"),
        timezone=cohort.timezone,
        **dates_text(language, dates),
    )


def dates_changed(language: str, changed: DatesChanged, dates: Sequence[date]) -> Mrkdwn:
    return say(
        language,
        "cohorts.dates_changed",
        cohort=changed.cohort.name,
        moved=changed.moved,
        **dates_text(language, dates),
    )


def cohort_archived(language: str, archived: Archived) -> Mrkdwn:
    return say(language, "cohorts.archived", cohort=archived.cohort.name, cancelled=archived.cancelled)


def organisation_added(language: str, added: OrganisationAdded) -> Mrkdwn:
    key = "organisations.added" if added.added.created else "organisations.updated"
    return say(
        language,
        key,
        organisation=added.added.organisation.name,
        cohort=added.cohort.name,
        channel=added.channel_id,
        goals=added.added.goals_added,
    )


def goal_added(language: str, added: GoalAdded) -> Mrkdwn:
    return say(
        language, "organisations.goal_added", organisation=added.organisation.name, goal=added.goal, count=added.count
    )


def goal_removed(language: str, removed: GoalRemoved) -> Mrkdwn:
    return say(language, "organisations.goal_removed", organisation=removed.organisation.name, goal=removed.goal.text)


def goal_list(language: str, listed: Sequence[tuple[str, Sequence[str]]]) -> Mrkdwn:
    parts = []
    for name, goals in listed:
        lines = [md("{number}. {goal}", number=number, goal=goal) for number, goal in enumerate(goals, start=1)]
        shown = joined(lines) if lines else say(language, "cohorts.show.no_goals")
        parts.append(md("*{name}*\n{goals}", name=name, goals=shown))
    return joined(parts, "\n\n")


def people_added(language: str, added: PeopleAdded) -> Mrkdwn:
    by_outcome: dict[members.Outcome, list[str]] = {}
    for entry in added.joined:
        by_outcome.setdefault(entry.outcome, []).append(entry.member.user_id)
    lines = []
    for outcome in members.Outcome:
        users = mentions(by_outcome.get(outcome, []))
        if users:
            lines.append(
                say(
                    language,
                    f"members.receipt.{outcome}_{added.role}",
                    users=users,
                    cohort=added.cohort.name,
                    organisation=added.organisation,
                )
            )
    if added.planned:
        lines.append(say(language, "members.receipt.planned", count=added.planned))
    return joined(lines)


def welcome_report(language: str, notes: Sequence[int], failed: Sequence[str]) -> str:
    """Whether the welcome DMs went out; "" when there were none."""
    if not notes:
        return ""
    if not failed:
        return say(language, "members.receipt.welcomed", count=len(notes))
    return say(language, "members.receipt.welcome_failed", users=mentions(failed))


def people_removed(language: str, cohort: Cohort, user_ids: Sequence[str], roles: Sequence[Role]) -> Mrkdwn:
    key = "members.receipt.removed_coach" if list(roles) == [Role.COACH] else "members.receipt.removed"
    return say(language, key, users=mentions(user_ids), cohort=cohort.name)
