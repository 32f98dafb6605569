"""`/mentori cohort | coach | org | goal | member` through the real app, against the fake Slack."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.deps import Deps
from bot.planning import plan_block
from bot.programmes import programme_by_id
from bot.settings import Settings
from bot.work_calendar import nominal_moment
from storage.db import session_scope
from storage.models import (
    Cohort,
    Delivery,
    DeliveryStatus,
    Goal,
    MemberStatus,
    Organisation,
    ProgrammeSession,
    Role,
)
from tests.support.cohorts import (
    ADMIN,
    CLOSED_CHANNEL,
    COACH,
    HR,
    HR_CHANNEL,
    MENTOR,
    NOW,
    OTHER_COACH,
    OUTSIDER,
    PUBLIC_CHANNEL,
    Commands,
    Seeded,
    add_people,
    members_of,
    seed,
    snapshot,
)
from tests.support.fake_slack import FakeSlack

ADMINS_ONLY = "Sorry, only workspace admins and Mentori's operators can do that."
COACHES_ONLY = "Sorry, only the coaches of *Spring 2027* can do that."
REFUSED = "Sorry, you can't do that in Mentori."


@pytest.fixture
def deps(settings: Settings, engine: Engine) -> Deps:
    return Deps(settings=settings, engine=engine, now=lambda: NOW)


@pytest.fixture
def world(fake_slack: FakeSlack, engine: Engine) -> Seeded:
    add_people(fake_slack)
    return seed(engine)


@pytest.fixture
def mentori(slack, fake_slack: FakeSlack, world: Seeded) -> Commands:
    return Commands(slack, fake_slack)


def _cohort(engine: Engine, name: str) -> Cohort | None:
    with Session(engine) as session:
        return session.exec(select(Cohort).where(Cohort.name == name)).first()


def _dates(engine: Engine, cohort_id: int) -> list[date]:
    with Session(engine) as session:
        rows = session.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort_id))
        return [row.date for row in sorted(rows, key=lambda row: row.number)]


def _plan(engine: Engine, cohort_id: int, member_user: str = MENTOR, status: str = DeliveryStatus.PLANNED) -> int:
    """A delivery of the cohort's first dated step for a mentor, as a kickoff would have stored it."""
    step = next(s for s in programme_by_id("feeniks").steps if s.session == 1 and s.days > 0)  # placed by date
    member = members_of(engine, cohort_id)[(member_user, Role.MENTOR)]
    with session_scope(engine) as session:
        delivery = Delivery(
            team_id="T111",
            cohort_id=cohort_id,
            member_id=member.id,
            step_id=step.id,
            block=1,
            status=status,
            due_at=NOW + timedelta(days=7),
            not_before=NOW + timedelta(days=7),
        )
        session.add(delivery)
        session.flush()
        return delivery.id  # type: ignore[return-value]  # a stored row's id is set


# -- cohorts ------------------------------------------------------------------------------------------------------


def test_an_admin_creates_a_cohort_with_its_three_sessions(
    mentori: Commands, engine: Engine, fake_slack: FakeSlack
) -> None:
    text = mentori.say('cohort create "Winter 2028" 2027-01-18 2027-02-15 2027-03-15 sv Europe/Stockholm', ADMIN)
    assert "Cohort *Winter 2028* is created: sessions on Mon 18 Jan 2027, Mon 15 Feb 2027 and Mon 15 Mar 2027" in text
    assert "language Swedish; time zone Europe/Stockholm" in text
    assert '/mentori coach add "Winter 2028" @user' in text
    cohort = _cohort(engine, "Winter 2028")
    assert cohort is not None
    assert (cohort.language, cohort.timezone, cohort.programme, cohort.created_by) == (
        "sv",
        "Europe/Stockholm",
        "feeniks",
        ADMIN,
    )
    assert _dates(engine, cohort.id) == [date(2027, 1, 18), date(2027, 2, 15), date(2027, 3, 15)]  # type: ignore[arg-type]  # a stored row's id is set
    assert fake_slack.invalid == []


def test_a_new_cohort_takes_the_operators_language_and_time_zone_unless_told(mentori: Commands, engine: Engine) -> None:
    mentori.say("cohort create Talvi 11.1.2027 8.2.2027 8.3.2027", ADMIN)
    cohort = _cohort(engine, "Talvi")
    assert cohort is not None and (cohort.language, cohort.timezone) == ("en", "Europe/Helsinki")
    assert _dates(engine, cohort.id) == [date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8)]  # type: ignore[arg-type]  # a stored row's id is set


def test_an_admin_named_in_mentori_admins_may_create_a_cohort(
    fake_slack: FakeSlack, settings: Settings, engine: Engine, signing_secret: str, world: Seeded
) -> None:
    from dataclasses import replace

    from bot.app import create_app
    from tests.support.app_driver import SlackDriver

    deps = Deps(settings=replace(settings, admins=frozenset({OUTSIDER})), engine=engine, now=lambda: NOW)
    mentori = Commands(SlackDriver(create_app(deps), signing_secret), fake_slack)
    assert "is created" in mentori.say('cohort create "Operators" 2027-01-18 2027-02-15 2027-03-15', OUTSIDER)


def test_cohort_create_alone_opens_the_form(mentori: Commands, fake_slack: FakeSlack) -> None:
    assert mentori.run("cohort create", ADMIN) is None
    [call] = fake_slack.calls_to("views.open")
    assert call.args["trigger_id"] == "111.222.valid"
    view = call.args["view"]
    assert view["callback_id"] == "cohort_create"
    assert [block.get("block_id") for block in view["blocks"] if block["type"] == "input"] == [
        "name",
        "language",
        "timezone",
        "session_1",
        "session_2",
        "session_3",
    ]
    assert fake_slack.invalid == []


def test_a_cohort_name_already_taken_is_refused_whatever_its_case(mentori: Commands, engine: Engine) -> None:
    before = snapshot(engine)
    text = mentori.say('cohort create "spring 2027" 2027-01-18 2027-02-15 2027-03-15', ADMIN)
    assert "There is already a cohort called “spring 2027” in this workspace" in text
    assert "Pick another name" in text
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ("2027-02-30 2027-03-08 2027-04-05", "“2027-02-30” is not a date. Write dates as YYYY-MM-DD, e.g. 2027-01-11."),
        ("2027-13-01 2027-03-08 2027-04-05", "“2027-13-01” is not a date."),
        ("next-monday 2027-03-08 2027-04-05", "“next-monday” is not a date."),
        ("2027-01-03 2027-02-08 2027-03-08", "Session 1 on 2027-01-03 would be in the past (today is 2027-01-04)"),
        ("2027-01-11 2027-01-11 2027-03-08", "Session 2 (2027-01-11) must come after session 1 (2027-01-11)"),
        ("2027-01-11 2027-03-08 2027-02-08", "Session 3 (2027-02-08) must come after session 2 (2027-03-08)"),
        ("2027-01-11 2027-03-08", "Something is missing"),
    ],
)
def test_bad_session_dates_are_refused_with_how_to_write_them(
    mentori: Commands, engine: Engine, dates: str, expected: str
) -> None:
    before = snapshot(engine)
    text = mentori.say(f'cohort create "Winter 2028" {dates}', ADMIN)
    assert expected in text
    assert 'Write it like this: `/mentori cohort create "<name>" <YYYY-MM-DD>' in text
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("de", "I didn't understand “de”. After the three dates you may give a language (fi, sv or en)"),
        ("Mars/Olympus", "“Mars/Olympus” is not a time zone. Write it as Area/City, e.g. Europe/Helsinki"),
    ],
)
def test_a_bad_language_or_time_zone_is_refused(mentori: Commands, engine: Engine, extra: str, expected: str) -> None:
    before = snapshot(engine)
    assert expected in mentori.say(f'cohort create "Winter 2028" 2027-01-18 2027-02-15 2027-03-15 {extra}', ADMIN)
    assert snapshot(engine) == before


def test_an_admin_lists_every_cohort_and_a_coach_only_their_own(mentori: Commands, world: Seeded) -> None:
    everything = mentori.say("cohort list", ADMIN)
    assert "*Spring 2027*" in everything and "*Autumn 2027*" in everything
    assert "mentors: 1 · organisations: 1" in everything
    own = mentori.say("cohort list", OTHER_COACH)
    assert "*Autumn 2027*" in own and "Spring 2027" not in own


def test_cohort_show_tells_a_coach_everything_about_their_cohort(mentori: Commands) -> None:
    text = mentori.say('cohort show "SPRING 2027"', COACH)
    assert "Spring 2027" in text
    assert "*Sessions:* 1. Mon 11 Jan 2027, 2. Mon 8 Feb 2027, 3. Mon 8 Mar 2027" in text
    assert f"*Coaches:* <@{COACH}>" in text
    assert f"*Vero* — HR channel <#{HR_CHANNEL}> · mentors: 1" in text
    assert f"HR contacts: <@{HR}>" in text
    assert "1. Growing into an expert role" in text


def test_an_unknown_cohort_gets_a_message_on_how_to_name_one(mentori: Commands, engine: Engine) -> None:
    before = snapshot(engine)
    text = mentori.say('cohort show "Sprung 2027"', COACH)
    assert "There is no cohort called “Sprung 2027” in this workspace" in text
    assert "`/mentori cohort list` shows your cohorts" in text
    assert "Write it like this: `/mentori cohort show <cohort>`" in text
    assert snapshot(engine) == before


def test_changing_the_dates_moves_the_prompts_not_yet_sent(mentori: Commands, engine: Engine, world: Seeded) -> None:
    delivery_id = _plan(engine, world.cohort_a)
    text = mentori.say('cohort dates "Spring 2027" 2027-01-18 2027-02-15 2027-03-15', COACH)
    assert "The sessions of *Spring 2027* are now on Mon 18 Jan 2027, Mon 15 Feb 2027 and Mon 15 Mar 2027" in text
    assert "Prompts moved to their new times: 1." in text
    assert _dates(engine, world.cohort_a) == [date(2027, 1, 18), date(2027, 2, 15), date(2027, 3, 15)]
    step = next(s for s in programme_by_id("feeniks").steps if s.session == 1 and s.days > 0)  # placed by date
    with Session(engine) as session:
        moved = session.get(Delivery, delivery_id)
    assert moved is not None and moved.status == DeliveryStatus.PLANNED
    assert moved.due_at == nominal_moment(date(2027, 1, 18) + timedelta(days=step.days), step.at, "Europe/Helsinki")


def test_changing_the_dates_keeps_a_session_that_has_already_been(
    mentori: Commands, engine: Engine, world: Seeded
) -> None:
    with session_scope(engine) as session:
        first = session.exec(
            select(ProgrammeSession).where(ProgrammeSession.cohort_id == world.cohort_a, ProgrammeSession.number == 1)
        ).one()
        first.date = date(2026, 12, 14)
        session.add(first)
    assert "are now on" in mentori.say('cohort dates "Spring 2027" 2026-12-14 2027-02-15 2027-03-15', COACH)
    assert "in the past" in mentori.say('cohort dates "Spring 2027" 2026-12-15 2027-02-15 2027-03-15', COACH)


def test_archiving_cancels_every_prompt_not_yet_sent(mentori: Commands, engine: Engine, world: Seeded) -> None:
    planned = _plan(engine, world.cohort_a)
    text = mentori.say('cohort archive "Spring 2027"', COACH)
    assert "*Spring 2027* is archived. Prompts not yet sent were cancelled: 1." in text
    with Session(engine) as session:
        cohort = session.get(Cohort, world.cohort_a)
        assert cohort is not None and cohort.status == "archived" and cohort.archived_at == NOW
        assert session.get(Delivery, planned).status == DeliveryStatus.CANCELLED  # type: ignore[union-attr]  # the row (or match) exists here
    assert "is already archived" in mentori.say('cohort archive "Spring 2027"', COACH)
    before = snapshot(engine)
    text = mentori.say('member add "Spring 2027" <@UNEW1|noora> mentor "Vero"', COACH)
    assert "*Spring 2027* is archived, so it can no longer be changed." in text
    assert snapshot(engine) == before


def test_a_subcommand_without_a_verb_lists_what_it_takes(mentori: Commands) -> None:
    text = mentori.say("cohort", ADMIN)
    assert "`/mentori cohort` needs one of these:" in text
    assert "/mentori cohort archive <cohort>" in text


# -- coaches ------------------------------------------------------------------------------------------------------


def test_an_admin_names_a_coach_who_may_then_manage_the_cohort(
    mentori: Commands, engine: Engine, world: Seeded
) -> None:
    assert "Now coaching *Spring 2027*: <@UNEW1>." in mentori.say('coach add "Spring 2027" <@UNEW1|noora>', ADMIN)
    assert members_of(engine, world.cohort_a)[("UNEW1", Role.COACH)].status == MemberStatus.ACTIVE
    assert "Spring 2027" in mentori.say('cohort show "Spring 2027"', "UNEW1")
    assert "Already coaching *Spring 2027*" in mentori.say('coach add "Spring 2027" <@UNEW1>', ADMIN)
    assert "No longer coaching *Spring 2027*: <@UNEW1>." in mentori.say(
        'coach remove "Spring 2027" <@UNEW1|noora>', ADMIN
    )
    # in her cohort's language, not her Slack locale's (fi-FI): a person's language does not drift with Slack
    no_longer = mentori.say('cohort show "Spring 2027"', "UNEW1")
    assert no_longer.startswith("Sorry, only the coaches of *Spring 2027* can do that.")


# -- organisations and goals --------------------------------------------------------------------------------------


def test_a_coach_adds_an_organisation_with_its_private_hr_channel(
    mentori: Commands, engine: Engine, fake_slack: FakeSlack, world: Seeded
) -> None:
    text = mentori.say('org add "Spring 2027" "Kela" <#GHRKELA|hr-kela>', COACH)
    assert "*Kela* is now in *Spring 2027*; its HR summaries go to <#GHRKELA>." in text
    assert [c.args["channel"] for c in fake_slack.calls_to("conversations.info")] == ["GHRKELA"]
    with Session(engine) as session:
        kela = session.exec(select(Organisation).where(Organisation.name == "Kela")).one()
    assert (kela.cohort_id, kela.hr_channel_id) == (world.cohort_a, "GHRKELA")


def test_an_organisation_named_again_gets_the_new_hr_channel(mentori: Commands, engine: Engine) -> None:
    text = mentori.say('org add "Spring 2027" vero <#GHRKELA|>', COACH)
    assert "*Vero* was already in *Spring 2027*: its HR summaries now go to <#GHRKELA>." in text
    with Session(engine) as session:
        assert [o.hr_channel_id for o in session.exec(select(Organisation))] == ["GHRKELA"]


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        (
            f"<#{PUBLIC_CHANNEL}|general>",
            "#general is a public channel, and HR summaries may only go to a private one. Make it private",
        ),
        (
            f"<#{CLOSED_CHANNEL}|hr-secret>",
            "Mentori is not a member of that channel, so it can't post the HR "
            "summaries there. Write `/invite @Mentori` in the channel",
        ),
        ("<#GNOSUCH|>", "Write `/invite @Mentori` in the channel, then try again."),
        ("#hr-kela", "Name the organisation's HR channel with # at the end, and pick it from the list"),
    ],
)
def test_an_hr_channel_that_is_public_or_without_mentori_is_refused_with_the_fix(
    mentori: Commands, engine: Engine, channel: str, expected: str
) -> None:
    before = snapshot(engine)
    assert expected in mentori.say(f'org add "Spring 2027" "Kela" {channel}', COACH)
    assert snapshot(engine) == before


def test_org_add_with_only_the_cohort_opens_the_form_for_it(
    mentori: Commands, fake_slack: FakeSlack, world: Seeded
) -> None:
    assert mentori.run('org add "Spring 2027"', COACH) is None
    [call] = fake_slack.calls_to("views.open")
    view = call.args["view"]
    assert view["callback_id"] == "org_add"
    assert json.loads(view["private_metadata"]) == {"cohort": world.cohort_a}
    channel = next(b for b in view["blocks"] if b.get("block_id") == "channel")["element"]
    assert channel["type"] == "conversations_select"
    assert channel["filter"]["include"] == ["private"]
    assert channel["default_to_current_conversation"] is False
    assert fake_slack.invalid == []


def test_org_add_alone_opens_the_form_for_the_coachs_only_cohort(
    mentori: Commands, fake_slack: FakeSlack, world: Seeded
) -> None:
    mentori.run("org add", OTHER_COACH)
    [call] = fake_slack.calls_to("views.open")
    assert json.loads(call.args["view"]["private_metadata"]) == {"cohort": world.cohort_b}
    assert "Name the cohort you mean" in mentori.say("org add", ADMIN)


def test_goals_are_added_listed_and_removed(mentori: Commands, engine: Engine) -> None:
    text = mentori.say('goal add "Spring 2027" "vero" "Supervisor skills and peer support"', COACH)
    assert "Goal added for *Vero*: “Supervisor skills and peer support”. Goals now: 2." in text
    listed = mentori.say('goal list "Spring 2027"', COACH)
    assert "*Vero*\n1. Growing into an expert role\n2. Supervisor skills and peer support" in listed
    assert "Goal removed from *Vero*: “Growing into an expert role”." in mentori.say(
        'goal remove "Spring 2027" Vero 1', COACH
    )
    with Session(engine) as session:
        assert [g.text for g in session.exec(select(Goal))] == ["Supervisor skills and peer support"]
    assert "“7” is not the number of one of Vero's goals" in mentori.say('goal remove "Spring 2027" Vero 7', COACH)


def test_a_goal_for_an_unknown_organisation_names_the_ones_there_are(mentori: Commands, engine: Engine) -> None:
    before = snapshot(engine)
    text = mentori.say('goal add "Spring 2027" "Kela" "Peer support"', COACH)
    assert "There is no organisation called “Kela” in *Spring 2027*. Its organisations are: “Vero”." in text
    assert snapshot(engine) == before


# -- members ------------------------------------------------------------------------------------------------------


def test_a_coach_adds_several_mentors_at_once_and_each_gets_a_welcome(
    mentori: Commands, engine: Engine, fake_slack: FakeSlack, world: Seeded
) -> None:
    text = mentori.say('member add "Spring 2027" <@UNEW1|noora> <@UNEW2> mentor "Vero"', COACH)
    assert "Added to *Spring 2027* as mentors of Vero: <@UNEW1>, <@UNEW2>." in text
    assert "Each new mentor got a welcome message (2)." in text
    added = members_of(engine, world.cohort_a)
    assert added[("UNEW1", Role.MENTOR)].organisation_id == world.organisation
    assert added[("UNEW2", Role.MENTOR)].status == MemberStatus.ACTIVE
    # The welcomes go out side by side, in whatever order Slack answers.
    assert sorted(c.args["users"] for c in fake_slack.calls_to("conversations.open")) == ["UNEW1", "UNEW2"]
    welcomes = [m for m in fake_slack.messages if m["channel"] in ("DNEW1", "DNEW2")]
    assert len(welcomes) == 2
    assert welcomes[0]["text"] == "Welcome to Spring 2027! Here is how Mentori works."
    shown = json.dumps(welcomes[0]["blocks"], ensure_ascii=False)
    assert "confidential, not anonymous" in shown and "/mentori pause YYYY-MM-DD" in shown
    assert "Growing into an expert role" in shown
    assert fake_slack.invalid == []


def test_the_welcome_is_in_the_cohorts_language(fake_slack: FakeSlack, engine: Engine, slack) -> None:
    add_people(fake_slack)
    seed(engine, language="fi")
    Commands(slack, fake_slack).run('member add "Spring 2027" <@UNEW2> mentor "Vero"', COACH)
    [welcome] = [m for m in fake_slack.messages if m["channel"] == "DNEW2"]
    assert welcome["text"] == "Tervetuloa ryhmään Spring 2027! Näin Mentori toimii."


def test_adding_an_hr_contact_sends_no_welcome(
    mentori: Commands, engine: Engine, fake_slack: FakeSlack, world: Seeded
) -> None:
    text = mentori.say('member add "Spring 2027" <@UNEW1> hr "Vero"', COACH)
    assert "Added to *Spring 2027* as HR contacts of Vero: <@UNEW1>." in text
    assert members_of(engine, world.cohort_a)[("UNEW1", Role.HR)].organisation_id == world.organisation
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_removed_mentors_prompts_stop_and_re_adding_brings_them_back(
    mentori: Commands, engine: Engine, fake_slack: FakeSlack, world: Seeded
) -> None:
    planned = _plan(engine, world.cohort_a)
    text = mentori.say('member remove "Spring 2027" <@UMENTOR|mentor>', COACH)
    assert "Removed from *Spring 2027*: <@UMENTOR>. Their prompts not yet sent are cancelled" in text
    member = members_of(engine, world.cohort_a)[(MENTOR, Role.MENTOR)]
    assert (member.status, member.removed_at) == (MemberStatus.REMOVED, NOW)
    with Session(engine) as session:
        assert session.get(Delivery, planned).status == DeliveryStatus.CANCELLED  # type: ignore[union-attr]  # the row (or match) exists here
    text = mentori.say('member add "Spring 2027" <@UMENTOR> mentor Vero', COACH)
    assert "Back in *Spring 2027* as mentors of Vero: <@UMENTOR>." in text
    assert members_of(engine, world.cohort_a)[(MENTOR, Role.MENTOR)].status == MemberStatus.ACTIVE
    [back] = [m for m in fake_slack.messages if m["channel"] == "DMENTOR"]
    assert back["text"] == "Welcome back to Spring 2027!"  # short: they know the programme already
    assert "You're a learning mentor in *Spring 2027* again." in json.dumps(back["blocks"])
    assert "confidential, not anonymous" not in json.dumps(back["blocks"])
    assert "is not a mentor or HR contact in *Spring 2027*" in mentori.say(
        'member remove "Spring 2027" <@UOUTSIDER>', COACH
    )


def test_a_mentor_added_while_a_session_runs_gets_its_prompts(mentori: Commands, engine: Engine, world: Seeded) -> None:
    with session_scope(engine) as session:
        first = session.exec(
            select(ProgrammeSession).where(ProgrammeSession.cohort_id == world.cohort_a, ProgrammeSession.number == 1)
        ).one()
        first.started_at = NOW
        session.add(first)
        cohort = session.get(Cohort, world.cohort_a)
        assert cohort is not None
        plan_block(session, cohort, 1, NOW)  # what the kickoff of session 1 did for the mentors there were
    text = mentori.say('member add "Spring 2027" <@UNEW1> mentor Vero', COACH)
    newcomer = members_of(engine, world.cohort_a)[("UNEW1", Role.MENTOR)]
    with Session(engine) as session:
        planned = session.exec(select(Delivery).where(Delivery.member_id == newcomer.id)).all()
    block_1 = [s for s in programme_by_id("feeniks").steps_in_block(1) if s.is_prompt]
    assert {d.step_id for d in planned} == {s.id for s in block_1}
    assert f"They also get the prompts of the running block: {len(block_1)} planned." in text


def test_member_add_with_only_the_cohort_opens_the_form(
    mentori: Commands, fake_slack: FakeSlack, world: Seeded
) -> None:
    mentori.run('member add "Spring 2027"', COACH)
    [call] = fake_slack.calls_to("views.open")
    view = call.args["view"]
    assert view["callback_id"] == "member_add"
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["users"]["element"]["type"] == "multi_users_select"
    assert [o["value"] for o in blocks["role"]["element"]["options"]] == ["mentor", "hr"]
    assert blocks["organisation"]["element"]["options"] == [
        {"text": {"type": "plain_text", "text": "Vero", "emoji": True}, "value": str(world.organisation)}
    ]
    assert fake_slack.invalid == []


def test_the_member_form_offers_admins_the_coach_role(mentori: Commands, fake_slack: FakeSlack) -> None:
    mentori.run('member add "Spring 2027"', ADMIN)
    [call] = fake_slack.calls_to("views.open")
    role = next(b for b in call.args["view"]["blocks"] if b.get("block_id") == "role")
    assert [o["value"] for o in role["element"]["options"]] == ["mentor", "hr", "coach"]


def test_the_member_form_asks_for_an_organisation_first(mentori: Commands, fake_slack: FakeSlack) -> None:
    text = mentori.say('member add "Autumn 2027"', OTHER_COACH)
    assert "*Autumn 2027* has no organisations yet" in text and '/mentori org add "Autumn 2027"' in text
    assert fake_slack.calls_to("views.open") == []


@pytest.mark.parametrize(
    ("people", "expected"),
    [
        ("<@UNOSUCH|ghost>", "The user UNOSUCH is not in this workspace, so Mentori can't add them."),
        ("<@UAPP|app>", "<@UAPP> is an app, not a person"),
        ("<@UGONE|gone>", "<@UGONE>'s account has been deactivated"),
        ("<@UNEW1> <@UAPP>", "<@UAPP> is an app, not a person: only people can be mentors"),
        ("@noora", "Name the people with @ and pick each from the list Slack shows as you type"),
    ],
)
def test_someone_who_cannot_take_part_is_refused_and_nobody_is_added(
    mentori: Commands, engine: Engine, fake_slack: FakeSlack, people: str, expected: str
) -> None:
    before = snapshot(engine)
    text = mentori.say(f'member add "Spring 2027" {people} mentor "Vero"', COACH)
    assert expected in text
    assert snapshot(engine) == before
    assert fake_slack.calls_to("chat.postMessage") == []


@pytest.mark.parametrize(
    ("rest", "expected"),
    [
        ("<@UNEW1> mentor", "Mentors and HR contacts belong to an organisation of the cohort"),
        ("<@UNEW1> boss Vero", "“boss” is not a role here. Write mentor or hr after the people"),
        ("<@UNEW1>", "Say which role they get: write mentor or hr after the people"),
        ("<@UNEW1> mentor Kela", "There is no organisation called “Kela” in *Spring 2027*"),
    ],
)
def test_a_member_command_missing_a_part_says_how_to_write_it(
    mentori: Commands, engine: Engine, rest: str, expected: str
) -> None:
    before = snapshot(engine)
    text = mentori.say(f'member add "Spring 2027" {rest}', COACH)
    assert expected in text
    assert 'Write it like this: `/mentori member add <cohort> @user [@user …] mentor|hr "<organisation>"`' in text
    assert snapshot(engine) == before


# -- who may do what ----------------------------------------------------------------------------------------------

MANAGER_ACTIONS = [
    'cohort show "Spring 2027"',
    'cohort dates "Spring 2027" 2027-01-18 2027-02-15 2027-03-15',
    'cohort archive "Spring 2027"',
    'org add "Spring 2027" "Kela" <#GHRKELA|hr-kela>',
    'org add "Spring 2027"',
    'goal add "Spring 2027" "Vero" "Supervisor skills"',
    'goal list "Spring 2027"',
    'goal remove "Spring 2027" "Vero" 1',
    'member add "Spring 2027" <@UNEW1|noora> mentor "Vero"',
    'member add "Spring 2027"',
    f'member remove "Spring 2027" <@{MENTOR}|mentor>',
]
ADMIN_ACTIONS = [
    'cohort create "Winter 2028" 2027-01-18 2027-02-15 2027-03-15',
    "cohort create",
    'coach add "Spring 2027" <@UNEW1|noora>',
    f'coach remove "Spring 2027" <@{COACH}|coach>',
]
NOT_MANAGERS = [MENTOR, HR, OTHER_COACH, OUTSIDER]


@pytest.mark.parametrize(
    ("command", "user_id", "expected"),
    [(command, user_id, COACHES_ONLY) for command in MANAGER_ACTIONS for user_id in NOT_MANAGERS]
    + [(command, user_id, ADMINS_ONLY) for command in ADMIN_ACTIONS for user_id in [*NOT_MANAGERS, COACH]]
    + [("cohort list", user_id, REFUSED) for user_id in (MENTOR, HR, OUTSIDER)]
    + [("org add", user_id, REFUSED) for user_id in (MENTOR, HR, OUTSIDER)]
    + [("member add", user_id, REFUSED) for user_id in (MENTOR, HR, OUTSIDER)],
)
def test_only_those_allowed_may_act_and_the_rest_are_refused_politely(
    mentori: Commands, engine: Engine, fake_slack: FakeSlack, command: str, user_id: str, expected: str
) -> None:
    before = snapshot(engine)
    text = mentori.say(command, user_id)
    assert text.startswith(expected), text
    assert snapshot(engine) == before
    assert fake_slack.calls_to("views.open") == []
    assert fake_slack.calls_to("chat.postMessage") == []
    assert fake_slack.calls_to("conversations.info") == []


def test_the_refusal_is_in_the_askers_language(fake_slack: FakeSlack, engine: Engine, slack) -> None:
    add_people(fake_slack)
    seed(engine, language="sv")
    text = Commands(slack, fake_slack).say('cohort archive "Spring 2027"', MENTOR)
    assert text.startswith("Tyvärr kan bara coacherna för *Spring 2027* göra det.")
