"""Who may do what: checked on every command, button and modal submission."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from sqlmodel import Session, select

from bot.deps import Deps
from bot.directory import SlackDirectory, UnknownUser
from bot.settings import Settings
from storage.models import Cohort, Member, MemberStatus, Organisation, Role


class Refused(Exception):
    """The user may not do this; `key` names the catalogue text that tells them so politely."""

    def __init__(self, key: str = "authz.refused", **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Actor:
    """The person behind a request, with what Mentori knows of their standing."""

    team_id: str
    user_id: str
    is_admin: bool = False
    roles: dict[int, frozenset[str]] = field(default_factory=dict)  # cohort id → roles held

    def holds(self, cohort_id: int | None, role: Role) -> bool:
        return cohort_id is not None and role.value in self.roles.get(cohort_id, frozenset())

    def may_manage(self, cohort: Cohort) -> bool:
        """Admins manage every cohort of their workspace; coaches manage their own."""
        return cohort.team_id == self.team_id and (self.is_admin or self.holds(cohort.id, Role.COACH))


def actor_for(deps: Deps, client: WebClient, team_id: str, user_id: str) -> Actor:
    """Who is asking, with their roles, looked up with `client` (workspace admins count as admins)."""
    with Session(deps.engine) as session:
        return load_actor(session, deps.settings, SlackDirectory(deps.engine, client, deps.now), team_id, user_id)


def load_actor(session: Session, settings: Settings, directory: SlackDirectory, team_id: str, user_id: str) -> Actor:
    """The actor for a request: admin if a workspace admin or owner, or listed in MENTORI_ADMINS."""
    roles: dict[int, set[str]] = {}
    rows = session.exec(
        select(Member.cohort_id, Member.role).where(
            Member.team_id == team_id, Member.user_id == user_id, Member.status == MemberStatus.ACTIVE
        )
    )
    for cohort_id, role in rows:
        roles.setdefault(cohort_id, set()).add(role)
    return Actor(
        team_id=team_id,
        user_id=user_id,
        is_admin=user_id in settings.admins or _is_workspace_admin(directory, team_id, user_id),
        roles={cohort_id: frozenset(held) for cohort_id, held in roles.items()},
    )


def _is_workspace_admin(directory: SlackDirectory, team_id: str, user_id: str) -> bool:
    try:
        user = directory.user(team_id, user_id)
    except UnknownUser:
        return False
    return user.is_admin or user.is_owner


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Refused("authz.admins_only")


def require_manager(actor: Actor, cohort: Cohort) -> None:
    if not actor.may_manage(cohort):
        raise Refused("authz.coaches_only", cohort=cohort.name)


def hr_organisation_ids(session: Session, actor: Actor, cohort: Cohort) -> set[int]:
    """The organisations of `cohort` whose HR contact the actor is."""
    rows = session.exec(
        select(Member.organisation_id).where(
            Member.cohort_id == cohort.id,
            Member.user_id == actor.user_id,
            Member.role == Role.HR,
            Member.status == MemberStatus.ACTIVE,
        )
    )
    return {organisation_id for organisation_id in rows if organisation_id is not None}


def organisations_visible_to(session: Session, actor: Actor, cohort: Cohort) -> list[Organisation]:
    """Managers see every organisation's summary; HR only their own; everyone else nothing."""
    organisations = list(session.exec(select(Organisation).where(Organisation.cohort_id == cohort.id)))
    if actor.may_manage(cohort):
        return organisations
    own = hr_organisation_ids(session, actor, cohort)
    return [organisation for organisation in organisations if organisation.id in own]
