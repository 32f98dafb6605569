"""A cohort's programme: the built-in Feeniks template, or one a coach uploaded (checked like `programme check`).

An uploaded template is stored under an id made from a hash of its text, so a cohort's programme never changes under
it; the cohort only points at another template, and only before its first session is started.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.authz import Actor, require_manager
from bot.cohorts import Invalid, require_active
from bot.programmes import (
    Programme,
    ProgrammeError,
    default_programme,
    parse_programme,
    programme_by_id,
    timeline,
    use_template_source,
)
from storage.models import Cohort, ProgrammeSession, ProgrammeTemplate

PREFIX = "custom-"


@dataclass(frozen=True)
class Choice:
    """A template a coach may pick for a cohort."""

    id: str
    name: str


def install(engine: Engine) -> None:
    """Let `programme_by_id` find uploaded templates in this database."""

    def source(programme_id: str) -> str | None:
        if not programme_id.startswith(PREFIX):
            return None
        with Session(engine) as session:
            found = session.get(ProgrammeTemplate, programme_id)
            return found.source if found else None

    use_template_source(source)


def template_id(text: str) -> str:
    return PREFIX + hashlib.sha256(text.encode()).hexdigest()[:24]


def check_text(data: bytes, name: str) -> tuple[str, Programme]:
    """The text and the programme of an uploaded template; ProgrammeError with every problem otherwise."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProgrammeError([f"{name}: not UTF-8 text"]) from None
    return text, parse_programme(text, name)


def choices(session: Session, team_id: str, language: str = "en") -> list[Choice]:
    """The built-in template first (its name in `language`), then the workspace's uploads, newest first."""
    built_in = default_programme()
    newest_first = col(ProgrammeTemplate.created_at).desc()
    uploads = session.exec(select(ProgrammeTemplate).where(ProgrammeTemplate.team_id == team_id).order_by(newest_first))
    return [Choice(built_in.id, built_in.name.get(language)), *(Choice(t.id, t.name) for t in uploads)]


def session_dates(session: Session, cohort: Cohort) -> dict[int, date]:
    rows = session.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort.id))
    return {row.number: row.date for row in rows}


def preview(programme: Programme, dates: dict[int, date], tz: str) -> list[tuple[datetime, str, str]]:
    """(moment, kind, step id) of every step with the cohort's real session dates, in time order."""
    return [(entry.moment, entry.step.kind, entry.step.id) for entry in timeline(programme, dates, tz)]


def check_choice(session: Session, actor: Actor, cohort: Cohort) -> None:
    """Whether the actor may change the cohort's programme now: a manager, an active cohort, nothing started."""
    require_manager(actor, cohort)
    require_active(cohort)
    started = session.exec(
        select(ProgrammeSession.number).where(
            ProgrammeSession.cohort_id == cohort.id, col(ProgrammeSession.started_at).is_not(None)
        )
    ).first()
    if started is not None:
        raise Invalid("programmes.error.started", cohort=cohort.name)


def use(
    session: Session,
    actor: Actor,
    cohort: Cohort,
    programme_id: str,
    *,
    upload: tuple[str, str] | None = None,
    now: datetime,
) -> Programme:
    """Point the cohort at a template (storing an upload `(name, text)` first); Invalid if not allowed now."""
    check_choice(session, actor, cohort)
    if upload is not None:
        name, text = upload
        programme_id = template_id(text)
        if session.get(ProgrammeTemplate, programme_id) is None:
            session.add(
                ProgrammeTemplate(id=programme_id, team_id=cohort.team_id, name=name[:200], source=text, created_at=now)
            )
            session.flush()
    elif programme_id != default_programme().id:
        found = session.get(ProgrammeTemplate, programme_id)
        if found is None or found.team_id != cohort.team_id:
            raise Invalid("programmes.error.unknown")
    cohort.programme = programme_id
    session.add(cohort)
    session.flush()
    if upload is not None:  # not committed yet: programme_by_id, which reads committed rows, could not see it
        return replace(parse_programme(upload[1], upload[0]), id=programme_id)
    return programme_by_id(programme_id)
