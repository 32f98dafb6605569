"""A small workspace for the coach and admin tests: people in every role, two cohorts, and a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from storage.db import session_scope
from storage.models import Cohort, Delivery, Goal, Member, Organisation, ProgrammeSession, Role
from tests.support.app_driver import SlackDriver
from tests.support.fake_slack import Call, FakeSlack

NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # a Monday morning in Helsinki
DATES = (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8))
ADMIN, COACH, OTHER_COACH, MENTOR, HR, OUTSIDER = "UADMIN", "UCOACH", "UCOACHB", "UMENTOR", "UHR", "UOUTSIDER"
NEWCOMERS = ("UNEW1", "UNEW2")
HR_CHANNEL, PUBLIC_CHANNEL, CLOSED_CHANNEL = "GHRVERO", "CPUBLIC", "GCLOSED"


def add_people(fake: FakeSlack) -> None:
    """Everyone the tests talk about, English-speaking so the replies can be read in one language."""
    fake.add_user(ADMIN, name="Ada Admin", locale="en-GB", is_admin=True)
    for user_id in (COACH, OTHER_COACH, MENTOR, HR, OUTSIDER):
        fake.add_user(user_id, name=user_id.title(), locale="en-GB")
    fake.add_user("UNEW1", name="Noora Uusi", locale="fi-FI", email="noora@example.com")
    fake.add_user("UNEW2", name="Nils Ny", locale="sv-FI", tz="Europe/Helsinki", email="nils@example.com")
    fake.add_user("UGONE", name="Gone Person", deleted=True, email="gone@example.com")
    fake.add_user("UAPP", name="Some App", is_bot=True, email="app@example.com")
    fake.add_channel(HR_CHANNEL, name="hr-vero")
    fake.add_channel("GHRKELA", name="hr-kela")
    fake.add_channel(PUBLIC_CHANNEL, name="general", is_private=False)
    fake.add_channel(CLOSED_CHANNEL, name="hr-secret", is_member=False)


@dataclass(frozen=True)
class Seeded:
    cohort_a: int
    cohort_b: int
    organisation: int


def seed(engine: Engine, *, language: str = "en", team_id: str = "T111") -> Seeded:
    """Cohort A (coached by COACH, with MENTOR and HR of “Vero”) and cohort B (coached by OTHER_COACH)."""
    with session_scope(engine) as session:
        cohort_a = _cohort(session, team_id, "Spring 2027", language)
        cohort_b = _cohort(session, team_id, "Autumn 2027", language)
        vero = Organisation(team_id=team_id, cohort_id=cohort_a.id, name="Vero", hr_channel_id=HR_CHANNEL)
        session.add(vero)
        session.flush()
        session.add(Goal(team_id=team_id, organisation_id=vero.id, text="Growing into an expert role", position=1))
        session.add_all(
            [
                Member(team_id=team_id, cohort_id=cohort_a.id, user_id=COACH, role=Role.COACH, joined_at=NOW),
                Member(
                    team_id=team_id,
                    cohort_id=cohort_a.id,
                    user_id=MENTOR,
                    role=Role.MENTOR,
                    organisation_id=vero.id,
                    joined_at=NOW,
                ),
                Member(
                    team_id=team_id,
                    cohort_id=cohort_a.id,
                    user_id=HR,
                    role=Role.HR,
                    organisation_id=vero.id,
                    joined_at=NOW,
                ),
                Member(team_id=team_id, cohort_id=cohort_b.id, user_id=OTHER_COACH, role=Role.COACH, joined_at=NOW),
            ]
        )
        return Seeded(cohort_a.id, cohort_b.id, vero.id)  # type: ignore[arg-type]  # a stored row's id is set


def _cohort(session: Session, team_id: str, name: str, language: str) -> Cohort:
    cohort = Cohort(team_id=team_id, name=name, language=language, created_at=NOW)
    session.add(cohort)
    session.flush()
    for number, value in enumerate(DATES, start=1):
        session.add(ProgrammeSession(team_id=team_id, cohort_id=cohort.id, number=number, date=value))
    session.flush()
    return cohort


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row Mentori's coach and admin actions could write, to show that a refused action wrote nothing."""
    tables: dict[str, Any] = {
        "cohort": Cohort,
        "programme_session": ProgrammeSession,
        "organisation": Organisation,
        "goal": Goal,
        "member": Member,
        "delivery": Delivery,
    }
    with Session(engine) as session:
        return {
            name: [tuple(row.model_dump().values()) for row in session.exec(select(model).order_by(col(model.id)))]
            for name, model in tables.items()
        }


def members_of(engine: Engine, cohort_id: int) -> dict[tuple[str, str], Member]:
    with Session(engine) as session:
        rows = session.exec(select(Member).where(Member.cohort_id == cohort_id))
        return {(m.user_id, m.role): m for m in rows}


class Commands:
    """Types `/mentori …` as a user and reads the ephemeral answer sent to the command's response_url."""

    def __init__(self, slack: SlackDriver, fake: FakeSlack) -> None:
        self.slack, self.fake = slack, fake

    def run(self, text: str, user_id: str = COACH) -> Call | None:
        before = len(self.fake.calls_to("response_url"))
        reply = self.slack.command(text, user_id=user_id, response_url=self.fake.response_url())
        assert reply.status == 200
        answers = self.fake.calls_to("response_url")[before:]
        assert len(answers) <= 1, answers
        return answers[0] if answers else None

    def say(self, text: str, user_id: str = COACH) -> str:
        """The answer's text (and its blocks' texts), checking it was only shown to the user."""
        answer = self.run(text, user_id)
        assert answer is not None, f"no answer to /mentori {text}"
        assert answer.args["response_type"] == "ephemeral"
        return all_text(answer.args)


def all_text(node: Any) -> str:
    if isinstance(node, dict):
        return "\n".join(all_text(v) for k, v in node.items() if k not in ("type", "action_id", "_name"))
    if isinstance(node, list):
        return "\n".join(all_text(item) for item in node)
    return node if isinstance(node, str) else ""
