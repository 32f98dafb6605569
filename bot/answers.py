"""A mentor's answers to the prompts they were sent: finding their own prompt, checking, saving, skipping, snoozing.

Every function that takes a delivery id also takes the Slack user and workspace and finds the prompt only if it was
sent to that user as a mentor: ids from buttons and modal metadata are never trusted.

Editing rule: a prompt can be answered whenever it reached the mentor (late answers are kept for the mentor, they
just miss a summary that has gone out), but a saved answer can be changed only until the HR summary of its period
has been posted for the mentor's organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.cohort_calendar import calendar_of
from bot.cohorts import Invalid
from bot.numbers import whole_number
from bot.planning import work_policy
from bot.programmes import Programme, Step, programme_by_id
from bot.programmes.model import SUMMARY_PERIODS
from bot.programmes.render import StepContext, fill
from bot.work_calendar import next_working_morning
from storage.models import (
    Answer,
    Cohort,
    CohortStatus,
    Delivery,
    DeliveryStatus,
    DmNote,
    Experiment,
    ExperimentStatus,
    Goal,
    Member,
    MemberStatus,
    Organisation,
    ProcessedEvent,
    Role,
    SlackUser,
    SummaryPost,
)

ANSWER_LIMIT = 2000  # characters; shown in the modal's hint
THUMBS = ("up", "unsure", "down")
REACHED = (DeliveryStatus.SENT, DeliveryStatus.ANSWERED, DeliveryStatus.SKIPPED)  # statuses of prompts a mentor got
NOTE_DAYS = 7  # a DM not attached to a prompt within this many days is forgotten


@dataclass
class Prompt:
    """A prompt that reached one mentor, with what is needed to show it to them."""

    delivery: Delivery
    member: Member
    cohort: Cohort
    programme: Programme
    step: Step
    answer: Answer | None

    @property
    def delivery_id(self) -> int:
        return int(self.delivery.id or 0)


def summary_period(programme: Programme, step: Step) -> str:
    """The HR summary period a prompt's answers belong to: the first summary placed at or after the step.

    For the Feeniks programme this is block 1 → "before-session-2", block 2 → "before-session-3", block 3 →
    "after-session-3"; follow-ups and anything placed after the after-session-3 summary (the T2 check-in) →
    "follow-up".
    """
    if step.kind == "followup":
        return "follow-up"
    summaries = sorted((s for s in programme.steps if s.kind == "summary" and s.period), key=_position)
    for summary in summaries:
        if _position(step) <= _position(summary):
            return str(summary.period)
    return SUMMARY_PERIODS[-1]


def _position(step: Step) -> tuple[int, int, Any]:
    return (step.session, step.days, step.at)


def own_prompt(session: Session, *, team_id: str, user_id: str, delivery_id: Any) -> Prompt:
    """The prompt, only if it reached `user_id` as a mentor in `team_id`; the same refusal whether it is someone
    else's or does not exist, so ids cannot be probed."""
    wanted = whole_number(delivery_id)
    if wanted is None:
        raise Invalid("mentor.error.not_found")
    row = session.exec(
        select(Delivery, Member, Cohort)
        .join(Member, col(Member.id) == col(Delivery.member_id))
        .join(Cohort, col(Cohort.id) == col(Delivery.cohort_id))
        .where(
            Delivery.id == wanted,
            Delivery.team_id == team_id,
            Member.team_id == team_id,
            Member.user_id == user_id,
            Member.role == Role.MENTOR,
            col(Delivery.status).in_(REACHED),
        )
    ).first()
    if row is None:
        raise Invalid("mentor.error.not_found")
    return _prompt(session, *row)


def _prompt(session: Session, delivery: Delivery, member: Member, cohort: Cohort) -> Prompt:
    programme = programme_by_id(cohort.programme)
    try:
        step = programme.step(delivery.step_id)
    except KeyError:
        raise Invalid("mentor.error.not_found") from None
    if not step.is_question:  # a kickoff tells what comes next; there is nothing to answer
        raise Invalid("mentor.error.not_found")
    answer = session.exec(select(Answer).where(Answer.delivery_id == delivery.id)).first()
    return Prompt(delivery, member, cohort, programme, step, answer)


def prompt_for_thread(
    session: Session, *, team_id: str, user_id: str, channel_id: str, thread_ts: str
) -> Prompt | None:
    """The user's prompt whose DM started the thread `thread_ts`, if that is what it is. Its delivery row stays
    locked until the caller's transaction ends (PostgreSQL), so two replies in one thread are saved one after the
    other: the second is added to the first's answer instead of both creating one."""
    delivery = session.exec(
        select(Delivery)
        .where(Delivery.team_id == team_id, Delivery.channel_id == channel_id, Delivery.message_ts == thread_ts)
        .with_for_update()
    ).first()
    if delivery is None:
        return None
    try:
        return own_prompt(session, team_id=team_id, user_id=user_id, delivery_id=delivery.id)
    except Invalid:
        return None


def open_prompts(session: Session, *, team_id: str, user_id: str, limit: int = 20) -> list[Prompt]:
    """Questions sent to the user and neither answered nor skipped, newest first (kickoffs ask nothing)."""
    rows = session.exec(
        select(Delivery, Member, Cohort)
        .join(Member, col(Member.id) == col(Delivery.member_id))
        .join(Cohort, col(Cohort.id) == col(Delivery.cohort_id))
        .where(
            Delivery.team_id == team_id,
            Member.user_id == user_id,
            Member.role == Role.MENTOR,
            Member.status == MemberStatus.ACTIVE,
            Cohort.status == CohortStatus.ACTIVE,
            Delivery.status == DeliveryStatus.SENT,
        )
        .order_by(col(Delivery.sent_at).desc(), col(Delivery.id).desc())
    ).all()  # a mentor's unanswered prompts are a few dozen at most: kickoffs are left out below, not in SQL
    prompts = []
    for row in rows:
        try:
            prompts.append(_prompt(session, *row))
        except Invalid:
            continue  # a kickoff, or a step no longer in the programme: nothing to answer
    return prompts[:limit]


def summary_posted(session: Session, prompt: Prompt) -> datetime | None:
    """When the HR summary of the prompt's period went out for the mentor's organisation, if it has."""
    query = select(SummaryPost.posted_at).where(
        SummaryPost.cohort_id == prompt.cohort.id,
        SummaryPost.period == summary_period(prompt.programme, prompt.step),
        col(SummaryPost.posted_at).is_not(None),
    )
    if prompt.member.organisation_id is not None:
        query = query.where(SummaryPost.organisation_id == prompt.member.organisation_id)
    return session.exec(query.order_by(col(SummaryPost.posted_at))).first()


def require_taking_part(prompt: Prompt) -> None:
    """Answers come from mentors still in an active cohort."""
    if prompt.member.status != MemberStatus.ACTIVE or prompt.cohort.status != CohortStatus.ACTIVE:
        raise Invalid("mentor.error.not_in_programme", cohort=prompt.cohort.name)


def may_change(session: Session, prompt: Prompt) -> bool:
    """Whether the prompt's answer (if any) may still be written or changed."""
    if prompt.member.status != MemberStatus.ACTIVE or prompt.cohort.status != CohortStatus.ACTIVE:
        return False
    return prompt.answer is None or summary_posted(session, prompt) is None


def require_changeable(session: Session, prompt: Prompt) -> None:
    require_taking_part(prompt)
    if prompt.answer is not None:
        posted = summary_posted(session, prompt)
        if posted is not None:
            raise Invalid("mentor.error.closed", posted=posted)


def check_answer(step: Step, text: str | None, ratings: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The answer as it will be stored; Invalid (with the form field) when it is empty, too long or malformed."""
    cleaned = (text or "").strip()
    if len(cleaned) > ANSWER_LIMIT:
        raise Invalid("mentor.error.too_long", field="text", max=ANSWER_LIMIT, length=len(cleaned))
    checked: dict[str, Any] = {}
    for key, value in ratings.items():
        if value is None:
            continue
        if key == "thumbs" and step.rating == "thumbs":
            if value not in THUMBS:
                raise Invalid("mentor.error.rating", field="thumbs")
            checked[key] = value
        elif key in step.items:
            number = whole_number(value, maximum=5) or 0
            if not 1 <= number <= 5:
                raise Invalid("mentor.error.rating", field=f"item_{key}")
            checked[key] = number
        else:
            raise Invalid("mentor.error.rating", field="text")
    if not cleaned and not checked:
        raise Invalid("mentor.error.empty", field="text")
    return cleaned or None, checked


def save_answer(
    session: Session,
    prompt: Prompt,
    *,
    text: str | None,
    ratings: dict[str, Any],
    consent: bool | None,
    source: str,
    now: datetime,
    append: bool = False,
) -> Answer:
    """Store the answer (or, with `append`, add `text` to the existing one); the delivery becomes answered.

    `consent=None` keeps what the mentor chose before (a thread reply cannot tick the box).
    """
    require_changeable(session, prompt)
    text, ratings = check_answer(prompt.step, text, ratings)
    answer = prompt.answer
    if answer is None:
        answer = Answer(
            team_id=prompt.cohort.team_id,
            delivery_id=prompt.delivery_id,
            member_id=int(prompt.member.id or 0),
            text=text,
            ratings=ratings,
            consent_to_quote=bool(consent),
            source=source,
            created_at=now,
            updated_at=now,
        )
    else:
        if append and answer.text and text:
            text = f"{answer.text}\n\n{text}"
            if len(text) > ANSWER_LIMIT:
                raise Invalid("mentor.error.too_long_together", field="text", max=ANSWER_LIMIT)
        elif append and text is None:
            text = answer.text
        answer.text = text
        answer.ratings = {**answer.ratings, **ratings} if append else ratings
        if consent is not None:
            answer.consent_to_quote = consent
        answer.updated_at = now
    prompt.delivery.status = DeliveryStatus.ANSWERED
    prompt.delivery.snoozed_until = None
    session.add(answer)
    session.add(prompt.delivery)
    session.flush()
    prompt.answer = answer
    return answer


def answer_from_reply(session: Session, prompt: Prompt, *, text: str, now: datetime, source: str = "thread") -> bool:
    """A message the mentor wrote for this prompt (its thread, or a kept DM): the answer, or an addition to the
    answer already there while it may change. Returns True when it was added to an earlier answer."""
    added = prompt.answer is not None
    save_answer(session, prompt, text=text, ratings={}, consent=None, source=source, now=now, append=added)
    return added


def skip_prompt(session: Session, prompt: Prompt) -> None:
    """The mentor skips the prompt: no reminder will come. It can still be answered later."""
    require_taking_part(prompt)
    if prompt.delivery.status == DeliveryStatus.ANSWERED:
        raise Invalid("mentor.error.already_answered")
    prompt.delivery.status = DeliveryStatus.SKIPPED
    prompt.delivery.snoozed_until = None
    session.add(prompt.delivery)


def snooze_prompt(session: Session, prompt: Prompt, *, now: datetime) -> datetime:
    """The mentor snoozes the prompt: its one reminder comes on their next working morning. Returns that moment."""
    require_taking_part(prompt)
    if prompt.delivery.status != DeliveryStatus.SENT:
        key = "mentor.error.already_answered" if prompt.answer else "mentor.error.already_skipped"
        raise Invalid(key)
    moment = next_working_morning(now, mentor_policy(session, prompt.cohort, prompt.member))
    prompt.delivery.snoozed_until = moment
    prompt.delivery.reminded_at = None
    session.add(prompt.delivery)
    return moment


def mentor_policy(session: Session, cohort: Cohort, member: Member) -> Any:
    """The mentor's work policy (time zone, hours, holidays, pause), as the nudge engine uses it."""
    user = session.get(SlackUser, (member.team_id, member.user_id))
    organisation = session.get(Organisation, member.organisation_id) if member.organisation_id else None
    return work_policy(cohort, member, user, organisation, calendar_of(session, cohort))


def mentor_zone(session: Session, cohort: Cohort, member: Member) -> ZoneInfo:
    """The time zone the mentor's dates and times are shown in."""
    user = session.get(SlackUser, (member.team_id, member.user_id))
    try:
        return ZoneInfo(user.tz if user and user.tz else cohort.timezone)
    except (KeyError, ValueError):
        return ZoneInfo(cohort.timezone)


def step_context(session: Session, member: Member, *, now: datetime) -> StepContext:
    """What a step's placeholders say for this mentor: their organisation's first goal and their experiment.

    The experiment named is the running one (else the newest planned one); `weeks` is how long it has run.
    """
    goal = None
    if member.organisation_id is not None:
        goal = session.exec(
            select(Goal.text)
            .where(Goal.organisation_id == member.organisation_id)
            .order_by(col(Goal.position), col(Goal.id))
        ).first()
    experiment = current_experiment(session, member)
    weeks = None
    if experiment is not None and experiment.started_at is not None:
        weeks = max(1, (now - experiment.started_at).days // 7)
    return StepContext(goal=goal, experiment=experiment.title if experiment else None, weeks=weeks)


def current_experiment(session: Session, member: Member) -> Experiment | None:
    for status in (ExperimentStatus.RUNNING, ExperimentStatus.PLANNED):
        found = session.exec(
            select(Experiment)
            .where(Experiment.member_id == member.id, Experiment.status == status)
            .order_by(col(Experiment.updated_at).desc(), col(Experiment.id).desc())
        ).first()
        if found is not None:
            return found
    return None


def question(session: Session, prompt: Prompt, language: str, *, now: datetime) -> str:
    """The prompt's question as this mentor reads it."""
    return fill(prompt.step, language, step_context(session, prompt.member, now=now))


# -- DMs outside a prompt's thread -------------------------------------------------------------------------------


def keep_note(
    session: Session, prompt: Prompt, *, channel_id: str, message_ts: str, text: str, now: datetime
) -> DmNote:
    """Keep a DM so the mentor can attach it to `prompt` with one click (for NOTE_DAYS; the daily purge drops it
    after that)."""
    note = DmNote(
        team_id=prompt.cohort.team_id,
        delivery_id=prompt.delivery_id,
        channel_id=channel_id,
        message_ts=message_ts,
        text=text,
        created_at=now,
    )
    session.add(note)
    session.flush()
    return note


def own_note(session: Session, *, team_id: str, user_id: str, note_id: Any, now: datetime) -> tuple[DmNote, Prompt]:
    """The kept DM and its prompt, only if both are the user's own and the DM is not over NOTE_DAYS old."""
    wanted = whole_number(note_id)
    if wanted is None:
        raise Invalid("mentor.error.note_gone")
    note = session.get(DmNote, wanted)
    if note is None or note.team_id != team_id or note.created_at < now - timedelta(days=NOTE_DAYS):
        raise Invalid("mentor.error.note_gone")
    try:
        prompt = own_prompt(session, team_id=team_id, user_id=user_id, delivery_id=note.delivery_id)
    except Invalid:
        raise Invalid("mentor.error.note_gone") from None
    return note, prompt


# -- events ------------------------------------------------------------------------------------------------------


def claim_event(session: Session, *, event_id: str, team_id: str, now: datetime) -> bool:
    """False if this Events API event was handled before; otherwise records it in the caller's transaction, so
    a retry that races this one fails on the primary key and saves nothing."""
    if not event_id:
        return True
    if session.get(ProcessedEvent, event_id) is not None:
        return False
    session.add(ProcessedEvent(event_id=event_id[:64], team_id=team_id, received_at=now))
    session.flush()
    return True
