"""Organisations of a cohort, each with its private HR channel, and the goals their HR set on the HR day."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.cohorts import Invalid, require_active, visible_name
from bot.names import clean_name
from bot.numbers import whole_number
from bot.slack_api import error_code
from storage.models import Cohort, Goal, Organisation

log = logging.getLogger(__name__)
NAME_MAX = 120
GOAL_MAX = 500
MEMBER_PAGES = 20  # conversations.members pages of 1,000 read before giving up: an HR channel is far smaller


@dataclass(frozen=True)
class HrChannel:
    id: str
    name: str


def verify_hr_channel(
    client: WebClient, channel_id: str, *, field: str | None = "channel", binder: str | None = None
) -> HrChannel:
    """The channel if it is private, Mentori is in it and so is `binder` (who makes it an HR channel), if given;
    Invalid saying how to fix it otherwise."""
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        code = error_code(error)
        if code == "channel_not_found":  # private channels the bot is not in look like this
            raise Invalid("organisations.error.channel_not_member", field=field) from None
        log.warning("conversations.info failed: %s", code)
        raise Invalid("organisations.error.channel_unreadable", field=field, error=str(code)) from None
    name = str(channel.get("name") or channel_id)
    if channel.get("is_im") or channel.get("is_mpim"):
        raise Invalid("organisations.error.channel_not_channel", field=field)
    if not channel.get("is_private"):
        raise Invalid("organisations.error.channel_public", field=field, channel=name)
    if not channel.get("is_member"):
        raise Invalid("organisations.error.channel_not_member", field=field)
    if binder is not None and not is_channel_member(client, channel_id, binder, field=field):
        raise Invalid("organisations.error.channel_binder_not_member", field=field)
    return HrChannel(channel_id, name)


def is_channel_member(client: WebClient, channel_id: str, user_id: str, *, field: str | None = "channel") -> bool:
    """Whether `user_id` is in the channel (conversations.members, page by page)."""
    cursor = ""
    for _page in range(MEMBER_PAGES):
        try:
            response = client.conversations_members(channel=channel_id, limit=1000, cursor=cursor or None)
        except SlackApiError as error:
            code = error.response.get("error") if error.response is not None else None
            log.warning("conversations.members failed: %s", code)
            raise Invalid("organisations.error.channel_unreadable", field=field, error=str(code)) from None
        if user_id in (response.get("members") or []):
            return True
        cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return False
    return False


def check_organisation_name(name: str, *, field: str | None = "name") -> str:
    cleaned = visible_name(name, field=field)
    if not cleaned:
        raise Invalid("organisations.error.name_empty", field=field)
    if len(cleaned) > NAME_MAX:
        raise Invalid("organisations.error.name_long", field=field, max=NAME_MAX)
    return cleaned


def check_goal(text: str, *, field: str | None = "goals") -> str:
    cleaned = visible_name(text, field=field)
    if not cleaned:
        raise Invalid("organisations.error.goal_empty", field=field)
    if len(cleaned) > GOAL_MAX:
        raise Invalid("organisations.error.goal_long", field=field, max=GOAL_MAX)
    return cleaned


def split_goals(text: str | None, *, field: str | None = "goals") -> list[str]:
    """Goals written one per line (blank lines and list bullets ignored)."""
    lines = [line.strip().lstrip("-•*").strip() for line in (text or "").splitlines()]
    return [check_goal(line, field=field) for line in lines if line]


def organisations_of(session: Session, cohort: Cohort) -> list[Organisation]:
    return list(
        session.exec(select(Organisation).where(Organisation.cohort_id == cohort.id).order_by(col(Organisation.id)))
    )


def find_organisation(session: Session, cohort: Cohort, name: str) -> Organisation:
    """The cohort's organisation of that name, whatever its case; Invalid listing the names otherwise."""
    wanted = clean_name(name).lower()
    organisations = organisations_of(session, cohort)
    for organisation in organisations:
        if organisation.name.lower() == wanted:
            return organisation
    if not organisations:
        raise Invalid("organisations.error.none_yet", cohort=cohort.name)
    names = ", ".join(f"“{o.name}”" for o in organisations)
    raise Invalid("organisations.error.unknown", name=name, cohort=cohort.name, names=names)


def get_organisation(
    session: Session, cohort: Cohort, organisation_id: int, *, field: str | None = None
) -> Organisation:
    """An organisation by id, only within the cohort (ids from a form are not trusted)."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or organisation.cohort_id != cohort.id:
        raise Invalid("organisations.error.gone", field=field)
    return organisation


@dataclass(frozen=True)
class OrganisationAdded:
    organisation: Organisation
    created: bool  # False: it existed and its HR channel was replaced
    goals_added: int


def add_organisation(
    session: Session, cohort: Cohort, *, name: str, hr_channel_id: str, goals: list[str] | None = None
) -> OrganisationAdded:
    """Add an organisation (or give an existing one a new HR channel) with any goals.

    The channel must have been checked with verify_hr_channel first: that needs Slack, this does not.
    """
    require_active(cohort)
    name = check_organisation_name(name)
    goal_texts = [check_goal(goal) for goal in goals or []]
    existing = session.exec(
        select(Organisation).where(Organisation.cohort_id == cohort.id, func.lower(Organisation.name) == name.lower())
    ).first()
    require_own_channel(session, cohort.team_id, hr_channel_id, name)
    if existing is None:
        organisation = Organisation(team_id=cohort.team_id, cohort_id=cohort.id, name=name, hr_channel_id=hr_channel_id)  # type: ignore[arg-type]  # a stored row's id is set
    else:
        organisation = existing
        organisation.hr_channel_id = hr_channel_id
    session.add(organisation)
    session.flush()
    for text in goal_texts:
        add_goal(session, organisation, text)
    return OrganisationAdded(organisation, existing is None, len(goal_texts))


def require_own_channel(session: Session, team_id: str, channel_id: str, name: str) -> None:
    """Refuse a channel that is the HR channel of an organisation by another name, in any cohort of the workspace:
    its summaries would reach the other organisation's HR. (An organisation of the same name in another cohort is
    the same organisation, and may keep its HR channel.)"""
    others = session.exec(
        select(Organisation).where(Organisation.team_id == team_id, Organisation.hr_channel_id == channel_id)
    )
    if any(clean_name(other.name).lower() != name.lower() for other in others):
        raise Invalid("organisations.error.channel_taken", field="channel", organisation=name)


def goals_of(session: Session, organisation: Organisation) -> list[Goal]:
    return list(
        session.exec(
            select(Goal).where(Goal.organisation_id == organisation.id).order_by(col(Goal.position), col(Goal.id))
        )
    )


def add_goal(session: Session, organisation: Organisation, text: str) -> Goal:
    """Append a goal to the organisation's list."""
    text = check_goal(text, field=None)
    last = session.exec(select(func.max(Goal.position)).where(Goal.organisation_id == organisation.id)).one()
    goal = Goal(team_id=organisation.team_id, organisation_id=organisation.id, text=text, position=(last or 0) + 1)  # type: ignore[arg-type]  # a stored row's id is set
    session.add(goal)
    session.flush()
    return goal


def remove_goal(session: Session, organisation: Organisation, number: str) -> Goal:
    """Remove the goal shown as `number` in the organisation's list (1 is the first)."""
    goals = goals_of(session, organisation)
    position = whole_number(number.strip())
    if position is None or not 1 <= position <= len(goals):
        raise Invalid("organisations.error.goal_number", value=number[:40], organisation=organisation.name)
    goal = goals[position - 1]
    session.delete(goal)
    session.flush()
    return goal
