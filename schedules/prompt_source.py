"""Prompts for the sender: the `delivery` table's due rows, each built into its DM (a kickoff or a prompt)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.blocks.kickoff import kickoff_message
from bot.blocks.prompt import Place, kickoff_prompt, metadata_delivery_id, prompt_message
from bot.kickoff import kickoff_context
from bot.planning import mentor_context, session_dates
from bot.programmes import Programme, Step, programme_by_id
from bot.programmes.render import StepContext, fill
from bot.work_calendar import WorkPolicy, next_slot
from schedules import claims
from schedules.claims import Outcome, Scope
from schedules.outbox import TABLE, Claim, Triage, by_id, claim_due, known_channels, latest_useful, reachable
from schedules.outbox import triage_due as triage_prompts
from schedules.slack_steps import Task
from storage.models import Cohort, Delivery, DeliveryStatus, Experiment, ExperimentStatus, Goal, Member

log = logging.getLogger(__name__)


class PromptSource:
    """Kickoff DMs and prompts (the `delivery` table)."""

    name = "prompts"

    def __init__(self, scope: Scope | None = None) -> None:
        self.scope = scope or claims.EVERYTHING

    def triage(self, session: Session, now: datetime) -> Triage:
        return triage_prompts(session, now=now)

    def claim(
        self, engine: Engine, *, worker: str, now: datetime, limit: int, lease: timedelta, paused: frozenset[str]
    ) -> list[Claim]:
        scope = Scope(paused=paused, ids=self.scope.ids)
        return claim_due(engine, worker=worker, now=now, limit=limit, lease=lease, scope=scope)

    def record(self, engine: Engine, outcomes: Sequence[Outcome], *, worker: str, now: datetime) -> list[Outcome]:
        return claims.record(engine, TABLE, outcomes, worker=worker, now=now)

    def prepare(self, engine: Engine, claimed: Sequence[Claim], moment: datetime) -> tuple[list[Task], list[Outcome]]:
        """Each claim's message, or its outcome when it cannot be sent (mentor gone, step unknown)."""
        ready: list[Task] = []
        settled: list[Outcome] = []
        with Session(engine) as session:
            cohorts = by_id(session, Cohort, (claim.cohort_id for claim in claimed))
            members = by_id(session, Member, (claim.member_id for claim in claimed))
            channels = known_channels(session, members)
            contexts = step_contexts(session, members.values(), now=moment)
            per_cohort = _per_cohort(session, cohorts.values(), members.values())
            for claim in claimed:
                cohort, member = cohorts.get(claim.cohort_id), members.get(claim.member_id)
                if not reachable(cohort, member):
                    settled.append(Outcome(claim.id, DeliveryStatus.CANCELLED))
                    continue
                assert cohort is not None and member is not None
                programme, dates, policies = per_cohort[claim.cohort_id]
                policy = policies[claim.member_id]
                try:
                    message = _message(
                        session,
                        claim,
                        programme,
                        dates,
                        policy,
                        member.language or cohort.language,
                        contexts.get(claim.member_id),
                    )
                except KeyError:  # the cohort's programme no longer has this step
                    settled.append(Outcome(claim.id, DeliveryStatus.FAILED, error="unknown_step"))
                    continue
                except Exception:
                    log.exception(
                        "could not build the prompt of delivery %s", claim.id, extra={"delivery_id": claim.id}
                    )
                    settled.append(
                        Outcome(claim.id, DeliveryStatus.PLANNED, error="internal", keep_claim=claim.check_first)
                    )
                    continue
                ready.append(_task(claim, member, message, channels.get(claim.member_id), policy, cohort, moment))
        return ready, settled


def _task(
    claim: Claim,
    member: Member,
    message: dict[str, Any],
    channel: str | None,
    policy: WorkPolicy,
    cohort: Cohort,
    moment: datetime,
) -> Task:
    latest = latest_useful(claim.planned_at or claim.not_before, policy, cohort)
    task = Task(
        claim.id,
        claim.team_id,
        "post",
        message,
        _is_prompt(claim.id),
        member.user_id,
        channel,
        check=claim.check_first,
        latest_at=latest,
    )
    if claim.check_first:  # taken over: triage did not see it, so decide here once the DM has been looked at
        slot = next_slot(moment, policy)
        task.late, task.off_hours = slot > latest, slot > moment
    return task


def _is_prompt(delivery_id: int) -> Any:
    return lambda message: metadata_delivery_id(message) == delivery_id


def _per_cohort(session: Session, cohorts: Iterable[Cohort], members: Iterable[Member]) -> dict[int, Any]:
    """Each cohort's programme, session dates and its mentors' work policies."""
    members = list(members)
    found: dict[int, tuple[Programme, dict[int, date], dict[int, WorkPolicy]]] = {}
    for cohort in cohorts:
        mine = [m for m in members if m.cohort_id == cohort.id]
        found[cohort.id] = (  # type: ignore[index]  # a stored row's id is set
            programme_by_id(cohort.programme),
            session_dates(session, cohort.id),  # type: ignore[arg-type]  # a stored row's id is set
            mentor_context(session, cohort, mine),
        )
    return found


def _message(
    session: Session,
    claim: Claim,
    programme: Programme,
    dates: dict[int, date],
    policy: WorkPolicy,
    language: str,
    context: StepContext | None,
) -> dict[str, Any]:
    step: Step = programme.step(claim.step_id)
    if step.kind == "kickoff":
        delivery = session.get(Delivery, claim.id)
        assert delivery is not None
        text, blocks = kickoff_message(
            programme, step, language, kickoff_context(session, delivery, programme, language)
        )
        return kickoff_prompt(text, blocks, claim.id)
    question = fill(step, language, context or StepContext())
    local_due = claim.due_at.astimezone(ZoneInfo(policy.tz)).date()
    start = dates.get(claim.block)
    week = (local_due - start).days // 7 + 1 if start is not None else step.days // 7 + 1
    return prompt_message(step, language, question=question, place=Place(claim.block, week), delivery_id=claim.id)


def step_contexts(session: Session, members: Iterable[Member], *, now: datetime) -> dict[int, StepContext]:
    """Each mentor's placeholders: their organisation's first goal, their running (else newest planned) experiment,
    and how many weeks it has run — as bot.answers.step_context says it, for a whole batch in two queries."""
    members = list(members)
    goals = _first_goals(session, {m.organisation_id for m in members if m.organisation_id is not None})
    experiments = _current_experiments(session, [m.id for m in members if m.id is not None])
    contexts: dict[int, StepContext] = {}
    for member in members:
        experiment = experiments.get(member.id)  # type: ignore[arg-type]  # a stored row's id is set
        weeks = None
        if experiment is not None and experiment.started_at is not None:
            weeks = max(1, (now - experiment.started_at).days // 7)
        contexts[member.id] = StepContext(  # type: ignore[index]  # a stored row's id is set
            goal=goals.get(member.organisation_id) if member.organisation_id is not None else None,
            experiment=experiment.title if experiment else None,
            weeks=weeks,
        )
    return contexts


def _first_goals(session: Session, organisations: set[int]) -> dict[int, str]:
    goals: dict[int, str] = {}
    if organisations:
        for organisation_id, text in session.exec(
            select(Goal.organisation_id, Goal.text)
            .where(col(Goal.organisation_id).in_(sorted(organisations)))
            .order_by(col(Goal.organisation_id), col(Goal.position), col(Goal.id))
        ):
            goals.setdefault(organisation_id, text)
    return goals


def _current_experiments(session: Session, ids: list[int]) -> dict[int, Experiment]:
    experiments: dict[int, Experiment] = {}
    if ids:
        rank = {ExperimentStatus.RUNNING: 0, ExperimentStatus.PLANNED: 1}
        found = session.exec(
            select(Experiment)
            .where(col(Experiment.member_id).in_(ids), col(Experiment.status).in_(list(rank)))
            .order_by(col(Experiment.updated_at).desc(), col(Experiment.id).desc())
        )
        for experiment in found:
            best = experiments.get(experiment.member_id)
            if best is None or rank[experiment.status] < rank[best.status]:  # type: ignore[index]  # a status read back from the table is an ExperimentStatus
                experiments[experiment.member_id] = experiment
    return experiments
