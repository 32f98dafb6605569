"""Telling a cohort's coaches which mentors prompts could not reach: one DM per cohort and kind of error.

A failed delivery is reported once (`error_reported_at`), and a mentor already reported for the same error in the
same cohort is not named again: a mentor who left Slack fails every week, the coaches hear about it once.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine, update
from sqlmodel import col, select

from bot.blocks.delivery_report import failure_report
from schedules.sender import WORKSPACE_ERRORS, SlackFailure, call, open_dm
from storage.db import session_scope
from storage.models import Cohort, Delivery, DeliveryStatus, Member, MemberStatus, Role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    """One DM to write: a cohort's coaches, one error, the mentors newly affected by it."""

    team_id: str
    cohort: str
    code: str
    user_ids: tuple[str, ...]
    coaches: tuple[tuple[str, str], ...]  # (user id, language)


def report_failures(engine: Engine, client_for: Callable[[str], WebClient], *, now: datetime) -> list[Report]:
    """Mark every unreported failure reported and DM the coaches about the mentors it newly concerns."""
    reports = _collect(engine, now)
    for report in reports:
        _send(client_for, report)
    return reports


def _collect(engine: Engine, now: datetime) -> list[Report]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(Delivery.id, Delivery.cohort_id, Delivery.member_id, Delivery.last_error).where(
                col(Delivery.status) == DeliveryStatus.FAILED, col(Delivery.error_reported_at).is_(None)
            )
        ).all()
        mine: dict[tuple[int, str], set[int]] = defaultdict(set)
        ids: list[int] = []
        for delivery_id, cohort_id, member_id, code in rows:
            taken = session.exec(
                update(Delivery)
                .where(col(Delivery.id) == delivery_id, col(Delivery.error_reported_at).is_(None))
                .values(error_reported_at=now)
            )
            if taken.rowcount == 1:
                mine[(cohort_id, code or "unknown")].add(member_id)
                ids.append(delivery_id)
        reports = []
        for (cohort_id, code), member_ids in sorted(mine.items()):
            earlier = set(
                session.exec(
                    select(Delivery.member_id).where(
                        col(Delivery.cohort_id) == cohort_id,
                        col(Delivery.status) == DeliveryStatus.FAILED,
                        col(Delivery.last_error) == code,
                        col(Delivery.error_reported_at).is_not(None),
                        col(Delivery.id).not_in(ids),
                    )
                ).all()
            )
            fresh = sorted(member_ids - earlier)
            cohort = session.get(Cohort, cohort_id)
            if not fresh or cohort is None:
                continue
            users = session.exec(
                select(Member.user_id).where(col(Member.id).in_(fresh)).order_by(col(Member.user_id))
            ).all()
            coaches = session.exec(
                select(Member.user_id, Member.language).where(
                    Member.cohort_id == cohort_id, Member.role == Role.COACH, Member.status == MemberStatus.ACTIVE
                )
            ).all()
            reports.append(
                Report(
                    team_id=cohort.team_id,
                    cohort=cohort.name,
                    code=code,
                    user_ids=tuple(users),
                    coaches=tuple((user_id, language or cohort.language) for user_id, language in coaches),
                )
            )
        return reports


def _send(client_for: Callable[[str], WebClient], report: Report) -> None:
    if not report.coaches:
        log.warning("prompts of cohort %r failed (%s) for %d mentors and the cohort has no coach to tell",
                    report.cohort, report.code, len(report.user_ids))  # fmt: skip
        return
    for coach, language in report.coaches:
        message = failure_report(language, cohort=report.cohort, code=report.code, user_ids=report.user_ids,
                                 workspace_wide=report.code in WORKSPACE_ERRORS)  # fmt: skip
        try:
            client = client_for(report.team_id)
            channel = _patiently(lambda c=client, u=coach: open_dm(c, u))
            _patiently(lambda c=client, ch=channel, m=message: call(c.chat_postMessage, channel=ch, **m))
        except (SlackFailure, LookupError) as error:
            log.warning("could not tell a coach of cohort %r that prompts failed (%s): %s",
                        report.cohort, report.code, getattr(error, "code", error.__class__.__name__))  # fmt: skip


def _patiently(action: Callable[[], Any], tries: int = 3) -> Any:
    """Run a Slack call, waiting out a rate limit or a passing server error a couple of times."""
    for attempt in range(tries):
        try:
            return action()
        except SlackFailure as failure:
            if not failure.transient or failure.maybe_done or attempt == tries - 1:
                raise
            time.sleep(failure.retry_after if failure.retry_after is not None else 1.0 + attempt)
    raise AssertionError("unreachable")
