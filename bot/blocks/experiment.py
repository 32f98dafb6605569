"""The mentor's forms from App Home: a new experiment, an experiment's progress, an HR meeting, deleting their data."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.blocks.answer_modal import VALUE, _input, number
from bot.blocks.kit import (
    Block,
    clip,
    context,
    md,
    modal,
    option,
    plain,
    say,
    section,
)
from bot.blocks.kit import notice_view as notice_view  # the forms' receipts; kept importable from here

EXPERIMENT_NEW = "experiment_new"
EXPERIMENT_EDIT = "experiment_edit"
HR_MEETING = "hr_meeting"
DATA_ERASE = "data_erase"
STATUSES = ("planned", "running", "done", "dropped")
DECISIONS = ("continue", "spread", "stop")


def _modal(
    language: str,
    callback_id: str,
    title_key: str,
    blocks: list[Block],
    metadata: dict[str, Any],
    submit_key: str = "mentor.save",
) -> dict[str, Any]:
    """A mentor's form: saved with `submit_key`, its metadata naming the rows it changes."""
    return modal(
        say(language, title_key),
        blocks,
        close=say(language, "mentor.cancel"),
        submit=say(language, submit_key),
        callback_id=callback_id,
        metadata=json.dumps(metadata),
    )


def _text_input(placeholder: str, limit: int, *, multiline: bool = False, initial: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "multiline": multiline,
        "max_length": limit,
        "placeholder": plain(clip(placeholder, 150)),
    }
    if initial:
        element["initial_value"] = initial[:limit]
    return element


def experiment_new_view(language: str, *, member_id: int, goals: Sequence[tuple[int, str]]) -> dict[str, Any]:
    """Title, the goal it serves, and the if-then plan "When ___, I will ___"."""
    blocks: list[Block] = [
        section(say(language, "mentor.experiment.new_intro")),
        _input(
            "title",
            say(language, "mentor.experiment.title_label"),
            _text_input(say(language, "mentor.experiment.title_placeholder"), 150),
            optional=False,
        ),
    ]
    if goals:
        blocks.append(
            _input(
                "goal",
                say(language, "mentor.experiment.goal_label"),
                {
                    "type": "static_select",
                    "action_id": VALUE,
                    "placeholder": plain(say(language, "mentor.experiment.goal_placeholder")),
                    "options": [option(text, str(goal_id)) for goal_id, text in goals[:100]],
                },
                hint=say(language, "mentor.experiment.goal_hint"),
            )
        )
    blocks += [
        _input(
            "plan_when",
            say(language, "mentor.experiment.when_label"),
            _text_input(say(language, "mentor.experiment.when_placeholder"), 500),
        ),
        _input(
            "plan_then",
            say(language, "mentor.experiment.then_label"),
            _text_input(say(language, "mentor.experiment.then_placeholder"), 500),
        ),
        context(say(language, "mentor.experiment.who_sees")),
    ]
    return _modal(language, EXPERIMENT_NEW, "mentor.experiment.new_title", blocks, {"member": member_id})


def experiment_edit_view(
    language: str,
    *,
    experiment_id: int,
    title: str,
    plan_when: str | None,
    plan_then: str | None,
    status: str,
    outcome: str | None,
    decision: str | None,
) -> dict[str, Any]:
    """Where the experiment stands, what came of it, and what next: continue, spread or stop."""
    statuses = [option(say(language, f"mentor.experiment.status.{value}"), value) for value in STATUSES]
    decisions = [
        option(
            say(language, f"mentor.experiment.decision.{value}"),
            value,
            say(language, f"mentor.experiment.decision_more.{value}"),
        )
        for value in DECISIONS
    ]
    plan = md("")
    if plan_when or plan_then:
        plan = "\n" + say(language, "mentor.experiment.plan", when=plan_when or "…", then=plan_then or "…")
    status_element: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": VALUE,
        "options": statuses,
        "initial_option": statuses[STATUSES.index(status)] if status in STATUSES else statuses[0],
    }
    decision_element: dict[str, Any] = {"type": "radio_buttons", "action_id": VALUE, "options": decisions}
    if decision in DECISIONS:
        decision_element["initial_option"] = decisions[DECISIONS.index(decision)]
    blocks: list[Block] = [
        section(md("*{title}*{plan}", title=title, plan=plan)),
        _input(
            "status",
            say(language, "mentor.experiment.status_label"),
            status_element,
            optional=False,
            hint=say(language, "mentor.experiment.status_hint"),
        ),
        _input(
            "outcome",
            say(language, "mentor.experiment.outcome_label"),
            _text_input(say(language, "mentor.experiment.outcome_placeholder"), 2000, multiline=True, initial=outcome),
            hint=say(language, "mentor.experiment.outcome_hint", max=number(language, 2000)),
        ),
        _input("decision", say(language, "mentor.experiment.decision_label"), decision_element),
        context(say(language, "mentor.experiment.who_sees")),
    ]
    return _modal(language, EXPERIMENT_EDIT, "mentor.experiment.edit_title", blocks, {"experiment": experiment_id})


def hr_meeting_view(language: str, *, member_id: int, today: date) -> dict[str, Any]:
    """The day the mentor met their HR contact, and notes only they will ever see."""
    blocks: list[Block] = [
        section(say(language, "mentor.hr.intro")),
        _input(
            "held_on",
            say(language, "mentor.hr.date_label"),
            {
                "type": "datepicker",
                "action_id": VALUE,
                "initial_date": today.isoformat(),
                "placeholder": plain(say(language, "mentor.hr.date_placeholder")),
            },
            optional=False,
        ),
        _input(
            "notes",
            say(language, "mentor.hr.notes_label"),
            _text_input(say(language, "mentor.hr.notes_placeholder"), 2000, multiline=True),
            hint=say(language, "mentor.hr.notes_hint", max=number(language, 2000)),
        ),
        context(say(language, "mentor.hr.who_sees")),
    ]
    return _modal(language, HR_MEETING, "mentor.hr.title", blocks, {"member": member_id})


def erase_confirm_view(language: str) -> dict[str, Any]:
    """What deleting one's data removes and what stays, before the mentor confirms."""
    blocks: list[Block] = [
        section(say(language, "mentor.data.erase_what")),
        section(say(language, "mentor.data.erase_stays")),
        context(say(language, "mentor.data.erase_export_first")),
    ]
    return _modal(language, DATA_ERASE, "mentor.data.erase_title", blocks, {}, submit_key="mentor.data.erase_submit")
