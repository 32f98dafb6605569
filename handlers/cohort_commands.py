"""`/mentori cohort | coach | org | goal | member`: the coach's and admin's one-line commands, and opening their forms.

Each verb parses its words, calls its use case in bot.cohort_admin and answers with the receipt bot.blocks renders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import cohort_admin, cohorts, members, quiet_periods
from bot.authz import Actor, Refused, require_admin
from bot.blocks import cohort_receipts as receipts
from bot.blocks.calendar import quiet_reply
from bot.blocks.cohort_forms import add_members_view, add_organisation_view, create_cohort_view
from bot.blocks.cohorts import cohort_list_message, cohort_show_message
from bot.blocks.kit import joined, say
from bot.blocks.peers import Messages
from bot.blocks.welcome import welcome_renderer
from bot.cohort_admin import Caller
from bot.cohorts import Invalid
from bot.commands import parse_channel, parse_user
from bot.deps import Deps
from bot.i18n import LANGUAGES
from bot.slack_api import error_code
from bot.surfaces.command import CommandContext, FormTest, Subcommands
from storage.models import Cohort, Role

log = logging.getLogger(__name__)
# Problems with the cohort's state rather than with how the command was written: no usage line after them.
NO_USAGE = frozenset({
    "cohorts.error.archived", "cohorts.error.already_archived", "cohorts.error.gone", "members.error.not_member",
    "members.error.not_coach", "members.error.user_unknown", "members.error.user_bot", "members.error.user_deleted",
    "organisations.error.channel_public", "organisations.error.channel_not_member",
    "organisations.error.channel_not_channel", "organisations.error.channel_unreadable",
    "organisations.error.none_yet", "cohorts.error.name_taken", "members.error.organisations_first",
    "calendar.usage.quiet",
})  # fmt: skip


# -- parsing ------------------------------------------------------------------------------------------------------


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
        self.welcome = welcome_renderer(deps.settings.min_group)

    def group(self, name: str, verbs: dict[str, tuple[Verb, str]]) -> Callable[[CommandContext], None]:
        """A subcommand whose first word picks the verb; each verb has its usage line for error messages."""

        def handle(ctx: CommandContext) -> None:
            caller = Caller(self.deps, ctx.client, ctx.team_id, ctx.user_id, ctx.language)
            language = ctx.language
            args = ctx.command.args
            verb = args[0].lower() if args else ""
            if verb not in verbs:
                usage = joined(say(language, key) for _handler, key in verbs.values())
                ctx.reply(say(language, "cohorts.error.verb", command=name, usage=usage))
                return
            handler, usage_key = verbs[verb]
            try:
                handler(ctx, caller, args[1:])
            except Refused as refusal:
                ctx.reply(say(language, refusal.key, **refusal.params))
            except Invalid as problem:
                text = say(language, problem.key, **problem.params)
                if problem.key not in NO_USAGE:
                    text += "\n" + say(language, usage_key)
                ctx.reply(text)

        return handle

    # cohort

    def cohort_create(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        if not args:
            require_admin(caller.actor())
            view = create_cohort_view(
                caller.language,
                default_language=self.deps.settings.language,
                default_timezone=self.deps.settings.timezone,
                timezones=cohorts.COMMON_TIMEZONES,
            )
            self.open_form(ctx, caller, view, "cohorts.usage.create")
            return
        require_admin(caller.actor())
        _need(args, 4)
        name = cohorts.check_name(args[0], field=None)
        dates = [cohorts.parse_day(word) for word in args[1:4]]
        language, timezone = _create_options(caller, args[4:])
        cohort = cohort_admin.create_cohort(caller, name=name, language=language, timezone=timezone, dates=dates)
        ctx.reply(receipts.cohort_created(caller.language, cohort, dates))

    def cohort_list(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        message = cohort_list_message(caller.language, cohort_admin.list_cohorts(caller))
        ctx.reply(message["text"], message["blocks"])

    def cohort_show(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 1)
        message = cohort_show_message(caller.language, cohort_admin.show_cohort(caller, args[0]))
        ctx.reply(message["text"], message["blocks"])

    def cohort_dates(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 1)
        actor = caller.actor()
        cohort = cohort_admin.managed_cohort(caller, actor, args[0])  # who may, before what was typed
        if len(args) != 4:
            raise Invalid("cohorts.error.dates_count")
        dates = [cohorts.parse_day(word) for word in args[1:4]]
        changed = cohort_admin.change_dates(caller, actor, cohort, dates)
        ctx.reply(receipts.dates_changed(caller.language, changed, dates))

    def cohort_archive(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 1)
        ctx.reply(receipts.cohort_archived(caller.language, cohort_admin.archive_cohort(caller, args[0])))

    def cohort_quiet(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        """`cohort quiet <cohort> [<from> <to> | clear]`: the calendar, a new quiet period, or none at all."""
        _need(args, 1)
        actor = caller.actor()
        cohort = cohort_admin.managed_cohort(caller, actor, args[0])  # who may, before what was typed
        blocks = quiet_reply(caller.language, quiet_periods.run_quiet(caller, actor, cohort, args[1:]))
        ctx.reply(blocks[0]["text"]["text"], blocks)

    # coach

    def coach_add(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 1)
        user_ids, rest = _people(args[1:])
        if rest or not user_ids:
            raise Invalid("members.error.user_missing")
        added = cohort_admin.add_people(
            caller, args[0], user_ids=user_ids, role=Role.COACH, organisation=None, welcome=self.welcome
        )
        ctx.reply(receipts.people_added(caller.language, added))

    def coach_remove(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 1)
        user_ids, rest = _people(args[1:])
        if rest or not user_ids:
            raise Invalid("members.error.user_missing")
        self.remove(ctx, caller, args[0], user_ids, [Role.COACH])

    # org

    def org_add(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        if len(args) <= 1:
            cohort = self.form_cohort(caller, caller.actor(), args)
            view = add_organisation_view(caller.language, cohort_id=int(cohort.id or 0), cohort=cohort.name)
            self.open_form(ctx, caller, view, "organisations.usage.add")
            return
        channel_id = parse_channel(args[-1]) if len(args) >= 3 else None
        if channel_id is None:
            raise Invalid("organisations.error.channel_missing")
        name = " ".join(args[1:-1])
        added = cohort_admin.add_organisation(caller, args[0], name=name, channel_id=channel_id, goals=[])
        ctx.reply(receipts.organisation_added(caller.language, added))

    # goal

    def goal_add(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 3)
        added = cohort_admin.add_goal(caller, args[0], args[1], " ".join(args[2:]))
        ctx.reply(receipts.goal_added(caller.language, added))

    def goal_list(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 1)
        listed = cohort_admin.list_goals(caller, args[0], " ".join(args[1:]) if len(args) > 1 else None)
        ctx.reply(receipts.goal_list(caller.language, listed))

    def goal_remove(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 3)
        removed = cohort_admin.remove_goal(caller, args[0], " ".join(args[1:-1]), args[-1])
        ctx.reply(receipts.goal_removed(caller.language, removed))

    # member

    def member_add(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        if len(args) <= 1:
            actor = caller.actor()
            self.open_member_form(ctx, caller, actor, self.form_cohort(caller, actor, args))
            return
        user_ids, rest = _people(args[1:])
        if not user_ids:
            raise Invalid("members.error.user_missing")
        if not rest:
            raise Invalid("members.error.role_missing")
        role = members.parse_role(rest[0])
        added = cohort_admin.add_people(
            caller, args[0], user_ids=user_ids, role=role, organisation=" ".join(rest[1:]), welcome=self.welcome
        )
        failed = cohort_admin.send_welcomes(caller, added.welcomes)
        report = receipts.welcome_report(caller.language, added.welcomes, failed)
        ctx.reply(joined(filter(None, [receipts.people_added(caller.language, added), report])))

    def member_remove(self, ctx: CommandContext, caller: Caller, args: tuple[str, ...]) -> None:
        _need(args, 2)
        user_ids, rest = _people(args[1:])
        if rest or not user_ids:
            raise Invalid("members.error.user_missing")
        self.remove(ctx, caller, args[0], user_ids, members.MEMBER_ROLES)

    def remove(self, ctx: CommandContext, caller: Caller, ref: str, user_ids: list[str], roles: Sequence[Role]) -> None:
        removed = cohort_admin.remove_people(caller, ref, user_ids=user_ids, roles=roles, peer_messages=Messages())
        ctx.reply(receipts.people_removed(caller.language, removed.cohort, removed.user_ids, roles))

    # forms

    @staticmethod
    def form_cohort(caller: Caller, actor: Actor, args: tuple[str, ...]) -> Cohort:
        """The cohort named, or the one active cohort the actor manages."""
        if args:
            return cohort_admin.managed_cohort(caller, actor, args[0])
        return cohort_admin.only_cohort(caller, actor)

    def open_member_form(self, ctx: CommandContext, caller: Caller, actor: Actor, cohort: Cohort) -> None:
        choices = cohort_admin.organisation_choices(caller, cohort)
        view = add_members_view(
            caller.language,
            cohort_id=int(cohort.id or 0),
            cohort=cohort.name,
            organisations=choices,
            allow_coach=actor.is_admin,
        )
        self.open_form(ctx, caller, view, "members.usage.add")

    def open_form(self, ctx: CommandContext, caller: Caller, view: dict[str, Any], usage_key: str) -> None:
        """Open a modal with the command's trigger_id (valid for 3 seconds, so straight after the ack)."""
        try:
            ctx.client.views_open(trigger_id=str(ctx.body.get("trigger_id", "")), view=view)
        except SlackApiError as error:
            code = error_code(error)
            log.warning("views.open failed: %s", code)
            language = caller.language
            ctx.reply(say(language, "forms.error.open", error=str(code)) + "\n" + say(language, usage_key))


def opens_form(verb: str, most_args: int) -> FormTest:
    """A group invocation opens a form when its verb is `verb` with at most `most_args` words after it."""
    return lambda args: bool(args) and args[0].lower() == verb and len(args) - 1 <= most_args


def add_subcommands(router: Subcommands, deps: Deps) -> None:
    """Add `cohort`, `coach`, `org`, `goal` and `member` to the `/mentori` router (the forms' submissions are
    registered by handlers.cohort_views)."""
    commands = CohortCommands(deps)
    router.add(
        "cohort",
        commands.group(
            "cohort",
            {
                "create": (commands.cohort_create, "cohorts.usage.create"),
                "list": (commands.cohort_list, "cohorts.usage.list"),
                "show": (commands.cohort_show, "cohorts.usage.show"),
                "dates": (commands.cohort_dates, "cohorts.usage.dates"),
                "archive": (commands.cohort_archive, "cohorts.usage.archive"),
                "quiet": (commands.cohort_quiet, "calendar.usage.quiet"),
            },
        ),
        opens_form=opens_form("create", 0),
    )
    router.add(
        "coach",
        commands.group(
            "coach",
            {
                "add": (commands.coach_add, "members.usage.coach_add"),
                "remove": (commands.coach_remove, "members.usage.coach_remove"),
            },
        ),
    )
    router.add(
        "org",
        commands.group("org", {"add": (commands.org_add, "organisations.usage.add")}),
        opens_form=opens_form("add", 1),
    )
    router.add(
        "goal",
        commands.group(
            "goal",
            {
                "add": (commands.goal_add, "organisations.usage.goal_add"),
                "list": (commands.goal_list, "organisations.usage.goal_list"),
                "remove": (commands.goal_remove, "organisations.usage.goal_remove"),
            },
        ),
    )
    router.add(
        "member",
        commands.group(
            "member",
            {
                "add": (commands.member_add, "members.usage.add"),
                "remove": (commands.member_remove, "members.usage.remove"),
            },
        ),
        opens_form=opens_form("add", 1),
    )
