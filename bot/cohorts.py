"""Cohorts: create, find, list, show, change session dates, archive."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.authz import Actor
from bot.i18n import LANGUAGES
from bot.names import clean_name
from bot.planning import cancel_open, replan_cohort
from storage.models import (
    Cohort,
    CohortStatus,
    Delivery,
    Goal,
    Member,
    MemberStatus,
    Organisation,
    ProgrammeSession,
    Role,
)

NAME_MAX = 80
SESSIONS = (1, 2, 3)
DEFAULT_PROGRAMME_ID = "feeniks"
COMMON_TIMEZONES = (
    "Europe/Helsinki",
    "Europe/Mariehamn",
    "Europe/Stockholm",
    "Europe/Tallinn",
    "Europe/Riga",
    "Europe/Vilnius",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Berlin",
    "Europe/Brussels",
    "Europe/London",
    "UTC",
)
_FINNISH_DATE = re.compile(r"^([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})$")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
MAX_YEARS_AHEAD = 3  # a programme is planned at most this far ahead: further is a typo in the year


class Invalid(ValueError):
    """Input Mentori cannot use; `key` names the catalogue text saying what was wrong and how to write it.

    `field` names the form field the problem belongs to (a modal's block id), when there is one.
    """

    def __init__(self, key: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.params = params


def parse_day(text: str, *, field: str | None = None) -> date:
    """A date written YYYY-MM-DD (or as Finns write it, D.M.YYYY); Invalid shows the format otherwise."""
    value = text.strip()
    iso, finnish = _ISO_DATE.match(value), _FINNISH_DATE.match(value)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if finnish:
            return date(int(finnish[3]), int(finnish[2]), int(finnish[1]))
    except ValueError:
        pass
    raise Invalid("cohorts.error.date_format", field=field, value=value)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def today_in(timezone: str, now: datetime) -> date:
    """Today's date where the cohort lives."""
    return now.astimezone(ZoneInfo(timezone)).date()


def check_dates(dates: Sequence[date], *, today: date, unchanged: Mapping[int, date] | None = None) -> None:
    """Three session dates, in order, none in the past (a date left as it was may be)."""
    if len(dates) != len(SESSIONS):
        raise Invalid("cohorts.error.dates_count")
    kept = unchanged or {}
    latest = _years_after(today, MAX_YEARS_AHEAD)
    for number, value in zip(SESSIONS, dates, strict=True):
        if value < today and kept.get(number) != value:
            raise Invalid(
                "cohorts.error.date_past",
                field=f"session_{number}",
                n=number,
                value=value.isoformat(),
                today=today.isoformat(),
            )
        if value > latest and kept.get(number) != value:
            raise Invalid(
                "cohorts.error.date_far",
                field=f"session_{number}",
                n=number,
                value=value.isoformat(),
                latest=latest.isoformat(),
            )
    for number in SESSIONS[1:]:
        previous, value = dates[number - 2], dates[number - 1]
        if value <= previous:
            raise Invalid(
                "cohorts.error.date_order",
                field=f"session_{number}",
                n=number,
                value=value.isoformat(),
                previous=number - 1,
                previous_value=previous.isoformat(),
            )


def visible_name(text: str, *, field: str | None) -> str:
    """`clean_name(text)`; refused when the text had something in it but nothing visible ("" stays "")."""
    cleaned = clean_name(text)
    if not cleaned and text.strip():
        raise Invalid("common.invisible", field=field)
    return cleaned


def check_name(name: str, *, field: str | None = "name") -> str:
    cleaned = visible_name(name, field=field)
    if not cleaned:
        raise Invalid("cohorts.error.name_empty", field=field)
    if len(cleaned) > NAME_MAX:
        raise Invalid("cohorts.error.name_long", field=field, max=NAME_MAX)
    return cleaned


def check_language(value: str, *, field: str | None = "language") -> str:
    language = value.strip().lower()
    if language not in LANGUAGES:
        raise Invalid("cohorts.error.language", field=field, value=value)
    return language


def check_timezone(value: str, *, field: str | None = "timezone") -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("cohorts.error.timezone", field=field, value=value) from None
    return value


def _by_name(team_id: str, name: str) -> Any:
    return select(Cohort).where(Cohort.team_id == team_id, func.lower(Cohort.name) == name.strip().lower())


def find_cohort(session: Session, team_id: str, name: str) -> Cohort:
    """The workspace's cohort of that name, whatever its case; Invalid when there is none."""
    cohort: Cohort | None = session.exec(_by_name(team_id, clean_name(name))).first()
    if cohort is None:
        raise Invalid("cohorts.error.unknown_cohort", name=name)
    return cohort


def get_cohort(session: Session, team_id: str, cohort_id: int) -> Cohort:
    """A cohort by id, only within the workspace (ids from a modal's metadata are not trusted)."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or cohort.team_id != team_id:
        raise Invalid("cohorts.error.gone")
    return cohort


def name_taken(session: Session, team_id: str, name: str) -> bool:
    """True when any cohort of the workspace, archived or not, has this name in any case."""
    return session.exec(_by_name(team_id, name)).first() is not None


def require_active(cohort: Cohort) -> None:
    if cohort.status != CohortStatus.ACTIVE:
        raise Invalid("cohorts.error.archived", cohort=cohort.name)


def create_cohort(
    session: Session,
    *,
    team_id: str,
    name: str,
    language: str,
    timezone: str,
    dates: Sequence[date],
    now: datetime,
    programme: str = DEFAULT_PROGRAMME_ID,
    created_by: str | None = None,
) -> Cohort:
    """A new active cohort with its three sessions; Invalid if a value is wrong or the name is taken."""
    name = check_name(name)
    language = check_language(language)
    timezone = check_timezone(timezone)
    check_dates(dates, today=today_in(timezone, now))
    if name_taken(session, team_id, name):
        raise Invalid("cohorts.error.name_taken", field="name", name=name)
    cohort = Cohort(
        team_id=team_id,
        name=name,
        language=language,
        timezone=timezone,
        programme=programme,
        created_by=created_by,
        created_at=now,
    )
    session.add(cohort)
    session.flush()
    for number, value in zip(SESSIONS, dates, strict=True):
        session.add(ProgrammeSession(team_id=team_id, cohort_id=cohort.id, number=number, date=value))  # type: ignore[arg-type]  # a stored row's id is set
    session.flush()
    return cohort


def sessions_of(session: Session, cohort: Cohort) -> list[ProgrammeSession]:
    return list(
        session.exec(
            select(ProgrammeSession)
            .where(ProgrammeSession.cohort_id == cohort.id)
            .order_by(col(ProgrammeSession.number))
        )
    )


def change_dates(session: Session, cohort: Cohort, dates: Sequence[date], *, now: datetime) -> int:
    """Move the three sessions and every prompt not yet sent; returns how many prompts moved."""
    require_active(cohort)
    rows = {row.number: row for row in sessions_of(session, cohort)}
    check_dates(dates, today=today_in(cohort.timezone, now), unchanged={n: row.date for n, row in rows.items()})
    for number, value in zip(SESSIONS, dates, strict=True):
        row = rows.get(number)
        if row is None:
            session.add(ProgrammeSession(team_id=cohort.team_id, cohort_id=cohort.id, number=number, date=value))  # type: ignore[arg-type]  # a stored row's id is set
        else:
            row.date = value
            session.add(row)
    session.flush()
    return replan_cohort(session, cohort, now)


def archive_cohort(session: Session, cohort: Cohort, *, now: datetime) -> int:
    """Archive the cohort and cancel every prompt not yet sent; returns how many were cancelled."""
    if cohort.status == CohortStatus.ARCHIVED:
        raise Invalid("cohorts.error.already_archived", cohort=cohort.name)
    cohort.status = CohortStatus.ARCHIVED
    cohort.archived_at = now
    session.add(cohort)
    cancelled = cancel_open(session, Delivery.cohort_id == cohort.id)
    session.flush()
    return cancelled


def cohorts_for(session: Session, actor: Actor) -> list[Cohort]:
    """The cohorts the actor manages: all of the workspace for admins, their own for coaches."""
    query = select(Cohort).where(Cohort.team_id == actor.team_id)
    if not actor.is_admin:
        coached = [cohort_id for cohort_id in actor.roles if actor.holds(cohort_id, Role.COACH)]
        query = query.where(col(Cohort.id).in_(coached))
    cohorts = list(session.exec(query.order_by(col(Cohort.created_at), col(Cohort.id))))
    return sorted(cohorts, key=lambda cohort: cohort.status != CohortStatus.ACTIVE)


@dataclass(frozen=True)
class OrganisationOverview:
    organisation: Organisation
    goals: tuple[str, ...]
    mentors: int
    hr: tuple[str, ...]  # user ids


@dataclass(frozen=True)
class CohortOverview:
    """What `cohort show` and the list print about one cohort."""

    cohort: Cohort
    sessions: tuple[ProgrammeSession, ...]
    coaches: tuple[str, ...]
    organisations: tuple[OrganisationOverview, ...] = field(default_factory=tuple)
    mentors: int = 0

    def date_of(self, number: int) -> date | None:
        return next((row.date for row in self.sessions if row.number == number), None)


def overview(session: Session, cohort: Cohort) -> CohortOverview:
    members = list(
        session.exec(
            select(Member)
            .where(Member.cohort_id == cohort.id, Member.status == MemberStatus.ACTIVE)
            .order_by(col(Member.joined_at), col(Member.id))
        )
    )
    organisations = list(
        session.exec(select(Organisation).where(Organisation.cohort_id == cohort.id).order_by(col(Organisation.id)))
    )
    goals = _goals_by_organisation(session, [o.id for o in organisations if o.id is not None])
    described = tuple(
        OrganisationOverview(
            organisation=organisation,
            goals=tuple(goals.get(organisation.id, ())),  # type: ignore[arg-type]  # a stored row's id is set
            mentors=sum(1 for m in members if m.role == Role.MENTOR and m.organisation_id == organisation.id),
            hr=tuple(m.user_id for m in members if m.role == Role.HR and m.organisation_id == organisation.id),
        )
        for organisation in organisations
    )
    return CohortOverview(
        cohort=cohort,
        sessions=tuple(sessions_of(session, cohort)),
        coaches=tuple(m.user_id for m in members if m.role == Role.COACH),
        organisations=described,
        mentors=sum(1 for m in members if m.role == Role.MENTOR),
    )


def _goals_by_organisation(session: Session, organisation_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(organisation_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Goal).where(col(Goal.organisation_id).in_(ids)).order_by(col(Goal.position), col(Goal.id))
    )
    found: dict[int, list[str]] = {}
    for goal in rows:
        found.setdefault(goal.organisation_id, []).append(goal.text)
    return found
