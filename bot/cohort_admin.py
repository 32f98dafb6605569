"""The coach's and admin's cohort work: create a cohort, add organisations, goals and people, change dates, archive.

Each use case authorises the caller, asks Slack (users, channels) before its transaction starts, writes in one
transaction and returns what happened as data; `/mentori` commands, forms and a later dashboard render it.
Problems are raised as bot.authz.Refused or bot.cohorts.Invalid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import cohorts, members, organisations, peers
from bot.authz import Actor, Refused, actor_for, require_admin, require_manager
from bot.cohorts import CohortOverview, Invalid
from bot.deps import Deps
from bot.directory import SlackDirectory
from bot.peers import PeerMessages
from storage.db import session_scope
from storage.models import Cohort, CohortStatus, Goal, Organisation, Role

CohortRef = str | int  # a name typed in a command, or an id from a form's metadata


@dataclass(frozen=True)
class Caller:
    """Who is asking, in which workspace, in which language, and the client that reaches Slack for them."""

    deps: Deps
    client: WebClient
    team_id: str
    user_id: str
    language: str

    @property
    def directory(self) -> SlackDirectory:
        return SlackDirectory(self.deps.engine, self.client, self.deps.now)

    def actor(self) -> Actor:
        return actor_for(self.deps, self.client, self.team_id, self.user_id)


def _cohort(session: Session, caller: Caller, ref: CohortRef) -> Cohort:
    if isinstance(ref, int):
        return cohorts.get_cohort(session, caller.team_id, ref)
    return cohorts.find_cohort(session, caller.team_id, ref)


def _id(cohort: Cohort) -> int:
    assert cohort.id is not None  # a cohort read from the database
    return cohort.id


def managed_cohort(caller: Caller, actor: Actor, ref: CohortRef, *, active: bool = True) -> Cohort:
    """The cohort, if the actor may manage it (and, with `active`, it is not archived)."""
    with Session(caller.deps.engine) as session:
        cohort = _cohort(session, caller, ref)
    require_manager(actor, cohort)
    if active:
        cohorts.require_active(cohort)
    return cohort


def _fresh(session: Session, caller: Caller, actor: Actor, cohort_id: int) -> Cohort:
    """The cohort again inside the writing transaction, authorised again: it may have changed meanwhile."""
    cohort = cohorts.get_cohort(session, caller.team_id, cohort_id)
    require_manager(actor, cohort)
    cohorts.require_active(cohort)
    return cohort


def only_cohort(caller: Caller, actor: Actor) -> Cohort:
    """With no cohort named: the one active cohort the actor manages, if there is exactly one."""
    with Session(caller.deps.engine) as session:
        active = [c for c in cohorts.cohorts_for(session, actor) if c.status == CohortStatus.ACTIVE]
    if len(active) == 1:
        return active[0]
    if not active and not actor.is_admin:
        raise Refused("authz.refused")
    raise Invalid("cohorts.error.name_cohort")


# -- cohorts -------------------------------------------------------------------------------------------------------


def create_cohort(caller: Caller, *, name: str, language: str, timezone: str, dates: Sequence[date]) -> Cohort:
    """Admins only."""
    require_admin(caller.actor())
    try:
        with session_scope(caller.deps.engine) as session:
            return cohorts.create_cohort(
                session,
                team_id=caller.team_id,
                name=name,
                language=language,
                timezone=timezone,
                dates=dates,
                now=caller.deps.now(),
                created_by=caller.user_id,
            )
    except IntegrityError:  # created by someone else a moment ago
        raise Invalid("cohorts.error.name_taken", field="name", name=name) from None


def list_cohorts(caller: Caller) -> list[CohortOverview]:
    """The cohorts an admin or coach may see."""
    actor = caller.actor()
    if not actor.is_admin and not any(actor.holds(cohort_id, Role.COACH) for cohort_id in actor.roles):
        raise Refused("authz.refused")
    with Session(caller.deps.engine) as session:
        return [cohorts.overview(session, cohort) for cohort in cohorts.cohorts_for(session, actor)]


def show_cohort(caller: Caller, ref: CohortRef) -> CohortOverview:
    cohort = managed_cohort(caller, caller.actor(), ref, active=False)
    with Session(caller.deps.engine) as session:
        return cohorts.overview(session, cohort)


@dataclass(frozen=True)
class DatesChanged:
    cohort: Cohort
    moved: int  # planned prompts moved to the new dates


def change_dates(caller: Caller, actor: Actor, cohort: Cohort, dates: Sequence[date]) -> DatesChanged:
    """New dates for the three sessions of a cohort `managed_cohort` gave; planned prompts move with them."""
    with session_scope(caller.deps.engine) as session:
        cohort = _fresh(session, caller, actor, _id(cohort))
        moved = cohorts.change_dates(session, cohort, dates, now=caller.deps.now())
    return DatesChanged(cohort, moved)


@dataclass(frozen=True)
class Archived:
    cohort: Cohort
    cancelled: int  # planned prompts that will not go out


def archive_cohort(caller: Caller, ref: CohortRef) -> Archived:
    actor = caller.actor()
    cohort = managed_cohort(caller, actor, ref, active=False)
    with session_scope(caller.deps.engine) as session:
        cohort = cohorts.get_cohort(session, caller.team_id, _id(cohort))
        require_manager(actor, cohort)
        cancelled = cohorts.archive_cohort(session, cohort, now=caller.deps.now())
    return Archived(cohort, cancelled)


# -- organisations and goals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationAdded:
    cohort: Cohort
    added: organisations.OrganisationAdded
    channel_id: str


def add_organisation(
    caller: Caller, ref: CohortRef, *, name: str, channel_id: str, goals: Sequence[str]
) -> OrganisationAdded:
    """Coaches of the cohort and admins. The HR channel must be private with Mentori in it."""
    actor = caller.actor()
    cohort = managed_cohort(caller, actor, ref)
    name = organisations.check_organisation_name(name)
    goal_texts = [organisations.check_goal(goal) for goal in goals]
    channel = organisations.verify_hr_channel(caller.client, channel_id, binder=caller.user_id)
    with session_scope(caller.deps.engine) as session:
        cohort = _fresh(session, caller, actor, _id(cohort))
        added = organisations.add_organisation(session, cohort, name=name, hr_channel_id=channel.id, goals=goal_texts)
    return OrganisationAdded(cohort, added, channel.id)


def organisation_choices(caller: Caller, cohort: Cohort) -> list[tuple[int, str]]:
    """(id, name) of the cohort's organisations, for the add-people form; there must be one at least."""
    with Session(caller.deps.engine) as session:
        choices = [(int(o.id or 0), o.name) for o in organisations.organisations_of(session, cohort)]
    if not choices:
        raise Invalid("members.error.organisations_first", cohort=cohort.name)
    return choices


@dataclass(frozen=True)
class GoalAdded:
    organisation: Organisation
    goal: str
    count: int  # the organisation's goals now


def add_goal(caller: Caller, ref: CohortRef, organisation: str, text: str) -> GoalAdded:
    actor = caller.actor()
    cohort = managed_cohort(caller, actor, ref)
    text = organisations.check_goal(text, field=None)
    with session_scope(caller.deps.engine) as session:
        cohort = _fresh(session, caller, actor, _id(cohort))
        found = organisations.find_organisation(session, cohort, organisation)
        organisations.add_goal(session, found, text)
        count = len(organisations.goals_of(session, found))
    return GoalAdded(found, text, count)


def list_goals(caller: Caller, ref: CohortRef, organisation: str | None) -> list[tuple[str, list[str]]]:
    """(organisation, its goals) for one organisation or each of the cohort's."""
    cohort = managed_cohort(caller, caller.actor(), ref, active=False)
    with Session(caller.deps.engine) as session:
        if organisation is not None:
            chosen = [organisations.find_organisation(session, cohort, organisation)]
        else:
            chosen = organisations.organisations_of(session, cohort)
        listed = [(o.name, [g.text for g in organisations.goals_of(session, o)]) for o in chosen]
    if not listed:
        raise Invalid("organisations.error.none_yet", cohort=cohort.name)
    return listed


@dataclass(frozen=True)
class GoalRemoved:
    organisation: Organisation
    goal: Goal


def remove_goal(caller: Caller, ref: CohortRef, organisation: str, number: str) -> GoalRemoved:
    actor = caller.actor()
    cohort = managed_cohort(caller, actor, ref)
    with session_scope(caller.deps.engine) as session:
        cohort = _fresh(session, caller, actor, _id(cohort))
        found = organisations.find_organisation(session, cohort, organisation)
        goal = organisations.remove_goal(session, found, number)
    return GoalRemoved(found, goal)


# -- people ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleAdded:
    cohort: Cohort
    role: Role
    organisation: str  # its name, "" for coaches
    joined: list[members.Joined]
    planned: int  # prompts planned for the joiners in a block already started
    welcomes: list[int]  # outbox ids of the welcome DMs planned


def add_people(
    caller: Caller,
    ref: CohortRef,
    *,
    user_ids: Sequence[str],
    role: Role,
    organisation: str | int | None,
    welcome: members.RenderWelcome,
    language: str | None = None,
) -> PeopleAdded:
    """Coaches of the cohort and admins add mentors and HR contacts; only admins add coaches. All or nothing."""
    actor = caller.actor()
    if role == Role.COACH:
        require_admin(actor)
    cohort = managed_cohort(caller, actor, ref)
    if not user_ids:
        raise Invalid("members.error.user_missing", field="users")
    organisation_id = _organisation_id(caller, cohort, role, organisation)
    members.look_up_people(caller.directory, caller.team_id, user_ids, field="users")
    now = caller.deps.now()
    with session_scope(caller.deps.engine) as session:
        cohort = _fresh(session, caller, actor, _id(cohort))
        if role == Role.COACH:
            require_admin(actor)
        chosen = None
        if organisation_id is not None:
            chosen = organisations.get_organisation(session, cohort, organisation_id, field="organisation")
        joiners = [
            members.add_member(
                session, cohort, user_id=user_id, role=role, organisation=chosen, now=now, language=language
            )
            for user_id in dict.fromkeys(user_ids)
        ]
        planned = members.plan_for_joiners(session, cohort, joiners, now=now)
        notes = members.plan_welcomes(session, cohort, joiners, render=welcome, now=now)
        organisation_name = chosen.name if chosen else ""
    return PeopleAdded(cohort, role, organisation_name, joiners, planned, notes)


def _organisation_id(caller: Caller, cohort: Cohort, role: Role, organisation: str | int | None) -> int | None:
    if role == Role.COACH:
        return None
    if organisation is None or (isinstance(organisation, str) and not organisation.strip()):
        raise Invalid("members.error.organisation_needed", field="organisation")
    with Session(caller.deps.engine) as session:
        if isinstance(organisation, int):
            found = organisations.get_organisation(session, cohort, organisation, field="organisation")
        else:
            found = organisations.find_organisation(session, cohort, organisation)
    return found.id


def send_welcomes(caller: Caller, welcomes: Sequence[int]) -> list[str]:
    """Send the planned welcome DMs now; the user ids they could not reach."""
    return members.send_welcomes(caller.deps.engine, caller.deps.send_now, caller.client, welcomes)


@dataclass(frozen=True)
class PeopleRemoved:
    cohort: Cohort
    user_ids: list[str]


def remove_people(
    caller: Caller,
    ref: CohortRef,
    *,
    user_ids: Sequence[str],
    roles: Sequence[Role],
    peer_messages: PeerMessages | None = None,
) -> PeopleRemoved:
    """Remove mentors and HR contacts (coaches and admins), or coaches (admins); a mentor's prompts stop, and with
    `peer_messages` their peer groups' messages not sent yet stop naming them."""
    actor = caller.actor()
    if Role.COACH in roles:
        require_admin(actor)
    cohort = managed_cohort(caller, actor, ref)
    if not user_ids:
        raise Invalid("members.error.user_missing")
    now = caller.deps.now()
    with session_scope(caller.deps.engine) as session:
        cohort = _fresh(session, caller, actor, _id(cohort))
        removed = [
            member
            for user_id in dict.fromkeys(user_ids)
            for member in members.remove_member(session, cohort, user_id=user_id, roles=roles, now=now)
        ]
        for member in removed:
            if member.role == Role.MENTOR and peer_messages is not None:
                peers.leave_groups(session, cohort, member, peer_messages)
    return PeopleRemoved(cohort, list(dict.fromkeys(member.user_id for member in removed)))
