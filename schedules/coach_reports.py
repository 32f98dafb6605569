"""Telling coaches what could not go out in their cohort: one DM per cohort and coach, each cause told once.

A report gathers what has newly gone wrong since the last one: prompts that failed for good (mentors named once per
error: a mentor who left Slack fails every week, the coaches hear of it once), prompts skipped as too late, HR
summaries that could not be posted and why, and other messages that failed or came too late. Each such row is
marked reported (`error_reported_at`) in the same transaction that puts the report in the outbox, so a report is
written exactly once, and goes out with the same guarantees as everything else.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bot.blocks.notices import CohortReport, coach_report
from bot.cohort_calendar import QUIET
from bot.programmes import programme_by_id
from bot.slack_api import WORKSPACE_ERRORS
from schedules.slack_steps import LATE
from storage.db import session_scope
from storage.models import (
    Cohort,
    Delivery,
    DeliveryStatus,
    Member,
    MemberStatus,
    MessageKind,
    Organisation,
    OutboxMessage,
    Role,
    SummaryPost,
)
from storage.outbox_messages import Envelope, enqueue, post, summary_post_of

log = logging.getLogger(__name__)

REPORT_FOR = timedelta(days=7)
UNREPORTED = (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)
NOT_REPORTED_KINDS = (MessageKind.COACH_REPORT, MessageKind.NOTICE, MessageKind.DELETION)


def report_to_coaches(engine: Engine, *, now: datetime) -> dict[int, CohortReport]:
    """Mark everything newly gone wrong reported and put one report per cohort and coach in the outbox."""
    with session_scope(engine) as session:
        reports: dict[int, CohortReport] = defaultdict(lambda: CohortReport(""))
        _prompts(session, reports, now)
        _messages(session, reports, now)
        for cohort_id, report in reports.items():
            cohort = session.get(Cohort, cohort_id)
            if cohort is None or not report:
                continue
            report.cohort = cohort.name
            _enqueue(session, cohort, report, now)
        return {cohort_id: report for cohort_id, report in reports.items() if report}


def _prompts(session: Session, reports: dict[int, CohortReport], now: datetime) -> None:
    rows = session.exec(
        select(
            Delivery.id,
            Delivery.cohort_id,
            Delivery.member_id,
            Delivery.status,
            Delivery.last_error,  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
            Delivery.step_id,
        ).where(col(Delivery.status).in_(UNREPORTED), col(Delivery.error_reported_at).is_(None))
    ).all()
    failed: dict[tuple[int, str], set[int]] = defaultdict(set)
    late: dict[int, set[int]] = defaultdict(set)
    quiet: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    taken: list[int] = []
    for delivery_id, cohort_id, member_id, status, code, step_id in rows:
        if status == DeliveryStatus.SKIPPED and code not in (LATE, QUIET):
            continue  # skipped by the mentor, or paused: nothing went wrong
        if not _mark(session, Delivery, delivery_id, now):
            continue
        taken.append(delivery_id)
        if code == QUIET:
            quiet[cohort_id][step_id].add(member_id)
        elif status == DeliveryStatus.FAILED:
            failed[(cohort_id, code or "unknown")].add(member_id)
        else:
            reports[cohort_id].late += 1
            late[cohort_id].add(member_id)
    for cohort_id, members in late.items():
        reports[cohort_id].late_mentors = len(members)
    for cohort_id, steps in quiet.items():
        _quiet_steps(session, reports[cohort_id], cohort_id, steps)
    for (cohort_id, code), member_ids in sorted(failed.items()):
        earlier = set(
            session.exec(
                select(Delivery.member_id).where(
                    col(Delivery.cohort_id) == cohort_id,
                    col(Delivery.status) == DeliveryStatus.FAILED,
                    col(Delivery.last_error) == code,
                    col(Delivery.error_reported_at).is_not(None),
                    col(Delivery.id).not_in(taken),
                )
            ).all()
        )
        fresh = sorted(member_ids - earlier)
        if fresh:
            users = session.exec(select(Member.user_id).where(col(Member.id).in_(fresh)).order_by(col(Member.user_id)))
            reports[cohort_id].failed[code] = list(users)


def _quiet_steps(session: Session, report: CohortReport, cohort_id: int, steps: dict[str, set[int]]) -> None:
    """Prompts skipped because they fell in a quiet period and could not move in time, with the steps' labels."""
    cohort = session.get(Cohort, cohort_id)
    try:
        programme = programme_by_id(cohort.programme) if cohort else None
    except KeyError:
        programme = None
    report.quiet = sum(len(members) for members in steps.values())
    report.quiet_mentors = len(set().union(*steps.values()))
    known = {step.id: step for step in programme.steps} if programme else {}
    report.quiet_steps.extend(known[step_id].label for step_id in sorted(steps) if step_id in known)


def _messages(session: Session, reports: dict[int, CohortReport], now: datetime) -> None:
    rows = session.exec(
        select(
            OutboxMessage.id,
            OutboxMessage.cohort_id,
            OutboxMessage.kind,
            OutboxMessage.key,  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
            OutboxMessage.last_error,
        ).where(
            col(OutboxMessage.status).in_(UNREPORTED),
            col(OutboxMessage.error_reported_at).is_(None),
            col(OutboxMessage.cohort_id).is_not(None),
            col(OutboxMessage.kind).not_in(NOT_REPORTED_KINDS),
        )
    ).all()
    for row_id, cohort_id, kind, key, code in rows:
        if not _mark(session, OutboxMessage, row_id, now):
            continue
        code = code or "unknown"
        if kind == MessageKind.SUMMARY:
            reports[cohort_id].summaries.append((_organisation_of(session, key), code))
        else:
            other = reports[cohort_id].other
            other[(kind, code)] = other.get((kind, code), 0) + 1


def _mark(session: Session, model: type[Delivery] | type[OutboxMessage], row_id: int, now: datetime) -> bool:
    """Take the row for this report (False when another process reported it first)."""
    unreported = (col(model.id) == row_id, col(model.error_reported_at).is_(None))
    taken = session.exec(update(model).where(*unreported).values(error_reported_at=now))
    return taken.rowcount == 1


def _organisation_of(session: Session, key: str) -> str:
    """The organisation a summary post's outbox key (`summary:<summary post id>`) is for."""
    summary_id = summary_post_of(key)
    post_row = session.get(SummaryPost, summary_id) if summary_id is not None else None
    organisation = session.get(Organisation, post_row.organisation_id) if post_row else None
    return organisation.name if organisation else "?"


def _enqueue(session: Session, cohort: Cohort, report: CohortReport, now: datetime) -> None:
    coaches = session.exec(
        select(Member.id, Member.user_id, Member.language).where(
            Member.cohort_id == cohort.id, Member.role == Role.COACH, Member.status == MemberStatus.ACTIVE
        )
    ).all()
    if not coaches:
        log.warning("cohort %s has problems to report and no coach to tell", cohort.id)
    for member_id, user_id, language in coaches:
        message = coach_report(language or cohort.language, report, workspace_errors=WORKSPACE_ERRORS)
        enqueue(
            session,
            Envelope(
                kind=MessageKind.COACH_REPORT,
                key=f"report:{cohort.id}:{user_id}:{now.isoformat()}",
                team_id=cohort.team_id,
                due_at=now,
                latest_at=now + REPORT_FOR,
                payload=post(message),
                user_id=user_id,
                cohort_id=cohort.id,
                member_id=member_id,
            ),
            now=now,
        )
