"""The tables: one class per entity of the programme (see DOMAIN.md)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import AwareDateTime, utcnow


class Role(StrEnum):
    MENTOR = "mentor"
    COACH = "coach"
    HR = "hr"


class CohortStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class MemberStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"
    LEFT = "left"


class DeliveryStatus(StrEnum):
    PLANNED = "planned"  # stored by a kickoff, waiting for its moment
    SENDING = "sending"  # claimed by a sender
    SENT = "sent"
    ANSWERED = "answered"
    SKIPPED = "skipped"  # the mentor skipped it, or it was too late to send
    FAILED = "failed"  # a permanent Slack error
    CANCELLED = "cancelled"  # re-planned away: mentor removed, cohort archived


class MessageKind(StrEnum):
    """What an outbox message is; prompts and kickoffs are `Delivery` rows, everything else an `OutboxMessage`."""

    REMINDER = "reminder"  # a reply in an unanswered prompt's thread
    WELCOME = "welcome"  # a new mentor's first DM
    COACH_REPORT = "coach_report"  # what could not go out, told to a cohort's coaches
    SUMMARY = "summary"  # an HR summary post in an organisation's channel
    FILE = "file"  # a file upload (a person's data export, a CSV)
    DELETION = "deletion"  # removing a message Mentori posted (a person's data was erased)
    NOTICE = "notice"  # a one-off DM from Mentori (sending paused and resumed)
    INTRODUCTION = "introduction"  # mentors introduced to each other


class ExperimentStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    DONE = "done"
    DROPPED = "dropped"


class Decision(StrEnum):
    CONTINUE = "continue"
    SPREAD = "spread"
    STOP = "stop"


def _fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> Any:
    return Field(
        default=None,
        sa_column=Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True),
    )


def _timestamp(*, nullable: bool = True) -> Any:
    if nullable:
        return Field(default=None, sa_type=AwareDateTime)
    return Field(default_factory=utcnow, sa_type=AwareDateTime, nullable=False)


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


class Cohort(SQLModel, table=True):
    """A group of mentors from several organisations going through the programme together."""

    __table_args__ = (
        UniqueConstraint("team_id", "name", name="uq_cohort_team_name"),
        CheckConstraint("language IN ('fi', 'sv', 'en')", name="ck_cohort_language"),
        CheckConstraint(f"status IN ({_values(CohortStatus)})", name="ck_cohort_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    name: str = Field(max_length=80)
    language: str = Field(default="fi", max_length=2)
    timezone: str = Field(default="Europe/Helsinki", max_length=64)
    programme: str = Field(default="feeniks", max_length=64)
    status: str = Field(default=CohortStatus.ACTIVE, max_length=16)
    work_start: str = Field(default="09:00", max_length=5)
    work_end: str = Field(default="16:00", max_length=5)
    country: str = Field(default="FI", max_length=2)
    grace_hours: int = Field(default=24)
    reminder_days: int = Field(default=2)
    workdays: str = Field(default="12345", max_length=7)  # ISO weekday digits, Monday=1 … Sunday=7
    usual_quiet: bool = Field(default=True)  # Finnish summer (ISO weeks 28–31) and 24 Dec–6 Jan are quiet
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = _timestamp(nullable=False)
    archived_at: datetime | None = _timestamp()


class QuietPeriod(SQLModel, table=True):
    """Days (inclusive) on which a cohort's mentors get no prompts, besides the usual summer and Christmas."""

    __tablename__ = "quiet_period"
    __table_args__ = (CheckConstraint("first_day <= last_day", name="ck_quiet_period_order"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    cohort_id: int = _fk("cohort.id")
    first_day: date
    last_day: date


class ProgrammeTemplate(SQLModel, table=True):
    """A programme template a coach uploaded: its TOML text, named by a hash of it so it never changes."""

    __tablename__ = "programme_template"

    id: str = Field(primary_key=True, max_length=64)  # "custom-" + the first hex digits of the text's SHA-256
    team_id: str = Field(index=True, max_length=32)
    name: str = Field(max_length=200)  # the file's name, as the coach uploaded it
    source: str = Field(sa_type=Text)
    created_at: datetime = _timestamp(nullable=False)


class ProgrammeSession(SQLModel, table=True):
    """One of a cohort's three coaching sessions."""

    __tablename__ = "programme_session"
    __table_args__ = (
        UniqueConstraint("cohort_id", "number", name="uq_session_cohort_number"),
        CheckConstraint("number BETWEEN 1 AND 3", name="ck_session_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    cohort_id: int = _fk("cohort.id")
    number: int
    date: date
    started_at: datetime | None = _timestamp()
    started_by: str | None = Field(default=None, max_length=32)


class Organisation(SQLModel, table=True):
    """An agency, library or company taking part in a cohort, with its private HR channel."""

    __table_args__ = (UniqueConstraint("cohort_id", "name", name="uq_organisation_cohort_name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    cohort_id: int = _fk("cohort.id")
    name: str = Field(max_length=120)
    hr_channel_id: str | None = Field(default=None, max_length=32)
    country: str = Field(default="FI", max_length=2)
    created_at: datetime = _timestamp(nullable=False)


class Goal(SQLModel, table=True):
    """A main goal for mentoring that an organisation's HR set on the HR day."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    organisation_id: int = _fk("organisation.id")
    text: str = Field(max_length=500)
    position: int = Field(default=0)


class Member(SQLModel, table=True):
    """A Slack user with a role in a cohort: mentor, coach or HR."""

    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id", "role", name="uq_member_cohort_user_role"),
        CheckConstraint(f"role IN ({_values(Role)})", name="ck_member_role"),
        CheckConstraint(f"status IN ({_values(MemberStatus)})", name="ck_member_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    cohort_id: int = _fk("cohort.id")
    user_id: str = Field(index=True, max_length=32)
    role: str = Field(max_length=16)
    organisation_id: int | None = _fk("organisation.id", nullable=True, ondelete="SET NULL")
    language: str | None = Field(default=None, max_length=2)
    status: str = Field(default=MemberStatus.ACTIVE, max_length=16)
    paused_until: date | None = None
    joined_at: datetime = _timestamp(nullable=False)
    removed_at: datetime | None = _timestamp()


class SlackUser(SQLModel, table=True):
    """What Slack told us about a user (time zone, locale, names, admin flags), refreshed daily.

    The names are kept only so that quotes shown to HR can be scrubbed of them.
    """

    __tablename__ = "slack_user"

    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    tz: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=16)
    real_name: str | None = Field(default=None, max_length=120)
    display_name: str | None = Field(default=None, max_length=120)
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    checked_at: datetime = _timestamp(nullable=False)


class Delivery(SQLModel, table=True):
    """One programme step for one mentor: the outbox row that makes sending exactly-once."""

    __table_args__ = (
        UniqueConstraint("cohort_id", "step_id", "member_id", name="uq_delivery_cohort_step_member"),
        CheckConstraint(f"status IN ({_values(DeliveryStatus)})", name="ck_delivery_status"),
        Index("ix_delivery_status_not_before", "status", "not_before"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    cohort_id: int = _fk("cohort.id")
    member_id: int = _fk("member.id")
    step_id: str = Field(max_length=64)
    block: int
    status: str = Field(default=DeliveryStatus.PLANNED, max_length=16)
    due_at: datetime = _timestamp(nullable=False)
    not_before: datetime = _timestamp(nullable=False)
    # The moment the plan set (`not_before` when planned or re-planned): lateness is measured from here, so moving
    # the prompt into working hours after downtime never restarts its grace. None on rows older than the column.
    planned_at: datetime | None = _timestamp()
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = _timestamp()
    sent_at: datetime | None = _timestamp()
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=200)
    error_reported_at: datetime | None = _timestamp()
    reminded_at: datetime | None = _timestamp()
    # Set when the mentor snoozes a sent prompt: its one reminder goes at this moment instead of the usual one.
    snoozed_until: datetime | None = _timestamp()
    created_at: datetime = _timestamp(nullable=False)


class OutboxMessage(SQLModel, table=True):
    """One message Mentori sends other than a prompt: the same outbox life as a `Delivery` (planned → sending → sent
    | failed | skipped | cancelled), with an idempotency key so enqueuing twice writes one row."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("team_id", "key", name="uq_outbox_message_team_key"),
        CheckConstraint(f"status IN ({_values(DeliveryStatus)})", name="ck_outbox_message_status"),
        CheckConstraint(f"kind IN ({_values(MessageKind)})", name="ck_outbox_message_kind"),
        Index("ix_outbox_message_status_not_before", "status", "not_before"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    kind: str = Field(max_length=16)
    key: str = Field(max_length=200)
    cohort_id: int | None = _fk("cohort.id", nullable=True)
    member_id: int | None = _fk("member.id", nullable=True)  # the person it is for or about: erased with them
    user_id: str | None = Field(default=None, max_length=32)  # a DM to this user, when channel_id is not known
    channel_id: str | None = Field(default=None, max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default=DeliveryStatus.PLANNED, max_length=16)
    due_at: datetime = _timestamp(nullable=False)  # the original moment: lateness is measured from here
    not_before: datetime = _timestamp(nullable=False)
    latest_at: datetime = _timestamp(nullable=False)  # after this it is no use: skipped, never sent
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = _timestamp()
    sent_at: datetime | None = _timestamp()
    message_ts: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=200)
    error_reported_at: datetime | None = _timestamp()
    created_at: datetime = _timestamp(nullable=False)


class SendingPause(SQLModel, table=True):
    """A workspace whose token Slack refuses: nothing is sent there until the token works again."""

    __tablename__ = "sending_pause"

    team_id: str = Field(primary_key=True, max_length=32)
    cause: str = Field(max_length=64)
    paused_at: datetime = _timestamp(nullable=False)
    checked_at: datetime = _timestamp(nullable=False)


class Answer(SQLModel, table=True):
    """A mentor's answer to one delivered prompt: text, ratings, consent to quote."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    delivery_id: int = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("delivery.id", ondelete="CASCADE"), nullable=False, unique=True),
    )
    member_id: int = _fk("member.id")
    text: str | None = Field(default=None, max_length=3000)
    ratings: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    consent_to_quote: bool = False
    source: str = Field(default="modal", max_length=16)
    created_at: datetime = _timestamp(nullable=False)
    updated_at: datetime = _timestamp(nullable=False)


class Experiment(SQLModel, table=True):
    """A small learning experiment a mentor runs at work, with its if-then plan."""

    __table_args__ = (
        CheckConstraint(f"status IN ({_values(ExperimentStatus)})", name="ck_experiment_status"),
        CheckConstraint(f"decision IS NULL OR decision IN ({_values(Decision)})", name="ck_experiment_decision"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    member_id: int = _fk("member.id")
    goal_id: int | None = _fk("goal.id", nullable=True, ondelete="SET NULL")
    title: str = Field(max_length=150)
    plan_when: str | None = Field(default=None, max_length=500)
    plan_then: str | None = Field(default=None, max_length=500)
    status: str = Field(default=ExperimentStatus.PLANNED, max_length=16)
    outcome: str | None = Field(default=None, max_length=3000)
    decision: str | None = Field(default=None, max_length=16)
    started_at: datetime | None = _timestamp()
    created_at: datetime = _timestamp(nullable=False)
    updated_at: datetime = _timestamp(nullable=False)


class HrMeeting(SQLModel, table=True):
    """A meeting between a mentor and their HR contact; the notes are the mentor's alone."""

    __tablename__ = "hr_meeting"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    member_id: int = _fk("member.id")
    held_on: date
    notes: str | None = Field(default=None, max_length=3000)
    created_at: datetime = _timestamp(nullable=False)


class SummaryPost(SQLModel, table=True):
    """A summary posted to an organisation's HR channel, once per period."""

    __tablename__ = "summary_post"
    __table_args__ = (UniqueConstraint("cohort_id", "organisation_id", "period", name="uq_summary_cohort_org_period"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    cohort_id: int = _fk("cohort.id")
    organisation_id: int = _fk("organisation.id")
    period: str = Field(max_length=32)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    figures: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    posted_at: datetime | None = _timestamp()
    created_at: datetime = _timestamp(nullable=False)
    # The coaches' review of the draft (bot.summaries.review): None until the draft goes to them.
    review: str | None = Field(default=None, max_length=16)  # pending, approved, held, unreviewed
    review_sent_at: datetime | None = _timestamp()
    reviewed_by: str | None = Field(default=None, max_length=32)
    reviewed_at: datetime | None = _timestamp()
    coach_note: str | None = Field(default=None, max_length=600)
    removed_quotes: list[str] = Field(default_factory=list, sa_type=JSON)  # digests of the quotes a coach took out


class DmNote(SQLModel, table=True):
    """A mentor's DM to Mentori outside any prompt's thread, kept so one click can attach it to the open prompt."""

    __tablename__ = "dm_note"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    delivery_id: int = _fk("delivery.id")  # the open prompt offered when the message arrived
    channel_id: str = Field(max_length=32)
    message_ts: str = Field(max_length=32)
    text: str = Field(max_length=3000)
    created_at: datetime = _timestamp(nullable=False)


class ProcessedEvent(SQLModel, table=True):
    """An Events API event_id already handled, so a retried event never acts twice."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    team_id: str = Field(max_length=32)
    received_at: datetime = _timestamp(nullable=False)


class QueuedWork(SQLModel, table=True):
    """A command or event a `web` process acknowledged, waiting for a worker to carry it out."""

    __tablename__ = "queued_work"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # command | event
    team_id: str = Field(max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # what Slack sent, without its token
    enqueued_at: datetime = _timestamp(nullable=False)


class WorkerBeat(SQLModel, table=True):
    """A worker process that is alive, and whether it leads the scheduler; written every few seconds."""

    __tablename__ = "worker_beat"

    worker: str = Field(primary_key=True, max_length=200)
    leader: bool = Field(default=False)
    started_at: datetime = _timestamp(nullable=False)
    beat_at: datetime = _timestamp(nullable=False)


class PeerMet(StrEnum):
    """A mentor's answer to "Did you meet?" a week after their peer group was introduced."""

    YES = "yes"
    NOT_YET = "not_yet"
    WONT = "wont"


class PeerSetting(SQLModel, table=True):
    """Whether a cohort's mentors are put in cross-organisation peer groups after each kickoff, and how many."""

    __tablename__ = "peer_setting"
    __table_args__ = (CheckConstraint("size BETWEEN 2 AND 3", name="ck_peer_setting_size"),)

    cohort_id: int = Field(
        default=None, sa_column=Column(Integer, ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True)
    )
    team_id: str = Field(index=True, max_length=32)
    enabled: bool = True
    size: int = 2  # pairs (an odd one out makes a trio) or trios
    updated_by: str | None = Field(default=None, max_length=32)
    updated_at: datetime = _timestamp(nullable=False)


class PeerPreference(SQLModel, table=True):
    """A mentor's choices about peer groups: left out of them, and whether partners may see their experiment."""

    __tablename__ = "peer_preference"

    member_id: int = Field(
        default=None, sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    team_id: str = Field(index=True, max_length=32)
    opted_out: bool = False
    share_experiment: bool = False  # the current experiment's title is named in introductions only when True
    updated_at: datetime = _timestamp(nullable=False)


class PeerGroup(SQLModel, table=True):
    """A small group of mentors from different organisations, formed for one block; the newest round is current."""

    __tablename__ = "peer_group"
    __table_args__ = (UniqueConstraint("cohort_id", "round", "position", name="uq_peer_group_round_position"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    cohort_id: int = _fk("cohort.id")
    block: int  # the session whose kickoff the group follows
    round: int  # 1, 2, … per cohort: forming again makes a new round
    position: int
    language: str = Field(default="fi", max_length=2)
    introduce_at: datetime = _timestamp(nullable=False)
    formed_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = _timestamp(nullable=False)


class PeerGroupMember(SQLModel, table=True):
    """A mentor in a peer group: whether they met, and what they learned from the other organisation (theirs alone)."""

    __tablename__ = "peer_group_member"
    __table_args__ = (
        UniqueConstraint("group_id", "member_id", name="uq_peer_group_member"),
        CheckConstraint(f"met IS NULL OR met IN ({_values(PeerMet)})", name="ck_peer_group_member_met"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    group_id: int = _fk("peer_group.id")
    member_id: int = _fk("member.id")
    met: str | None = Field(default=None, max_length=16)
    met_at: datetime | None = _timestamp()
    reflection: str | None = Field(default=None, max_length=3000)
    reflected_at: datetime | None = _timestamp()
