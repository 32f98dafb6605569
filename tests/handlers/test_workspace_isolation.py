"""Two workspaces in one Mentori (OAuth mode, each with its own installation and token) never see each other's data.

Both workspaces have cohorts, organisations and people of the same names and the same Slack user ids; the first
has more mentors, different goals and answers marked ONE-ONLY, and a cohort of its own. Everything below is done
as people of the second workspace; each test then checks that the first workspace's rows are exactly as they were,
that nothing from it reached a reply, a DM, a Home tab or a file, and that every Web API call was made with the
second workspace's token.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from slack_sdk import WebClient
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel

from bot.app import create_app, create_handover
from bot.blocks.kickoff import choice_value
from bot.deps import Deps
from bot.metrics import database_registry
from bot.programmes import programme_by_id
from bot.queue_writer import QueueWriter
from bot.settings import Settings
from bot.web import MentoriWsgi, database_health
from storage.db import session_scope
from storage.models import (
    Answer,
    Cohort,
    CohortStatus,
    Delivery,
    DeliveryStatus,
    DmNote,
    Experiment,
    Goal,
    HrMeeting,
    Member,
    Organisation,
    ProgrammeSession,
    Role,
    SummaryPost,
)
from storage.oauth_tables import oauth_metadata
from tests.support import queued
from tests.support import slack_requests as requests
from tests.support.app_driver import SlackDriver, all_text
from tests.support.csv_export import export_rows
from tests.support.fake_slack import Call, FakeSlack
from tests.support.queued import run_queue
from tests.support.wsgi import call_wsgi

CLIENT_ID, CLIENT_SECRET = "111.222", "oauth-secret"
# The second id starts with the first, so a prefix match anywhere would show.
ONE, TWO = "T111", "T1112"
TOKENS = {ONE: "xoxb-one-111", TWO: "xoxb-two-222"}
NOW = datetime(2027, 2, 5, 10, 0, tzinfo=UTC)  # Friday 5 Feb 2027, 12:00 in Helsinki: the first summary is due
KICKOFF_AT = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)
SPRING_DATES = (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8))
AUTUMN_DATES = (date(2027, 9, 6), date(2027, 10, 4), date(2027, 11, 1))
ADMIN, COACH, OTHER_COACH, HR = "UADMIN", "UCOACH", "UCOACHB", "UHR"
MENTORS = ("UM01", "UM02", "UM03", "UM04", "UM05", "UM06")
MARK = "ONE-ONLY"  # in every text the first workspace holds; never in anything the second one is shown
ANSWERED, OPEN = "s1-peer-learning", "s1-goal"
NOT_FOUND = "I couldn't find that prompt among yours."
COHORT_GONE = "That cohort no longer exists, so nothing was changed."


@dataclass(frozen=True)
class Spec:
    """How one workspace is filled."""

    team: str
    channel_suffix: str
    mentors: dict[str, tuple[str, ...]]  # organisation → its mentors, in "Spring 2027"
    goal: str
    marker: str
    own_cohorts: tuple[str, ...] = ()


SPECS = {
    ONE: Spec(ONE, "1", {"Vero": MENTORS[:4], "Kela": MENTORS[4:]}, f"{MARK} goal of Vero", MARK, ("Pilot 2026",)),
    TWO: Spec(TWO, "2", {"Vero": MENTORS[:2], "Kela": MENTORS[2:3]}, "Growing into an expert role", "Two's"),
}


@dataclass
class Seeded:
    """The ids of one workspace's rows."""

    team: str
    spring: int = 0
    autumn: int = 0
    organisations: dict[str, int] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)  # mentor's user id → member id in "Spring 2027"
    open_prompts: dict[str, int] = field(default_factory=dict)  # mentor → delivery id of their open prompt
    prompt_ts: dict[str, str] = field(default_factory=dict)  # mentor → ts of their open prompt's DM
    experiment: int = 0
    note: int = 0


def add_people(fake: FakeSlack) -> None:
    """The fake's people and channels; Slack user ids are the same in both workspaces."""
    fake.add_user(ADMIN, name="Ada Admin", locale="en-GB", is_admin=True)
    for user_id in (COACH, OTHER_COACH, HR, *MENTORS):
        fake.add_user(user_id, name=user_id.title(), locale="en-GB")
    for suffix in ("1", "2"):
        fake.add_channel(f"GVERO{suffix}", name=f"hr-vero-{suffix}")
        fake.add_channel(f"GKELA{suffix}", name=f"hr-kela-{suffix}")
    fake.add_channel("GHELMET2", name="hr-helmet")
    fake.add_channel("GVERONEW2", name="hr-vero-new")


def seed(engine: Engine, fake: FakeSlack, spec: Spec) -> Seeded:
    """One workspace: "Spring 2027" under way (session 1 started, answers given, one prompt open per mentor) and
    "Autumn 2027" not started, with prompt DMs really posted with the workspace's token."""
    client = WebClient(token=TOKENS[spec.team], base_url=fake.url)
    seeded = Seeded(spec.team)
    team = spec.team
    with session_scope(engine) as session:
        spring = _cohort(session, team, "Spring 2027", SPRING_DATES, started=True)
        autumn = _cohort(session, team, "Autumn 2027", AUTUMN_DATES)
        for name in spec.own_cohorts:
            _cohort(session, team, name, AUTUMN_DATES)
        seeded.spring, seeded.autumn = int(spring.id or 0), int(autumn.id or 0)
        joined = KICKOFF_AT - timedelta(days=7)
        session.add(Member(team_id=team, cohort_id=spring.id, user_id=COACH, role=Role.COACH, joined_at=joined))
        session.add(Member(team_id=team, cohort_id=autumn.id, user_id=OTHER_COACH, role=Role.COACH, joined_at=joined))
        for org_name, mentors in spec.mentors.items():
            organisation = Organisation(
                team_id=team,
                cohort_id=spring.id,
                name=org_name,
                hr_channel_id=f"G{org_name.upper()}{spec.channel_suffix}",
            )
            session.add(organisation)
            session.flush()
            seeded.organisations[org_name] = int(organisation.id or 0)
            session.add(
                Goal(team_id=team, organisation_id=organisation.id, text=f"{spec.goal} ({org_name})", position=1)
            )
            if org_name == "Vero":
                session.add(
                    Member(
                        team_id=team,
                        cohort_id=spring.id,
                        user_id=HR,
                        role=Role.HR,
                        organisation_id=organisation.id,
                        joined_at=joined,
                    )
                )
            for user_id in mentors:
                member = Member(
                    team_id=team,
                    cohort_id=spring.id,
                    user_id=user_id,
                    role=Role.MENTOR,
                    organisation_id=organisation.id,
                    joined_at=joined,
                )
                session.add(member)
                session.flush()
                seeded.members[user_id] = int(member.id or 0)
                for step_id, days, status in (
                    ("s1-kickoff", 0, DeliveryStatus.SENT),
                    (ANSWERED, 7, DeliveryStatus.ANSWERED),
                    (OPEN, 21, DeliveryStatus.SENT),
                ):
                    sent_at = KICKOFF_AT + timedelta(days=days)
                    delivery = Delivery(
                        team_id=team,
                        cohort_id=spring.id,
                        member_id=member.id,
                        step_id=step_id,
                        block=1,
                        status=status,
                        due_at=sent_at,
                        not_before=sent_at,
                        sent_at=sent_at,
                        attempts=1,
                    )
                    session.add(delivery)
                    session.flush()
                    posted = client.chat_postMessage(channel=user_id, text=f"{spec.marker} prompt {step_id}")
                    delivery.channel_id, delivery.message_ts = posted["channel"], posted["ts"]
                    if status == DeliveryStatus.ANSWERED:
                        session.add(
                            Answer(
                                team_id=team,
                                delivery_id=delivery.id,
                                member_id=member.id,
                                text=f"{spec.marker} reflection of {user_id}",
                                created_at=sent_at,
                                updated_at=sent_at,
                            )
                        )
                    if step_id == OPEN:
                        seeded.open_prompts[user_id] = int(delivery.id or 0)
                        seeded.prompt_ts[user_id] = str(posted["ts"])
        first = seeded.members[MENTORS[0]]
        experiment = Experiment(
            team_id=team,
            member_id=first,
            title=f"{spec.marker} lunch experiment",
            created_at=NOW - timedelta(days=3),
            updated_at=NOW - timedelta(days=3),
        )
        note = DmNote(
            team_id=team,
            delivery_id=seeded.open_prompts[MENTORS[0]],
            channel_id=fake.dm_id(MENTORS[0]),
            message_ts="1700000000.000001",
            text=f"{spec.marker} kept note",
            created_at=NOW - timedelta(hours=1),
        )
        session.add_all(
            [
                experiment,
                note,
                HrMeeting(
                    team_id=team, member_id=first, held_on=date(2027, 1, 20), notes=f"{spec.marker} meeting notes"
                ),
            ]
        )
        session.flush()
        seeded.experiment, seeded.note = int(experiment.id or 0), int(note.id or 0)
    return seeded


def _cohort(session: Session, team: str, name: str, dates: tuple[date, ...], *, started: bool = False) -> Cohort:
    cohort = Cohort(team_id=team, name=name, language="en", created_at=KICKOFF_AT - timedelta(days=30))
    session.add(cohort)
    session.flush()
    for number, value in enumerate(dates, start=1):
        began = started and number == 1
        session.add(
            ProgrammeSession(
                team_id=team,
                cohort_id=cohort.id,
                number=number,
                date=value,
                started_at=KICKOFF_AT if began else None,
                started_by=COACH if began else None,
            )
        )
    session.flush()
    return cohort


def workspace_rows(engine: Engine, team: str) -> dict[str, list[Any]]:
    """Every row of the workspace, in every table that has a team_id (ours and the installation store's)."""
    tables = [t for t in SQLModel.metadata.sorted_tables if "team_id" in t.c]
    tables += [t for t in oauth_metadata().sorted_tables if "team_id" in t.c]
    with Session(engine) as session:
        return {
            table.name: [
                tuple(row)
                for row in session.execute(
                    select(table).where(table.c.team_id == team).order_by(*table.primary_key.columns)
                )
            ]
            for table in tables
        }


def _install(wsgi: MentoriWsgi, fake: FakeSlack, team: str) -> None:
    """Install Mentori in `team` through the OAuth flow, as a browser would."""
    fake.grant(f"code-{team}", team_id=team, bot_token=TOKENS[team])
    start = call_wsgi(wsgi, "GET", "/slack/install")
    authorize = html.unescape(re.search(r'<a href="([^"]+)"', start.body).group(1))  # type: ignore[union-attr]  # the row (or match) exists here
    state = re.search(r"state=([^&\"]+)", authorize).group(1)  # type: ignore[union-attr]  # the row (or match) exists here
    cookie = start.header("Set-Cookie")[0].split(";")[0]
    done = call_wsgi(
        wsgi, "GET", "/slack/oauth_redirect", headers={"Cookie": cookie}, query=f"code=code-{team}&state={state}"
    )
    assert done.status == 200, done.body


class Mentori:
    """The app with both workspaces installed, driven as Slack would for either of them."""

    def __init__(self, deps: Deps, fake: FakeSlack, signing_secret: str) -> None:
        app = create_app(deps)
        wsgi = MentoriWsgi(app, database_health(deps.engine), database_registry(deps.engine))
        for team in (ONE, TWO):
            _install(wsgi, fake, team)
        self.slack = SlackDriver(app, signing_secret, team_id=TWO)
        self.fake, self.engine = fake, deps.engine
        self.mark = 0

    def start_watching(self) -> None:
        """From here on, every call to Slack is the second workspace's."""
        self.mark = len(self.fake.calls)

    def calls(self) -> list[Call]:
        return self.fake.calls[self.mark :]

    def run(self, text: str, user_id: str, team: str = TWO) -> str:
        """Type `/mentori <text>` and read the ephemeral answer."""
        before = len(self.fake.calls_to("response_url"))
        reply = self.slack.command(text, user_id=user_id, team_id=team, response_url=self.fake.response_url(team))
        assert reply.status == 200
        answers = self.fake.calls_to("response_url")[before:]
        assert len(answers) == 1, (text, answers)
        assert answers[0].args["response_type"] == "ephemeral"
        return all_text({key: answers[0].args.get(key) for key in ("text", "blocks")}).strip()

    def click(self, action_id: str, value: str, user_id: str, **kwargs: Any) -> Any:
        kwargs.setdefault("view", {"type": "home", "blocks": []})
        reply = self.slack.action(action_id, value, user_id=user_id, **kwargs)
        assert reply.status == 200
        return reply

    def submit(self, callback_id: str, values: dict[str, Any], user_id: str, metadata: Any) -> dict[str, Any]:
        raw = metadata if isinstance(metadata, str) else json.dumps(metadata)
        reply = self.slack.submit(callback_id, values, user_id=user_id, private_metadata=raw)
        assert reply.status == 200
        return reply.json

    def opened(self) -> str:
        """The text of the last modal opened."""
        return all_text(self.fake.calls_to("views.open")[-1].args["view"])

    def home(self, user_id: str) -> str:
        assert self.slack.post(requests.app_home_opened(user_id, team_id=TWO)).status == 200
        return all_text(self.fake.home_views[user_id])


@dataclass
class World:
    mentori: Mentori
    one: Seeded
    two: Seeded
    before: dict[str, list[Any]]
    one_messages: list[dict[str, Any]]

    def check_first_workspace_untouched(self) -> None:
        """The first workspace's rows and Slack messages are as they were; every call went out with the second
        workspace's token; nothing the first workspace holds reached what the second one was shown."""
        mentori = self.mentori
        assert workspace_rows(mentori.engine, ONE) == self.before
        messages = {m["ts"]: m for m in mentori.fake.messages}
        assert [messages.get(m["ts"]) for m in self.one_messages] == self.one_messages
        calls = mentori.calls()
        assert calls, "the second workspace's actions reached Slack"
        wrong = [
            (c.method, c.token)
            for c in calls
            if c.method not in ("response_url", "_fake.upload") and c.token != TOKENS[TWO]
        ]
        assert wrong == []
        shown = json.dumps([c.args for c in calls], default=str, ensure_ascii=False)
        shown += "".join(u["content"].decode() for u in mentori.fake.uploads)
        assert MARK not in shown
        assert mentori.fake.invalid == []


@pytest.fixture
def oauth_deps(settings: Settings, engine: Engine, fake_slack: FakeSlack) -> Deps:
    fake_slack.add_oauth_app(CLIENT_ID, CLIENT_SECRET)
    oauth = replace(
        settings,
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        encryption_key=Fernet.generate_key().decode(),
        min_group=3,
    )
    return Deps(settings=oauth, engine=engine, now=lambda: NOW)


@pytest.fixture
def world(oauth_deps: Deps, engine: Engine, fake_slack: FakeSlack, signing_secret: str) -> World:
    add_people(fake_slack)
    mentori = Mentori(oauth_deps, fake_slack, signing_secret)
    one, two = seed(engine, fake_slack, SPECS[ONE]), seed(engine, fake_slack, SPECS[TWO])
    # The first workspace's people have used Mentori too, so Mentori knows them there (slack_user rows).
    start = len(fake_slack.calls)
    assert "Active mentors: 6" in mentori.run('status "Spring 2027"', COACH, team=ONE)
    assert "Pilot 2026" in mentori.run("cohort list", ADMIN, team=ONE)
    assert {c.token for c in fake_slack.calls[start:] if c.method != "response_url"} == {TOKENS[ONE]}
    one_messages = [dict(m) for m in fake_slack.messages if str(m.get("text") or "").startswith(MARK)]
    assert len(one_messages) == 3 * len(MENTORS)
    world = World(mentori, one, two, workspace_rows(engine, ONE), one_messages)
    mentori.start_watching()
    return world


def _get(engine: Engine, model: Any, row_id: int) -> Any:
    with Session(engine) as session:
        return session.get(model, row_id)


def _all(engine: Engine, model: Any, *where: Any) -> list[Any]:
    with Session(engine) as session:
        return list(session.exec(select(model).where(*where).order_by(model.id)).scalars())


def _option(value: str, kind: str = "static_select") -> dict[str, Any]:
    return {"type": kind, "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}}}


# -- commands that read by name -----------------------------------------------------------------------------------


def test_reading_by_name_shows_only_the_workspaces_own_cohorts(world: World) -> None:
    mentori = world.mentori
    status = mentori.run('status "Spring 2027"', COACH)
    assert "Active mentors: 3" in status and "sent 9 · answered 3 (50%)" in status  # 3 kickoffs ask nothing
    listed = mentori.run("cohort list", ADMIN)
    assert "*Spring 2027* — 1. Mon 11 Jan 2027 (started)" in listed and "mentors: 3 · organisations: 2" in listed
    assert "*Autumn 2027*" in listed and "Pilot 2026" not in listed
    coached = mentori.run("cohort list", COACH)
    assert "*Spring 2027*" in coached and "Autumn 2027" not in coached
    shown = mentori.run('cohort show "Spring 2027"', COACH)
    assert "*Mentors:* 3" in shown and "*Vero* — HR channel <#GVERO2> · mentors: 2" in shown
    assert "GVERO1" not in shown and "GKELA1" not in shown
    goals = mentori.run('goal list "Spring 2027"', COACH)
    assert goals == "*Vero*\n1. Growing into an expert role (Vero)\n\n*Kela*\n1. Growing into an expert role (Kela)"
    world.check_first_workspace_untouched()


def test_forms_offer_only_the_second_workspaces_cohorts_and_organisations(world: World) -> None:
    mentori, two = world.mentori, world.two

    def form(text: str, user_id: str) -> dict[str, Any]:
        before = len(mentori.fake.calls_to("views.open"))
        assert mentori.slack.command(text, user_id=user_id, response_url=mentori.fake.response_url()).status == 200
        [opened] = mentori.fake.calls_to("views.open")[before:]
        return opened.args["view"]

    def options(view: dict[str, Any], block_id: str) -> list[str]:
        block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
        return [option["value"] for option in block["element"]["options"]]

    members = form('member add "Spring 2027"', COACH)
    assert json.loads(members["private_metadata"]) == {"cohort": two.spring}
    assert options(members, "organisation") == [str(two.organisations["Vero"]), str(two.organisations["Kela"])]
    organisation = form('org add "Spring 2027"', COACH)
    assert json.loads(organisation["private_metadata"]) == {"cohort": two.spring}
    assert options(form("kickoff", ADMIN), "cohort") == [str(two.spring), str(two.autumn)]
    assert options(form("kickoff", COACH), "cohort") == [str(two.spring)]
    mentori.click("home.experiment_new", "new", "UM01")
    assert json.loads(mentori.fake.calls_to("views.open")[-1].args["view"]["private_metadata"]) == {
        "member": two.members["UM01"]
    }
    mentori.click("home.hr_meeting", "new", "UM01")
    assert json.loads(mentori.fake.calls_to("views.open")[-1].args["view"]["private_metadata"]) == {
        "member": two.members["UM01"]
    }
    world.check_first_workspace_untouched()


@pytest.mark.parametrize(
    "text",
    [
        'status "Pilot 2026"',
        'cohort show "Pilot 2026"',
        'cohort dates "Pilot 2026" 2027-09-06 2027-10-04 2027-11-08',
        'cohort archive "Pilot 2026"',
        'coach add "Pilot 2026" <@UCOACHB>',
        'coach remove "Pilot 2026" <@UCOACHB>',
        'member add "Pilot 2026" <@UM05> mentor Vero',
        'member remove "Pilot 2026" <@UM05>',
        'org add "Pilot 2026" Vero <#GVERO2|hr-vero-2>',
        'goal add "Pilot 2026" Vero A new goal',
        'goal list "Pilot 2026"',
        'goal remove "Pilot 2026" Vero 1',
        'kickoff "Pilot 2026" 1',
        'summary "Pilot 2026"',
        'export "Pilot 2026"',
    ],
)
def test_a_cohort_only_the_other_workspace_has_is_unknown_here(world: World, text: str) -> None:
    reply = world.mentori.run(text, ADMIN)
    assert reply.startswith("There is no cohort called “Pilot 2026” in this workspace."), reply
    world.check_first_workspace_untouched()


# -- commands that change things by name --------------------------------------------------------------------------


def test_changes_by_name_reach_only_the_second_workspace(world: World, fake_slack: FakeSlack) -> None:
    mentori, two, engine = world.mentori, world.two, world.mentori.engine
    said = mentori.run('cohort dates "Spring 2027" 2027-01-11 2027-02-15 2027-03-15', ADMIN)
    assert said.startswith("The sessions of *Spring 2027* are now on Mon 11 Jan 2027, Mon 15 Feb 2027 and Mon 15 Mar")
    assert [s.date for s in _all(engine, ProgrammeSession, ProgrammeSession.cohort_id == two.spring)] == [
        date(2027, 1, 11),
        date(2027, 2, 15),
        date(2027, 3, 15),
    ]
    assert mentori.run('cohort archive "Autumn 2027"', ADMIN).startswith("*Autumn 2027* is archived.")
    assert _get(engine, Cohort, two.autumn).status == CohortStatus.ARCHIVED
    assert mentori.run('coach add "Spring 2027" <@UCOACHB>', ADMIN) == "Now coaching *Spring 2027*: <@UCOACHB>."
    assert mentori.run('coach remove "Spring 2027" <@UCOACHB>', ADMIN).startswith("No longer coaching *Spring 2027*")
    added = mentori.run('member add "Spring 2027" <@UM05> mentor Vero', COACH)
    assert "Added to *Spring 2027* as mentors of Vero: <@UM05>." in added
    assert "Each new mentor got a welcome message (1)." in added
    assert [c.args["channel"] for c in mentori.calls() if c.method == "chat.postMessage"] == ["DM05"]
    removed = mentori.run('member remove "Spring 2027" <@UM02>', COACH)
    assert removed.startswith("Removed from *Spring 2027*: <@UM02>.")
    mentors = {
        m.user_id: m.status for m in _all(engine, Member, Member.cohort_id == two.spring, Member.role == Role.MENTOR)
    }
    assert mentors == {"UM01": "active", "UM02": "removed", "UM03": "active", "UM05": "active"}
    assert mentori.run('org add "Spring 2027" Helmet <#GHELMET2|hr-helmet>', COACH).startswith(
        "*Helmet* is now in *Spring 2027*; its HR summaries go to <#GHELMET2>."
    )
    assert mentori.run('org add "Spring 2027" Vero <#GVERONEW2|hr-vero-new>', COACH).startswith(
        "*Vero* was already in *Spring 2027*: its HR summaries now go to <#GVERONEW2>."
    )
    assert _get(engine, Organisation, two.organisations["Vero"]).hr_channel_id == "GVERONEW2"
    assert mentori.run('goal add "Spring 2027" Vero Learning in pairs', COACH).startswith(
        "Goal added for *Vero*: “Learning in pairs”. Goals now: 2."
    )
    assert mentori.run('goal remove "Spring 2027" Vero 1', COACH).startswith(
        "Goal removed from *Vero*: “Growing into an expert role (Vero)”."
    )
    assert [g.text for g in _all(engine, Goal, Goal.organisation_id == two.organisations["Vero"])] == [
        "Learning in pairs"
    ]
    created = mentori.run('cohort create "Pilot 2026" 2027-04-05 2027-05-03 2027-06-07', ADMIN)
    assert created.startswith("Cohort *Pilot 2026* is created"), "a name is taken only in its own workspace"
    world.check_first_workspace_untouched()


def test_a_kickoff_starts_only_the_second_workspaces_session(world: World) -> None:
    mentori, two, engine = world.mentori, world.two, world.mentori.engine
    asked = mentori.run('kickoff "Spring 2027" 2', COACH)
    assert asked.startswith("Session 2 of *Spring 2027* is dated Mon 8 Feb 2027"), "days ahead: asked first"
    assert not _all(engine, Delivery, Delivery.block == 2)
    with session_scope(engine) as session:
        row = session.exec(
            select(ProgrammeSession).where(ProgrammeSession.cohort_id == two.spring, ProgrammeSession.number == 2)
        ).scalar_one()
        row.date = NOW.date()
    said = mentori.run('kickoff "Spring 2027" 2', COACH)
    assert said.startswith("Session 2 of Spring 2027 has started (active mentors: 3, prompts planned:"), said
    started = _all(engine, ProgrammeSession, ProgrammeSession.cohort_id == two.spring, ProgrammeSession.number == 2)
    assert started[0].started_by == COACH
    block_2 = _all(engine, Delivery, Delivery.block == 2)
    assert block_2 and {d.member_id for d in block_2} == set(two.members.values())
    assert {d.team_id for d in block_2} == {TWO}
    world.check_first_workspace_untouched()


def test_summary_and_export_use_only_the_second_workspaces_answers(world: World, fake_slack: FakeSlack) -> None:
    mentori, two, engine = world.mentori, world.two, world.mentori.engine
    said = mentori.run('summary "Spring 2027"', COACH)
    assert "for *Vero* is now in <#GVERO2>" in said and "for *Kela* is now in <#GKELA2>" in said
    assert sorted(c.args["channel"] for c in mentori.calls() if c.method == "chat.postMessage") == ["GKELA2", "GVERO2"]
    assert {(p.team_id, p.cohort_id) for p in _all(engine, SummaryPost)} == {(TWO, two.spring)}
    said = mentori.run('export "Spring 2027"', COACH)
    assert said.startswith("The cohort-wide CSV of *Spring 2027* is in our direct messages")
    said = mentori.run('export "Spring 2027"', HR)
    assert said.startswith("The CSV for *Vero* is now in <#GVERO2>."), "HR of Vero in both: only this one's Vero"
    cohort_csv, vero_csv = fake_slack.uploads
    assert (cohort_csv["channel_id"], vero_csv["channel_id"]) == (fake_slack.dm_id(COACH), "GVERO2")
    rows = export_rows(cohort_csv["content"], "en")  # an English cohort: commas and English headers
    figures = {(row["group"], row["figure"], row["measure"]): row["value"] for row in rows}
    assert {group for group, _, _ in figures} == {"Whole cohort", "Vero", "Kela"}
    assert figures[("Whole cohort", "Mentors", "mentors")] == "3"  # the other workspace's same-named cohort has 6
    reasons = {(row["group"], row["figure"]): row["withheld"] for row in rows if row["withheld"]}
    answered = "Answers: " + programme_by_id("feeniks").step(ANSWERED).label.en
    assert reasons[("Whole cohort", answered)].endswith("or no one in the group did it")  # all 3 answered it
    assert {row["group"] for row in export_rows(vero_csv["content"], "en")} == {"Whole cohort", "Vero"}
    world.check_first_workspace_untouched()


def test_forget_erases_the_person_only_in_the_second_workspace(world: World, fake_slack: FakeSlack) -> None:
    mentori, two, engine = world.mentori, world.two, world.mentori.engine
    said = mentori.run("forget <@UM02>", ADMIN)
    assert said.startswith("Everything Mentori held about <@UM02> is erased: 1 memberships, 3 prompts, 1 answers")
    assert _get(engine, Member, two.members["UM02"]) is None
    deleted = [c.args["ts"] for c in mentori.calls() if c.method == "chat.delete"]
    assert len(deleted) == 3 and two.prompt_ts["UM02"] in deleted
    assert mentori.run("forget <@UM05>", ADMIN) == "Mentori holds nothing about <@UM05>: nothing to erase."
    world.check_first_workspace_untouched()


def test_pause_and_resume_change_only_the_second_workspaces_membership(world: World) -> None:
    mentori, two, engine = world.mentori, world.two, world.mentori.engine
    said = mentori.run("pause 2027-02-20", "UM01")
    assert said.startswith("Paused up to and including Sat 20 Feb 2027"), said
    assert _get(engine, Member, two.members["UM01"]).paused_until == date(2027, 2, 20)
    assert mentori.run("resume", "UM01").startswith("Welcome back! Your prompts are on again.")
    assert _get(engine, Member, two.members["UM01"]).paused_until is None
    mentori.click("home.pause", "", "UM01", action={"type": "datepicker", "selected_date": "2027-02-19"})
    assert _get(engine, Member, two.members["UM01"]).paused_until == date(2027, 2, 19)
    mentori.click("home.resume", "resume", "UM01")
    mentori.click("home.language", "", "UM01", action={"type": "static_select", **_option("fi")})
    assert _get(engine, Member, two.members["UM01"]).language == "fi"
    refused = mentori.run("pause 2027-02-20", "UM05")
    assert refused.startswith("You're not a mentor in an active cohort"), "UM05 mentors only in the other workspace"
    world.check_first_workspace_untouched()


# -- the App Home -------------------------------------------------------------------------------------------------


def test_the_home_tab_shows_only_the_second_workspace(world: World, fake_slack: FakeSlack) -> None:
    mentori = world.mentori
    coach = mentori.home(COACH)
    assert "Spring 2027: how it's going" in coach and "Active mentors: 3" in coach
    mentor = mentori.home("UM01")
    assert "Two's reflection of UM01" in mentor and "*Two's lunch experiment* · planned" in mentor
    assert "Two's meeting notes" in mentor
    assert "You aren't a mentor in any cohort yet." in mentori.home("UM05"), "UM05 mentors only in the other one"
    mentori.click("home.export", "export", "UM01")
    [upload] = fake_slack.uploads
    data = json.loads(upload["content"])
    assert (data["workspace"], data["user"]) == (TWO, "UM01")
    assert [a["text"] for a in data["answers"]] == ["Two's reflection of UM01"]
    world.check_first_workspace_untouched()


def test_deleting_my_data_deletes_it_only_in_the_second_workspace(world: World) -> None:
    mentori, two, engine = world.mentori, world.two, world.mentori.engine
    reply = mentori.submit("data_erase", {}, "UM01", {})
    assert "Your data has been deleted." in all_text(reply["view"])
    assert _get(engine, Member, two.members["UM01"]).user_id == f"erased-{two.members['UM01']}"
    assert _all(engine, Answer, Answer.member_id == two.members["UM01"]) == []
    world.check_first_workspace_untouched()


# -- ids of the other workspace in buttons, forms and events ------------------------------------------------------


def test_prompt_ids_of_the_other_workspace_are_refused(world: World) -> None:
    mentori, one, two = world.mentori, world.one, world.two
    theirs = one.open_prompts["UM01"]
    dm = {"channel_id": mentori.fake.dm_id("UM01"), "message_ts": two.prompt_ts["UM01"], "view": None}
    for action_id in ("prompt.answer", "answer.edit", "prompt.snooze", "prompt.skip"):
        mentori.click(action_id, str(theirs), "UM01", **dm)
        assert NOT_FOUND in mentori.opened(), action_id
    reply = mentori.submit(
        "answer", {"text": {"value": "Written into the other workspace"}}, "UM01", {"delivery": theirs}
    )
    assert reply["response_action"] == "update" and NOT_FOUND in all_text(reply["view"])
    mentori.click("note.attach", str(one.note), "UM01", **dm)
    assert "That message is no longer waiting" in mentori.opened()
    world.check_first_workspace_untouched()


def test_experiment_and_membership_ids_of_the_other_workspace_are_refused(world: World) -> None:
    mentori, one = world.mentori, world.one
    mentori.click("home.experiment_edit", str(one.experiment), "UM01")
    assert NOT_FOUND in mentori.opened()
    edit = {"status": {"value": _option("done", "radio_buttons")}, "outcome": {"value": "Changed from afar"}}
    reply = mentori.submit("experiment_edit", edit, "UM01", {"experiment": one.experiment})
    assert NOT_FOUND in all_text(reply["view"])
    new = {
        "title": {"value": "Planted in the other workspace"},
        "plan_when": {"value": "x"},
        "plan_then": {"value": "y"},
    }
    reply = mentori.submit("experiment_new", new, "UM01", {"member": one.members["UM01"]})
    assert NOT_FOUND in all_text(reply["view"])
    meeting = {"held_on": {"value": {"type": "datepicker", "selected_date": "2027-02-01"}}, "notes": {"value": "x"}}
    reply = mentori.submit("hr_meeting", meeting, "UM01", {"member": one.members["UM01"]})
    assert NOT_FOUND in all_text(reply["view"])
    assert _all(world.mentori.engine, Experiment, Experiment.team_id == TWO)[0].title == "Two's lunch experiment"
    world.check_first_workspace_untouched()


def test_cohort_and_organisation_ids_of_the_other_workspace_are_refused(world: World) -> None:
    mentori, one, two = world.mentori, world.one, world.two
    org = {
        "name": {"value": "Helmet"},
        "goals": {"value": ""},
        "channel": {"value": {"type": "conversations_select", "selected_conversation": "GHELMET2"}},
    }
    reply = mentori.submit("org_add", org, COACH, {"cohort": one.spring})
    assert reply["response_action"] == "update" and COHORT_GONE in all_text(reply["view"])
    people = {
        "users": {"value": {"type": "multi_users_select", "selected_users": ["UM05"]}},
        "role": {"value": _option("mentor")},
    }
    reply = mentori.submit(
        "member_add",
        {**people, "organisation": {"value": _option(str(one.organisations["Vero"]))}},
        ADMIN,
        {"cohort": one.spring},
    )
    assert COHORT_GONE in all_text(reply["view"])
    reply = mentori.submit(
        "member_add",
        {**people, "organisation": {"value": _option(str(one.organisations["Vero"]))}},
        COACH,
        {"cohort": two.spring},
    )
    assert reply == {
        "response_action": "errors",
        "errors": {"organisation": "That organisation is no longer in this cohort. Pick another one."},
    }
    form = {"cohort": {"value": _option(str(one.autumn))}, "session": {"value": _option("1")}}
    reply = mentori.submit("kickoff", form, ADMIN, {})
    assert COHORT_GONE in all_text(reply["view"])
    reply = mentori.submit("kickoff_confirm", {}, ADMIN, choice_value(one.autumn, 2))
    assert COHORT_GONE in all_text(reply["view"])
    before = len(mentori.fake.calls_to("response_url"))
    mentori.click(
        "kickoff_confirm", choice_value(one.autumn, 2), ADMIN, view=None, response_url=mentori.fake.response_url(TWO)
    )
    [answer] = mentori.fake.calls_to("response_url")[before:]
    assert answer.args["text"].startswith(COHORT_GONE)
    assert _all(mentori.engine, Member, Member.user_id == "UM05", Member.team_id == TWO) == []
    world.check_first_workspace_untouched()


def test_a_reply_in_the_thread_of_the_other_workspaces_prompt_is_not_its_answer(world: World) -> None:
    mentori, one, two = world.mentori, world.one, world.two
    body = requests.message_im(
        "Meant for the other workspace", user_id="UM01", team_id=TWO, thread_ts=one.prompt_ts["UM01"]
    )
    assert mentori.slack.post(body).status == 200
    [said] = [c.args for c in mentori.calls() if c.method == "chat.postMessage"]
    assert "Shall I keep this message as your answer to *Reflection: your organisation's goal*?" in all_text(said)
    notes = _all(mentori.engine, DmNote, DmNote.team_id == TWO, DmNote.text == "Meant for the other workspace")
    assert [n.delivery_id for n in notes] == [two.open_prompts["UM01"]], "kept for this workspace's open prompt"
    world.check_first_workspace_untouched()


def test_a_dm_in_the_second_workspace_deletes_nothing_of_the_first(world: World) -> None:
    mentori, one = world.mentori, world.one
    with session_scope(mentori.engine) as session:
        session.add(
            DmNote(
                team_id=ONE,
                delivery_id=one.open_prompts["UM01"],
                channel_id="DM01",
                message_ts="1700000000.000002",
                text=f"{MARK} note from last month",
                created_at=NOW - timedelta(days=8),
            )
        )
    world.before = workspace_rows(mentori.engine, ONE)
    assert mentori.slack.post(requests.message_im("A note of my own", user_id="UM01", team_id=TWO)).status == 200
    assert _all(mentori.engine, DmNote, DmNote.team_id == TWO, DmNote.text == "A note of my own")
    world.check_first_workspace_untouched()


writer = queued.writer  # fixture: what a web process hands its queued work to


def test_a_queued_command_of_the_second_workspace_is_carried_out_with_its_own_token(
    world: World, oauth_deps: Deps, writer: QueueWriter, fake_slack: FakeSlack, signing_secret: str
) -> None:
    web = SlackDriver(create_app(oauth_deps), signing_secret, handover=create_handover(oauth_deps, writer), team_id=TWO)
    mark = len(fake_slack.calls)
    reply = web.command('status "Spring 2027"', user_id=COACH, team_id=TWO, response_url=fake_slack.response_url("two"))
    assert reply.status == 200
    assert run_queue(oauth_deps, writer) == 1
    calls = fake_slack.calls[mark:]
    (answer,) = [call for call in calls if call.method == "response_url"]
    assert "ONE-ONLY" not in str(answer.args)
    assert {call.token for call in calls if call.method != "response_url"} <= {TOKENS[TWO]}
