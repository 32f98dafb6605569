"""`/mentori cohort | coach | org | goal | member`: the coach's and admin's one-line commands and their forms.

Each action: parse → authorise → call the domain in `bot/` in one transaction → answer; Slack is asked (users,
channels) before the transaction starts, and welcome DMs go out after it has committed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import cohorts, members, organisations, quiet_periods
from bot.authz import Actor, Refused, load_actor, require_admin, require_manager
from bot.blocks.calendar import quiet_reply
from bot.blocks.cohort_forms import add_members_view, add_organisation_view, create_cohort_view
from bot.blocks.cohorts import cohort_list_message, cohort_show_message
from bot.blocks.kit import Mrkdwn, joined, md, mentions, say
from bot.cohorts import Invalid
from bot.deps import Deps
from bot.directory import SlackDirectory
from bot.i18n import LANGUAGES, day
from bot.slack_api import error_code
from handlers.commands import CommandContext, CommandRouter, FormTest
from storage.db import session_scope
from storage.models import Cohort, CohortStatus, Role

log = logging.getLogger(__name__)
USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
CHANNEL_MENTION = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
# Problems with the cohort's state rather than with how the command was written: no usage line after them.
NO_USAGE = frozenset({
    "cohorts.error.archived", "cohorts.error.already_archived", "cohorts.error.gone", "members.error.not_member",
    "members.error.not_coach", "members.error.user_unknown", "members.error.user_bot", "members.error.user_deleted",
    "organisations.error.channel_public", "organisations.error.channel_not_member",
    "organisations.error.channel_not_channel", "organisations.error.channel_unreadable",
    "organisations.error.none_yet", "cohorts.error.name_taken", "members.error.organisations_first",
    "calendar.usage.quiet",
})  # fmt: skip
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
        with Session(self.deps.engine) as session:
            return load_actor(session, self.deps.settings, self.directory, self.team_id, self.user_id)

    def say(self, key: str, **params: Any) -> Mrkdwn:
        """A catalogue text in the caller's language, its values escaped."""
        return say(self.language, key, **params)


# -- the actions, shared by the commands and the forms ------------------------------------------------------------


def _cohort(session: Session, caller: Caller, ref: CohortRef) -> Cohort:
    if isinstance(ref, int):
        return cohorts.get_cohort(session, caller.team_id, ref)
    return cohorts.find_cohort(session, caller.team_id, ref)


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


def _dates_text(language: str, dates: Sequence[date]) -> dict[str, str]:
    return {f"d{number}": day(language, value) for number, value in enumerate(dates, start=1)}


def create_cohort(caller: Caller, *, name: str, language: str, timezone: str, dates: Sequence[date]) -> str:
    """Admins only. Returns the receipt."""
    require_admin(caller.actor())
    try:
        with session_scope(caller.deps.engine) as session:
            cohort = cohorts.create_cohort(
                session, team_id=caller.team_id, name=name, language=language, timezone=timezone, dates=dates,
                now=caller.deps.now(), created_by=caller.user_id,
            )  # fmt: skip
    except IntegrityError:  # created by someone else a moment ago
        raise Invalid("cohorts.error.name_taken", field="name", name=name) from None
    return caller.say(
        "cohorts.created", cohort=cohort.name, language_name=caller.say(f"cohorts.language.{cohort.language}"),
        timezone=cohort.timezone, **_dates_text(caller.language, dates),
    )  # fmt: skip


def add_organisation(caller: Caller, ref: CohortRef, *, name: str, channel_id: str, goals: Sequence[str]) -> str:
    """Coaches of the cohort and admins. The HR channel must be private with Mentori in it."""
    actor = caller.actor()
    cohort = managed_cohort(caller, actor, ref)
    name = organisations.check_organisation_name(name)
    goal_texts = [organisations.check_goal(goal) for goal in goals]
    channel = organisations.verify_hr_channel(caller.client, channel_id, binder=caller.user_id)
    with session_scope(caller.deps.engine) as session:
        cohort = _fresh(session, caller, actor, cohort.id)  # type: ignore[arg-type]
        added = organisations.add_organisation(session, cohort, name=name, hr_channel_id=channel.id, goals=goal_texts)
    key = "organisations.added" if added.created else "organisations.updated"
    return caller.say(
        key, organisation=added.organisation.name, cohort=cohort.name, channel=channel.id, goals=added.goals_added
    )


@dataclass(frozen=True)
class PeopleAdded:
    receipt: str
    welcomes: list[int]  # outbox ids of the welcome DMs planned


def add_people(
    caller: Caller,
    ref: CohortRef,
    *,
    user_ids: Sequence[str],
    role: Role,
    organisation: str | int | None,
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
        cohort = _fresh(session, caller, actor, cohort.id)  # type: ignore[arg-type]
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
        notes = members.plan_welcomes(session, cohort, joiners, min_group=caller.deps.settings.min_group, now=now)
        organisation_name = chosen.name if chosen else ""
    lines = _people_receipt(caller, cohort, role, organisation_name, joiners)
    if planned:
        lines.append(caller.say("members.receipt.planned", count=planned))
    return PeopleAdded(joined(lines), notes)


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


def _people_receipt(
    caller: Caller, cohort: Cohort, role: Role, organisation: str, joined: Sequence[members.Joined]
) -> list[str]:
    by_outcome: dict[members.Outcome, list[str]] = {}
    for entry in joined:
        by_outcome.setdefault(entry.outcome, []).append(entry.member.user_id)
    lines = []
    for outcome in members.Outcome:
        users = mentions(by_outcome.get(outcome, []))
        if users:
            lines.append(
                caller.say(f"members.receipt.{outcome}_{role}", users=users, cohort=cohort.name,
                           organisation=organisation)
            )  # fmt: skip
    return lines


def welcome_report(caller: Caller, notes: Sequence[int], failed: Sequence[str]) -> str:
    if not notes:
        return ""
    if not failed:
        return caller.say("members.receipt.welcomed", count=len(notes))
    return caller.say("members.receipt.welcome_failed", users=mentions(failed))


def send_welcomes(caller: Caller, welcomes: Sequence[int]) -> list[str]:
    """Send the planned welcome DMs now; the user ids they could not reach."""
    return members.send_welcomes(caller.deps.engine, caller.deps.send_now, caller.client, welcomes)


def remove_people(caller: Caller, ref: CohortRef, *, user_ids: Sequence[str], roles: Sequence[Role]) -> str:
    """Remove mentors and HR contacts (coaches and admins), or coaches (admins); a mentor's prompts stop."""
    actor = caller.actor()
    if Role.COACH in roles:
        require_admin(actor)
    cohort = managed_cohort(caller, actor, ref)
    if not user_ids:
        raise Invalid("members.error.user_missing")
    now = caller.deps.now()
    with session_scope(caller.deps.engine) as session:
        cohort = _fresh(session, caller, actor, cohort.id)  # type: ignore[arg-type]
        removed = [
            member
            for user_id in dict.fromkeys(user_ids)
            for member in members.remove_member(session, cohort, user_id=user_id, roles=roles, now=now)
        ]
    users = mentions(dict.fromkeys(member.user_id for member in removed))
    key = "members.receipt.removed_coach" if list(roles) == [Role.COACH] else "members.receipt.removed"
    return caller.say(key, users=users, cohort=cohort.name)


# -- parsing ------------------------------------------------------------------------------------------------------


def parse_user(word: str) -> str | None:
    """The user id of an escaped mention (`<@U123|name>` or `<@U123>`), else None."""
    match = USER_MENTION.match(word.strip())
    return match[1] if match else None


def parse_channel(word: str) -> str | None:
    """The channel id of an escaped channel link (`<#C123|name>` or `<#C123|>`), else None."""
    match = CHANNEL_MENTION.match(word.strip())
    return match[1] if match else None


def _need(args: Sequence[str], count: int) -> None:
    if len(args) < count:
        raise Invalid("cohorts.error.missing")


def _people(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """The leading mentions as user ids, and the words after them; a bare @name is refused with how to fix it."""
    user_ids: list[str] = []
    for index, word in enumerate(words):
        user_id = parse_user(word)
        if user_id is None:
            if word.startswith("@") or word.startswith("<@"):
                raise Invalid("members.error.user_missing")
            return user_ids, list(words[index:])
        user_ids.append(user_id)
    return user_ids, []


def _create_options(caller: Caller, words: Sequence[str]) -> tuple[str, str]:
    """The optional language and time zone after the dates, in either order."""
    language, timezone = caller.deps.settings.language, caller.deps.settings.timezone
    seen: set[str] = set()
    for word in words:
        if word.lower() in LANGUAGES and "language" not in seen:
            language = word.lower()
            seen.add("language")
        elif "/" in word or word.upper() == "UTC":
            if "timezone" in seen:
                raise Invalid("cohorts.error.extra", value=word)
            timezone = cohorts.check_timezone(word, field=None)
            seen.add("timezone")
        else:
            raise Invalid("cohorts.error.extra", value=word)
    return language, timezone


# -- the commands -------------------------------------------------------------------------------------------------

Verb = Callable[[CommandContext, Caller, tuple[str, ...]], None]


class CohortCommands:
    """The handlers of `/mentori cohort | coach | org | goal | member`."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def group(self, name: str, verbs: dict[str, tuple[Verb, str]]) -> Callable[[CommandContext], None]:
        """A subcommand whose first word picks the verb; each verb has its usage line for error messages."""

        def handle(ctx: CommandContext) -> None:
            caller = Caller(self.deps, ctx.client, ctx.team_id, ctx.user_id, ctx.language)
            args = ctx.command.args
            verb = args[0].lower() if args else ""
            if verb not in verbs:
                usage = joined(caller.say(key) for _handler, key in verbs.values())
                ctx.reply(caller.say("cohorts.error.verb", command=name, usage=usage))
                return
            handler, usage_key = verbs[verb]
            try:
                handler(ctx, caller, args[1:])
            except Refused as refusal:
                ctx.reply(caller.say(refusal.key, **refusal.params))
            except Invalid as problem:
                text = caller.say(problem.key, **problem.params)
                if problem.key not in NO_USAGE:
                    text += "\n" + caller.say(usage_key)
                ctx.reply(text)

        return handle

    # cohort

    def cohort_create(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        if not args:
            require_admin(caller.actor())
            view = create_cohort_view(
                caller.language, default_language=self.deps.settings.language,
                default_timezone=self.deps.settings.timezone, timezones=cohorts.COMMON_TIMEZONES,
            )  # fmt: skip
            self.open_form(ctx, caller, view, "cohorts.usage.create")
            return
        require_admin(caller.actor())
        _need(args, 4)
        name = cohorts.check_name(args[0], field=None)
        dates = [cohorts.parse_day(word) for word in args[1:4]]
        language, timezone = _create_options(caller, args[4:])
        ctx.reply(create_cohort(caller, name=name, language=language, timezone=timezone, dates=dates))

    def cohort_list(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        actor = caller.actor()
        if not actor.is_admin and not any(actor.holds(cohort_id, Role.COACH) for cohort_id in actor.roles):
            raise Refused("authz.refused")
        with Session(self.deps.engine) as session:
            overviews = [cohorts.overview(session, cohort) for cohort in cohorts.cohorts_for(session, actor)]
        message = cohort_list_message(caller.language, overviews)
        ctx.reply(message["text"], message["blocks"])

    def cohort_show(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 1)
        cohort = managed_cohort(caller, caller.actor(), args[0], active=False)
        with Session(self.deps.engine) as session:
            message = cohort_show_message(caller.language, cohorts.overview(session, cohort))
        ctx.reply(message["text"], message["blocks"])

    def cohort_dates(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 1)
        actor = caller.actor()
        cohort = managed_cohort(caller, actor, args[0])
        if len(args) != 4:
            raise Invalid("cohorts.error.dates_count")
        dates = [cohorts.parse_day(word) for word in args[1:4]]
        with session_scope(self.deps.engine) as session:
            cohort = _fresh(session, caller, actor, cohort.id)  # type: ignore[arg-type]
            moved = cohorts.change_dates(session, cohort, dates, now=self.deps.now())
        ctx.reply(caller.say("cohorts.dates_changed", cohort=cohort.name, moved=moved,
                             **_dates_text(caller.language, dates)))  # fmt: skip

    def cohort_archive(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 1)
        actor = caller.actor()
        cohort = managed_cohort(caller, actor, args[0], active=False)
        with session_scope(self.deps.engine) as session:
            cohort = cohorts.get_cohort(session, caller.team_id, cohort.id)  # type: ignore[arg-type]
            require_manager(actor, cohort)
            cancelled = cohorts.archive_cohort(session, cohort, now=self.deps.now())
        ctx.reply(caller.say("cohorts.archived", cohort=cohort.name, cancelled=cancelled))

    def cohort_quiet(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        """`cohort quiet <cohort> [<from> <to> | clear]`: the calendar, a new quiet period, or none at all."""
        _need(args, 1)
        actor = caller.actor()
        cohort = managed_cohort(caller, actor, args[0])
        with session_scope(self.deps.engine) as session:
            cohort = _fresh(session, caller, actor, cohort.id)  # type: ignore[arg-type]
            result = quiet_periods.quiet_command(session, cohort, args[1:], now=self.deps.now())
        blocks = quiet_reply(caller.language, result)
        ctx.reply(blocks[0]["text"]["text"], blocks)

    # coach

    def coach_add(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 1)
        user_ids, rest = _people(args[1:])
        if rest or not user_ids:
            raise Invalid("members.error.user_missing")
        added = add_people(caller, args[0], user_ids=user_ids, role=Role.COACH, organisation=None)
        ctx.reply(added.receipt)

    def coach_remove(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 1)
        user_ids, rest = _people(args[1:])
        if rest or not user_ids:
            raise Invalid("members.error.user_missing")
        ctx.reply(remove_people(caller, args[0], user_ids=user_ids, roles=[Role.COACH]))

    # org

    def org_add(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        if len(args) <= 1:
            actor = caller.actor()
            cohort = managed_cohort(caller, actor, args[0]) if args else self.only_cohort(caller, actor)
            view = add_organisation_view(caller.language, cohort_id=cohort.id, cohort=cohort.name)  # type: ignore[arg-type]
            self.open_form(ctx, caller, view, "organisations.usage.add")
            return
        channel_id = parse_channel(args[-1]) if len(args) >= 3 else None
        if channel_id is None:
            raise Invalid("organisations.error.channel_missing")
        name = " ".join(args[1:-1])
        ctx.reply(add_organisation(caller, args[0], name=name, channel_id=channel_id, goals=[]))

    # goal

    def goal_add(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 3)
        actor = caller.actor()
        cohort = managed_cohort(caller, actor, args[0])
        text = organisations.check_goal(" ".join(args[2:]), field=None)
        with session_scope(self.deps.engine) as session:
            cohort = _fresh(session, caller, actor, cohort.id)  # type: ignore[arg-type]
            organisation = organisations.find_organisation(session, cohort, args[1])
            organisations.add_goal(session, organisation, text)
            count = len(organisations.goals_of(session, organisation))
        ctx.reply(caller.say("organisations.goal_added", organisation=organisation.name, goal=text, count=count))

    def goal_list(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 1)
        cohort = managed_cohort(caller, caller.actor(), args[0], active=False)
        with Session(self.deps.engine) as session:
            if len(args) > 1:
                chosen = [organisations.find_organisation(session, cohort, " ".join(args[1:]))]
            else:
                chosen = organisations.organisations_of(session, cohort)
            listed = [(o.name, [g.text for g in organisations.goals_of(session, o)]) for o in chosen]
        if not listed:
            raise Invalid("organisations.error.none_yet", cohort=cohort.name)
        parts = []
        for name, goals in listed:
            lines = [md("{number}. {goal}", number=number, goal=goal) for number, goal in enumerate(goals, start=1)]
            listed = joined(lines) if lines else caller.say("cohorts.show.no_goals")
            parts.append(md("*{name}*\n{goals}", name=name, goals=listed))
        ctx.reply(joined(parts, "\n\n"))

    def goal_remove(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 3)
        actor = caller.actor()
        cohort = managed_cohort(caller, actor, args[0])
        with session_scope(self.deps.engine) as session:
            cohort = _fresh(session, caller, actor, cohort.id)  # type: ignore[arg-type]
            organisation = organisations.find_organisation(session, cohort, " ".join(args[1:-1]))
            goal = organisations.remove_goal(session, organisation, args[-1])
        ctx.reply(caller.say("organisations.goal_removed", organisation=organisation.name, goal=goal.text))

    # member

    def member_add(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        if len(args) <= 1:
            actor = caller.actor()
            cohort = managed_cohort(caller, actor, args[0]) if args else self.only_cohort(caller, actor)
            self.open_member_form(ctx, caller, actor, cohort)
            return
        user_ids, rest = _people(args[1:])
        if not user_ids:
            raise Invalid("members.error.user_missing")
        if not rest:
            raise Invalid("members.error.role_missing")
        role = members.parse_role(rest[0])
        added = add_people(caller, args[0], user_ids=user_ids, role=role, organisation=" ".join(rest[1:]))
        failed = send_welcomes(caller, added.welcomes)
        ctx.reply(joined(filter(None, [added.receipt, welcome_report(caller, added.welcomes, failed)])))

    def member_remove(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 2)
        user_ids, rest = _people(args[1:])
        if rest or not user_ids:
            raise Invalid("members.error.user_missing")
        ctx.reply(remove_people(caller, args[0], user_ids=user_ids, roles=members.MEMBER_ROLES))

    # forms

    def only_cohort(self, caller: Caller, actor: Actor) -> Cohort:
        """With no cohort named: the one active cohort the actor manages, if there is exactly one."""
        with Session(self.deps.engine) as session:
            active = [c for c in cohorts.cohorts_for(session, actor) if c.status == CohortStatus.ACTIVE]
        if len(active) == 1:
            return active[0]
        if not active and not actor.is_admin:
            raise Refused("authz.refused")
        raise Invalid("cohorts.error.name_cohort")

    def open_member_form(self, ctx: CommandContext, caller: Caller, actor: Actor, cohort: Cohort) -> None:
        with Session(self.deps.engine) as session:
            choices = [(o.id, o.name) for o in organisations.organisations_of(session, cohort)]
        if not choices:
            raise Invalid("members.error.organisations_first", cohort=cohort.name)
        view = add_members_view(
            caller.language, cohort_id=cohort.id, cohort=cohort.name, organisations=choices,  # type: ignore[arg-type]
            allow_coach=actor.is_admin,
        )  # fmt: skip
        self.open_form(ctx, caller, view, "members.usage.add")

    def open_form(self, ctx: CommandContext, caller: Caller, view: dict[str, Any], usage_key: str) -> None:
        """Open a modal with the command's trigger_id (valid for 3 seconds, so straight after the ack)."""
        try:
            ctx.client.views_open(trigger_id=str(ctx.body.get("trigger_id", "")), view=view)
        except SlackApiError as error:
            code = error_code(error)
            log.warning("views.open failed: %s", code)
            ctx.reply(caller.say("forms.error.open", error=str(code)) + "\n" + caller.say(usage_key))


def opens_form(verb: str, most_args: int) -> FormTest:
    """A group invocation opens a form when its verb is `verb` with at most `most_args` words after it."""
    return lambda args: bool(args) and args[0].lower() == verb and len(args) - 1 <= most_args


def add_subcommands(router: CommandRouter, deps: Deps) -> None:
    """Add `cohort`, `coach`, `org`, `goal` and `member` to the `/mentori` router (the forms' submissions are
    registered by handlers.cohort_views)."""
    commands = CohortCommands(deps)
    router.add("cohort", commands.group("cohort", {
        "create": (commands.cohort_create, "cohorts.usage.create"),
        "list": (commands.cohort_list, "cohorts.usage.list"),
        "show": (commands.cohort_show, "cohorts.usage.show"),
        "dates": (commands.cohort_dates, "cohorts.usage.dates"),
        "archive": (commands.cohort_archive, "cohorts.usage.archive"),
        "quiet": (commands.cohort_quiet, "calendar.usage.quiet"),
    }), opens_form=opens_form("create", 0))  # fmt: skip
    router.add("coach", commands.group("coach", {
        "add": (commands.coach_add, "members.usage.coach_add"),
        "remove": (commands.coach_remove, "members.usage.coach_remove"),
    }))  # fmt: skip
    router.add(
        "org",
        commands.group("org", {"add": (commands.org_add, "organisations.usage.add")}),
        opens_form=opens_form("add", 1),
    )
    router.add("goal", commands.group("goal", {
        "add": (commands.goal_add, "organisations.usage.goal_add"),
        "list": (commands.goal_list, "organisations.usage.goal_list"),
        "remove": (commands.goal_remove, "organisations.usage.goal_remove"),
    }))  # fmt: skip
    router.add("member", commands.group("member", {
        "add": (commands.member_add, "members.usage.add"),
        "remove": (commands.member_remove, "members.usage.remove"),
    }), opens_form=opens_form("add", 1))  # fmt: skip
