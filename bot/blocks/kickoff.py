"""Kickoff surfaces: the mentor's kickoff DM, the coach's receipt, the confirmation, the form and its notices."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.blocks.kit import (
    Block,
    Mrkdwn,
    actions,
    button,
    clip,
    context,
    escape,
    header,
    joined,
    md,
    message,
    modal,
    option,
    plain,
    say,
    say_plural,
    section,
)
from bot.blocks.kit import notice_view as kit_notice_view
from bot.blocks.peers import formed_text
from bot.blocks.status import local_moment
from bot.i18n import day, t
from bot.programmes import Programme, Step, programme_by_id
from bot.programmes.render import StepContext, fill

if TYPE_CHECKING:
    from bot.kickoff import KickoffResult

KICKOFF_FORM = "kickoff"  # the form's callback_id
KICKOFF_CONFIRM_FORM = "kickoff_confirm"  # the form's out-of-order confirmation
CONFIRM_ACTION = "kickoff_confirm"  # the button under the out-of-order question in a message
CANCEL_ACTION = "kickoff_cancel"
VALUE = "value"  # every input's action_id; the block id names the field
MAX_COHORT_OPTIONS = 100
MAX_ID = 2**31  # database ids are 32-bit integers


# -- the mentor's kickoff DM --------------------------------------------------------------------------------------


def kickoff_message(programme: Programme, step: Step, language: str, context_: StepContext) -> tuple[str, list[Block]]:
    """(text, blocks) of a kickoff step's DM: the session's title, the step's text, the assignment, what's next.

    The outbox sender calls this for steps of kind "kickoff", with `bot.kickoff.kickoff_context(...)` as the
    context; a plain StepContext works too, without the lines on what comes next.
    """
    info = programme.session_info(step.session)
    title = say(language, "kickoff.dm.title", n=step.session, title=info.title.get(language))
    blocks: list[Block] = [
        header(title),
        section(fill(step, language, context_)),
        section(_quote(info.assignment.get(language))),
    ]
    upcoming = []
    label, when = getattr(context_, "next_label", None), getattr(context_, "next_moment", None)
    if label and when is not None:
        tz = getattr(context_, "tz", None) or "Europe/Helsinki"
        upcoming.append(say(language, "kickoff.dm.next_prompt", step=label, moment=local_moment(language, when, tz)))
    next_session, next_date = getattr(context_, "next_session", None), getattr(context_, "next_session_date", None)
    if next_session is not None and next_date is not None:
        upcoming.append(say(language, "kickoff.dm.next_session", n=next_session, day=day(language, next_date)))
    if upcoming:
        blocks.append(section(joined(upcoming)))
    blocks.append(context(say(language, "kickoff.dm.hint")))
    return say(language, "kickoff.dm.text", n=step.session, title=info.title.get(language)), blocks


def _quote(text: str) -> Mrkdwn:
    return Mrkdwn("\n".join(f">{line}" if line else ">" for line in escape(text).splitlines()))


# -- the coach's answers -----------------------------------------------------------------------------------------


def receipt_message(result: KickoffResult, language: str) -> dict[str, Any]:
    """What the coach reads after a kickoff: mentors, prompts planned, what goes out next and when."""
    plan = result.plan
    assert plan is not None
    tz = result.timezone
    blocks: list[Block] = [
        header(say(language, "kickoff.receipt.title", n=result.number, cohort=result.cohort)),
        section(say(language, "kickoff.receipt.counts", mentors=plan.mentors, planned=plan.planned)),
    ]
    if plan.mentors == 0:
        blocks.append(section(say(language, "kickoff.receipt.no_mentors", cohort=result.cohort)))
    else:
        rows = [say(language, "kickoff.receipt.next_title")]
        shown: list[str] = []
        if plan.next_step is not None and plan.next_moment is not None:
            rows.append(_next_line(language, tz, plan.next_step.label.get(language), plan.next_moment, result))
            shown.append(plan.next_step.id)
        for entry in result.upcoming:
            if len(shown) >= 2:
                break
            if entry.step_id not in shown and entry.step is not None:
                rows.append(_next_line(language, tz, entry.step.label.get(language), entry.moment, result))
                shown.append(entry.step_id)
        if len(rows) == 1:
            rows = [say(language, "kickoff.receipt.nothing_next")]
        blocks.append(section(joined(rows)))
    if result.peer_groups is not None and result.peer_groups.groups:
        blocks.append(section(formed_text(language, result.peer_groups, tz)))
    blocks.append(context(say(language, "kickoff.receipt.footer", cohort=result.cohort)))
    text = say(
        language,
        "kickoff.receipt.text",
        n=result.number,
        cohort=result.cohort,
        mentors=plan.mentors,
        planned=plan.planned,
    )
    return message(text, blocks)


def _next_line(language: str, tz: str, label: str, when: Any, result: KickoffResult) -> Mrkdwn:
    started = result.started_at
    if started is not None and when <= started:
        return say(language, "kickoff.receipt.next_line", step=label, moment=say(language, "kickoff.receipt.now"))
    return say(language, "kickoff.receipt.next_line", step=label, moment=local_moment(language, when, tz))


def already_text(result: KickoffResult, language: str) -> Mrkdwn:
    """The same kickoff again: when and by whom it was started, and that nothing went out again."""
    when = local_moment(language, result.started_at, result.timezone) if result.started_at else ""
    if result.started_by:
        return say(
            language, "kickoff.already", n=result.number, cohort=result.cohort, moment=when, user=result.started_by
        )
    return say(language, "kickoff.already_unknown", n=result.number, cohort=result.cohort, moment=when)


def question_text(result: KickoffResult, language: str) -> Mrkdwn:
    """Why a kickoff needs confirming: earlier sessions not started, a date days away, or both."""
    lines: list[str] = []
    earlier = result.not_started
    if len(earlier) == 1:
        lines.append(say(language, "kickoff.confirm.one", earlier=earlier[0], n=result.number, cohort=result.cohort))
    elif earlier:
        lines.append(
            say(
                language,
                "kickoff.confirm.many",
                first=earlier[0],
                last=earlier[-1],
                n=result.number,
                cohort=result.cohort,
            )
        )
    if result.days_ahead:
        days = say_plural(language, "kickoff.confirm.days", result.days_ahead)
        key = "kickoff.confirm.early_also" if earlier else "kickoff.confirm.early"
        lines.append(
            say(language, key, n=result.number, cohort=result.cohort, day=day(language, result.date), days=days)
        )
    if earlier:
        lines.append(say(language, "kickoff.confirm.detail", n=result.number))
    return joined(lines)


def preview_blocks(result: KickoffResult, language: str) -> list[Block]:
    """What each mentor would get at once if the kickoff is confirmed: the kickoff DM and what follows it."""
    if result.mentors == 0:
        return [context(say(language, "kickoff.confirm.preview_no_mentors"))]
    programme = programme_by_id(result.programme)
    block = programme.steps_in_block(result.number)
    step = next((s for s in block if s.kind == "kickoff"), None)
    if step is None:
        return []
    info = programme.session_info(result.number)
    title = say(language, "kickoff.dm.title", n=result.number, title=info.title.get(language))
    shown_ = [
        say(language, "kickoff.confirm.preview_title", mentors=result.mentors),
        joined([md("*{title}*", title=title), _quote(fill(step, language, StepContext()))]),
        _quote(info.assignment.get(language)),
    ]
    follows = [s.label.get(language) for s in block if s.follows_kickoff]
    if follows:
        shown_.append(say(language, "kickoff.confirm.preview_follows", steps=", ".join(follows)))
    return [section(clip(text, 3000)) for text in shown_]


def choice_value(cohort_id: int, number: int) -> str:
    """What the Confirm button and the confirmation form carry; only a hint, checked again when used."""
    return json.dumps({"cohort": cohort_id, "n": number}, separators=(",", ":"))


def read_choice(raw: str | None) -> tuple[int, int] | None:
    """(cohort id, session number) from `choice_value`, or None if it is not ours."""
    try:
        value = json.loads(raw or "")
        cohort_id, number = value["cohort"], value["n"]
    except (ValueError, TypeError, KeyError):
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < MAX_ID for v in (cohort_id, number)):
        return None
    return cohort_id, number


def confirm_message(result: KickoffResult, language: str) -> dict[str, Any]:
    """The question (out of order, or days early) with what mentors would get, and Confirm and Cancel buttons."""
    question = question_text(result, language)
    value = choice_value(result.cohort_id, result.number)
    blocks: list[Block] = [
        section(question),
        *preview_blocks(result, language),
        actions(
            button(say(language, "kickoff.confirm.button", n=result.number), CONFIRM_ACTION, value, style="primary"),
            button(say(language, "kickoff.confirm.cancel"), CANCEL_ACTION, value),
            block_id="kickoff_confirm",
        ),
    ]
    return message(question, blocks)


# -- the form -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortChoice:
    """A cohort offered in the form, with its session dates and which sessions have started."""

    cohort_id: int
    name: str
    dates: tuple[date, ...] = ()
    started: tuple[int, ...] = ()


def kickoff_view(language: str, cohorts: Sequence[CohortChoice], programme: Programme | None) -> dict[str, Any]:
    """Pick a cohort (those the user manages) and a session; with one cohort, it and its next session are chosen.

    `programme` (when every cohort offered follows the same one) adds each session's title to its option.
    """
    choices = [option(c.name, str(c.cohort_id)) for c in cohorts[:MAX_COHORT_OPTIONS]]
    placeholder = plain(t(language, "kickoff.form.cohort_placeholder"))
    cohort_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": VALUE,
        "options": choices,
        "placeholder": placeholder,
    }
    only = cohorts[0] if len(cohorts) == 1 else None
    if only is not None:
        cohort_select["initial_option"] = choices[0]
    sessions = []
    for number in (1, 2, 3):
        described = []
        if only is not None and len(only.dates) >= number:
            described.append(day(language, only.dates[number - 1]))
        if only is not None and number in only.started:
            described.append(say(language, "kickoff.form.started"))
        elif programme is not None:
            described.append(programme.session_info(number).title.get(language))
        sessions.append(
            option(say(language, "kickoff.form.session_option", n=number), str(number), " · ".join(described) or None)
        )
    radio: dict[str, Any] = {"type": "radio_buttons", "action_id": VALUE, "options": sessions}
    if only is not None:
        following = next((n for n in (1, 2, 3) if n not in only.started), None)
        if following is not None:
            radio["initial_option"] = sessions[following - 1]
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": "cohort",
            "label": plain(say(language, "kickoff.form.cohort")),
            "element": cohort_select,
        },
        {
            "type": "input",
            "block_id": "session",
            "label": plain(say(language, "kickoff.form.session")),
            "element": radio,
            "hint": plain(say(language, "kickoff.form.hint")),
        },
    ]
    return modal(
        say(language, "kickoff.form.title"),
        blocks,
        submit=say(language, "kickoff.form.submit"),
        close=say(language, "kickoff.form.close"),
        callback_id=KICKOFF_FORM,
    )


def confirm_view(result: KickoffResult, language: str) -> dict[str, Any]:
    """The form's out-of-order question: submitting it starts the session anyway."""
    title = say(language, "kickoff.confirm.title" if result.not_started else "kickoff.confirm.title_early")
    return modal(
        title,
        [section(question_text(result, language)), *preview_blocks(result, language)],
        submit=say(language, "kickoff.confirm.button", n=result.number),
        close=say(language, "kickoff.confirm.cancel"),
        callback_id=KICKOFF_CONFIRM_FORM,
        metadata=choice_value(result.cohort_id, result.number),
    )


def notice_view(language: str, blocks: list[Block]) -> dict[str, Any]:
    """What replaces the form once it is done: the receipt, or why nothing was done."""
    return kit_notice_view(
        language,
        say(language, "kickoff.form.title"),
        blocks,
        close=say(language, "kickoff.form.done"),
        callback_id=KICKOFF_FORM,
    )
