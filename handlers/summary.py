"""`/mentori summary|export <cohort>` (coaches and the cohort's HR) and `/mentori forget @user` (admins)."""

from __future__ import annotations

import logging

from sqlmodel import Session

from bot import privacy_gate
from bot.authz import Actor, Refused, actor_for, organisations_visible_to, require_admin
from bot.blocks.kit import joined, say
from bot.blocks.summary_review import RENDERERS
from bot.cohorts import Invalid, find_cohort
from bot.commands import parse_user
from bot.deps import Deps
from bot.forget import forget_person
from bot.i18n import moment
from bot.outbox import deliver, plan_deletions, plan_file, told
from bot.privacy import PrivacyPolicy
from bot.summaries.periods import next_period_moment, period_label
from bot.summaries.posting import Posting, check_channel, post_summaries
from bot.summaries.review import rules_from
from bot.surfaces.command import CommandContext, Subcommands
from storage.db import session_scope
from storage.models import Cohort, DeliveryStatus, Organisation, OutboxMessage

log = logging.getLogger(__name__)


class _Base:
    usage = "summary.usage"

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    @property
    def policy(self) -> PrivacyPolicy:
        return PrivacyPolicy(min_group=self.deps.settings.min_group)

    def actor(self, ctx: CommandContext) -> Actor:
        return actor_for(self.deps, ctx.client, ctx.team_id, ctx.user_id)

    def target(self, ctx: CommandContext, actor: Actor) -> tuple[Cohort, list[Organisation]]:
        """The named cohort and the organisations whose figures the actor may see; Refused/Invalid otherwise."""
        name = " ".join(ctx.command.args)
        if not name:
            raise Invalid(self.usage)
        with Session(self.deps.engine) as session:
            cohort = find_cohort(session, ctx.team_id, name)
            organisations = organisations_visible_to(session, actor, cohort)
            if not organisations and not actor.may_manage(cohort):
                raise Refused("authz.hr_or_coach_only", cohort=cohort.name)
            if not organisations:
                raise Invalid("summary.error_no_organisations", cohort=cohort.name)
            return cohort, organisations

    def not_yet(self, ctx: CommandContext, cohort: Cohort) -> str:
        with Session(self.deps.engine) as session:
            when = next_period_moment(session, cohort)
        if when is None:
            return say(ctx.language, "summary.error_no_dates", cohort=cohort.name)
        return say(ctx.language, "summary.error_none_yet", cohort=cohort.name, moment=moment(ctx.language, when))

    def problem(self, ctx: CommandContext, problem: Refused | Invalid) -> None:
        text = say(ctx.language, problem.key, **problem.params)
        if problem.key in ("cohorts.error.unknown_cohort",):
            text += "\n" + say(ctx.language, self.usage)
        ctx.reply(text)


class SummaryCommand(_Base):
    """Posts the current period's summary to the HR channel of each organisation the actor may see, once."""

    def __call__(self, ctx: CommandContext) -> None:
        actor = self.actor(ctx)
        try:
            cohort, organisations = self.target(ctx, actor)
        except (Refused, Invalid) as problem:
            self.problem(ctx, problem)
            return
        result = post_summaries(
            self.deps.engine,
            ctx.client,
            int(cohort.id or 0),
            [int(o.id or 0) for o in organisations],
            policy=self.policy,
            now=self.deps.now(),
            send_now=self.deps.send_now,
            render=RENDERERS,
            rules=rules_from(self.deps.settings),
            approve_as=actor if actor.may_manage(cohort) else None,
            interim=True,
        )
        if result.period is None:
            ctx.reply(self.not_yet(ctx, cohort))
            return
        language = ctx.language
        period = period_label(cohort.programme, result.period, language)
        lines = []
        for posting in result.postings:
            if posting.waiting is not None:
                lines.append(self.waiting(language, period, posting))
            elif posting.problem is not None:
                reason = say(language, posting.problem.key, **posting.problem.params)
                lines.append(say(language, "summary.not_posted", organisation=posting.organisation, problem=reason))
            elif posting.queued:
                lines.append(
                    say(
                        language,
                        "summary.queued",
                        period=period,
                        organisation=posting.organisation,
                        channel=posting.channel_id,
                    )
                )
            elif posting.already:
                when = moment(language, posting.posted_at) if posting.posted_at else str(posting.ts)
                lines.append(
                    say(
                        language,
                        "summary.already",
                        period=period,
                        organisation=posting.organisation,
                        channel=posting.channel_id,
                        when=when,
                    )
                )
            else:
                lines.append(
                    say(
                        language,
                        "summary.posted",
                        period=period,
                        organisation=posting.organisation,
                        channel=posting.channel_id,
                    )
                )
        ctx.reply(joined(lines) or say(language, "summary.error_no_organisations", cohort=cohort.name))

    @staticmethod
    def waiting(language: str, period: str, posting: Posting) -> str:
        """A post not made: its draft is with the coaches, or a coach held it."""
        if posting.waiting == "held":
            return say(language, "summary.held", period=period, organisation=posting.organisation)
        if posting.due_at is not None:
            return say(
                language,
                "summary.waiting_due",
                period=period,
                organisation=posting.organisation,
                moment=moment(language, posting.due_at),
            )
        return say(language, "summary.waiting", period=period, organisation=posting.organisation)


class ExportCommand(_Base):
    """HR: a CSV of their organisation's figures to its HR channel. Coaches: the cohort-wide CSV to their DM."""

    usage = "summary.export_usage"

    def __call__(self, ctx: CommandContext) -> None:
        actor = self.actor(ctx)
        language = ctx.language
        try:
            cohort, organisations = self.target(ctx, actor)
        except (Refused, Invalid) as problem:
            self.problem(ctx, problem)
            return
        now = self.deps.now()
        with Session(self.deps.engine) as session:
            audiences = privacy_gate.audiences_of(session, actor, cohort)
        exports = [
            (audience, privacy_gate.csv_for(self.deps.engine, audience, policy=self.policy, now=now))
            for audience in audiences
        ]
        if not exports or exports[0][1] is None:
            ctx.reply(self.not_yet(ctx, cohort))
            return
        if actor.may_manage(cohort):
            period, csv_text = exports[0][1]
            row = self.upload(ctx, cohort, period, csv_text, user_id=ctx.user_id)
            done = say(language, "summary.export_cohort_done", cohort=cohort.name)
            ctx.reply(self.file_receipt(language, row, done, done))
            return
        lines: list[str] = []
        for organisation, (_, export) in zip(organisations, exports, strict=True):  # HR: one per organisation
            try:
                with Session(self.deps.engine) as session:
                    channel = check_channel(session, ctx.client, organisation)
            except Invalid as problem:
                reason = say(language, problem.key, **problem.params)
                lines.append(say(language, "summary.not_posted", organisation=organisation.name, problem=reason))
                continue
            period, csv_text = export or ("", "")
            row = self.upload(ctx, cohort, period, csv_text, channel_id=channel, key=str(organisation.id))
            done = say(language, "summary.export_done", organisation=organisation.name, channel=channel)
            waiting = say(language, "summary.export_queued", organisation=organisation.name, channel=channel)
            lines.append(self.file_receipt(language, row, done, waiting))
        ctx.reply(joined(lines))

    def upload(
        self,
        ctx: CommandContext,
        cohort: Cohort,
        period: str,
        csv_text: str,
        *,
        user_id: str | None = None,
        channel_id: str | None = None,
        key: str = "",
    ) -> OutboxMessage:
        """One CSV file, named for its period, with a comment in the cohort's language, through the outbox."""
        label = period_label(cohort.programme, period, cohort.language)
        comment = say(cohort.language, "summary.export_comment", cohort=cohort.name, period=label)
        filename = f"mentori-{period}.csv"
        now = self.deps.now()
        with session_scope(self.deps.engine) as session:
            row_id = plan_file(
                session,
                ctx.team_id,
                key=f"export:{cohort.id}:{key or ctx.user_id}:{now.isoformat()}",
                content=csv_text,
                filename=filename,
                title=filename,
                comment=comment,
                now=now,
                user_id=user_id,
                channel_id=channel_id,
                cohort_id=cohort.id,
            )
        return deliver(self.deps, ctx.client, [row_id])[row_id]

    def file_receipt(self, language: str, row: OutboxMessage, done: str, waiting: str) -> str:
        """What the command says of its file: there, on its way, or why it could not be sent."""
        if row.status == DeliveryStatus.SENT:
            return done
        if row.status in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED):
            log.warning("summary export upload failed: %s", row.last_error)
            told(self.deps.engine, [row], self.deps.now())
            return say(language, "summary.export_failed", error=str(row.last_error))
        return waiting


class ForgetCommand:
    """Admins only: erase a person from every table."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def __call__(self, ctx: CommandContext) -> None:
        language = ctx.language
        actor = actor_for(self.deps, ctx.client, ctx.team_id, ctx.user_id)
        try:
            require_admin(actor)
        except Refused as problem:
            ctx.reply(say(language, problem.key, **problem.params))
            return
        user_id = parse_user(ctx.command.args[0]) if len(ctx.command.args) == 1 else None
        if user_id is None:
            ctx.reply(say(language, "summary.forget_usage"))
            return
        with session_scope(self.deps.engine) as session:
            done = forget_person(session, team_id=ctx.team_id, user_id=user_id, now=self.deps.now())
            deletions = plan_deletions(session, ctx.team_id, done.messages, now=self.deps.now())
        deliver(self.deps, ctx.client, deletions)  # the messages Mentori had sent them, gone from Slack too
        if not done.anything:
            ctx.reply(say(language, "summary.forget_nothing", user=user_id))
            return
        ctx.reply(
            say(
                language,
                "summary.forget_done",
                user=user_id,
                memberships=done.memberships,
                deliveries=done.deliveries,
                answers=done.answers,
                experiments=done.experiments,
                meetings=done.meetings,
                notes=done.notes,
                summaries=done.summaries,
                other=done.other,
            )
        )


def add_subcommands(router: Subcommands, deps: Deps) -> None:
    """`/mentori summary`, `/mentori export`, `/mentori forget`."""
    router.add("summary", SummaryCommand(deps))
    router.add("export", ExportCommand(deps))
    router.add("forget", ForgetCommand(deps))
