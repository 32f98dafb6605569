"""The App Home tab: the mentor's place in the programme, open prompts, trend, experiments, answers, settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from babel.numbers import format_decimal

from bot.blocks.answer_modal import PROMPT_ANSWER, PROMPT_SKIP, PROMPT_SNOOZE, escape, quote
from bot.blocks.kit import Block, actions, button, clip, context, divider, header, plain, section
from bot.i18n import BABEL_LOCALES, LANGUAGES, day, moment, t
from bot.mentor_home import MentorHome, Place, TrendItem

HOME_PAUSE = "home.pause"
HOME_RESUME = "home.resume"
HOME_LANGUAGE = "home.language"
HOME_EXPORT = "home.export"
HOME_ERASE = "home.erase"
HOME_EXPERIMENT_NEW = "home.experiment_new"
HOME_EXPERIMENT_EDIT = "home.experiment_edit"
HOME_HR_MEETING = "home.hr_meeting"
MAX_BLOCKS = 100
SPARKS = "▁▃▄▆█"
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


def _view(blocks: list[Block]) -> dict[str, Any]:
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}


def _with_extra(blocks: list[Block], extra: Sequence[Block]) -> list[Block]:
    """The coach's part after the mentor's, clipped so the whole stays within Slack's 100 blocks."""
    if not extra:
        return blocks
    room = MAX_BLOCKS - len(blocks) - 1
    return [*blocks, divider(), *list(extra)[: max(0, room)]]


def intro_home_view(language: str, *, extra: Sequence[Block] = ()) -> dict[str, Any]:
    """For someone who is no mentor (yet): what Mentori is; a coach's tools follow when they coach a cohort."""
    blocks: list[Block] = [header(t(language, "home.intro_title")), section(t(language, "home.intro"))]
    if not extra:
        blocks += [section(t(language, "home.intro_not_yet")), context(t(language, "home.intro_help"))]
    return _view(_with_extra(blocks, extra))


def mentor_home_view(
    language: str, home: MentorHome, *, extra: Sequence[Block] = (), min_group: int = 5
) -> dict[str, Any]:
    """The mentor's Home (their own data only), then whatever `extra` blocks the coach side adds."""
    blocks: list[Block] = [header(t(language, "home.title"))]
    blocks += [section(_place(language, place)) for place in home.places]
    blocks.append(_pause(language, home))
    blocks.append(divider())
    blocks += _open_prompts(language, home)
    blocks.append(divider())
    if home.trend:
        blocks += _trend(language, home)
    blocks += _experiments(language, home)
    blocks += _meetings(language, home)
    blocks.append(divider())
    blocks += _answers(language, home)
    blocks.append(divider())
    blocks += _settings(language, min_group)
    return _view(_with_extra(blocks, extra))


def _place(language: str, place: Place) -> str:
    lines = [f"*{escape(place.cohort)}*"]
    if place.session is not None and place.session_date is not None:
        lines.append(t(language, "home.place.session", n=place.session, day=day(language, place.session_date)))
    elif place.next_session_date is not None:
        lines.append(t(language, "home.place.starts", day=day(language, place.next_session_date)))
    if place.session is not None and place.next_session is not None and place.next_session_date is not None:
        lines.append(t(language, "home.place.next_session", n=place.next_session,
                       day=day(language, place.next_session_date)))  # fmt: skip
    if place.next_prompt and place.next_prompt_at is not None:
        lines.append(t(language, "home.place.next_prompt", label=escape(place.next_prompt),
                       when=moment(language, place.next_prompt_at)))  # fmt: skip
    else:
        lines.append(t(language, "home.place.no_prompt"))
    return "\n".join(lines)


def _pause(language: str, home: MentorHome) -> Block:
    if home.paused_until is not None:
        resume = button(t(language, "home.resume"), HOME_RESUME, "resume", style="primary")
        return section(t(language, "home.paused", day=day(language, home.paused_until)), accessory=resume)
    picker = {
        "type": "datepicker", "action_id": HOME_PAUSE, "placeholder": plain(t(language, "home.pause_placeholder")),
        "confirm": {"title": plain(t(language, "home.pause_confirm_title")[:100]),
                    "text": plain(t(language, "home.pause_confirm")[:300]),
                    "confirm": plain(t(language, "home.pause_confirm_yes")[:30]),
                    "deny": plain(t(language, "mentor.cancel")[:30])},
    }  # fmt: skip
    return section(t(language, "home.pause"), accessory=picker)


def _open_prompts(language: str, home: MentorHome) -> list[Block]:
    blocks: list[Block] = [section(t(language, "home.open_title"))]
    if not home.open_prompts:
        return [*blocks, context(t(language, "home.open_none"))]
    for prompt in home.open_prompts:
        notes = []
        if prompt.sent_on:
            notes.append(t(language, "home.open_sent", day=day(language, prompt.sent_on)))
        if prompt.snoozed_until:
            notes.append(t(language, "home.open_snoozed", when=moment(language, prompt.snoozed_until)))
        when = f"\n_{' · '.join(notes)}_" if notes else ""
        value = str(prompt.delivery_id)
        blocks.append(section(f"*{escape(prompt.label)}*\n{clip(escape(prompt.question), 300)}{when}"))
        blocks.append(actions(
            button(t(language, "home.answer"), PROMPT_ANSWER, value, style="primary"),
            button(t(language, "home.snooze"), PROMPT_SNOOZE, value),
            button(t(language, "home.skip"), PROMPT_SKIP, value),
            block_id=f"open_{value}",
        ))  # fmt: skip
    if home.more_open:
        blocks.append(context(t(language, "home.open_more", count=home.more_open)))
    return blocks


def sparkline(values: Sequence[int | None]) -> str:
    return "".join(SPARKS[value - 1] if value else "·" for value in values)


def _arrows(language: str, values: Sequence[float | None], *, decimals: bool = False) -> str:
    def one(value: float | None) -> str:
        if value is None:
            return "–"
        if decimals:
            return format_decimal(value, format="0.0", locale=BABEL_LOCALES[language])
        return str(int(value))

    return " → ".join(one(value) for value in values)


def _trend(language: str, home: MentorHome) -> list[Block]:
    lines = [t(language, "home.trend_title")]
    lines += [_trend_line(language, item) for item in home.trend]
    if home.means:
        lines.append(t(language, "home.trend_mean", values=_arrows(language, home.means, decimals=True)))
    return [section("\n".join(lines)), context(t(language, "home.trend_note"))]


def _trend_line(language: str, item: TrendItem) -> str:
    return f"`{sparkline(item.values)}` {_arrows(language, item.values)}  _{clip(escape(item.text), 140)}_"


def _experiments(language: str, home: MentorHome) -> list[Block]:
    blocks: list[Block] = [
        section(t(language, "home.experiments_title"),
                accessory=button(t(language, "home.experiment_new"), HOME_EXPERIMENT_NEW, "new")),
    ]  # fmt: skip
    if not home.experiments:
        return [*blocks, context(t(language, "home.experiments_none"))]
    for row in home.experiments:
        lines = [f"*{escape(row.title)}* · {t(language, f'mentor.experiment.status.{row.status}')}"]
        if row.plan_when or row.plan_then:
            lines.append(t(language, "mentor.experiment.plan", when=clip(escape(row.plan_when or "…"), 200),
                           then=clip(escape(row.plan_then or "…"), 200)))  # fmt: skip
        if row.goal:
            lines.append(t(language, "home.experiment_goal", goal=clip(escape(row.goal), 200)))
        if row.decision:
            lines.append(t(language, "home.experiment_decision",
                           decision=t(language, f"mentor.experiment.decision.{row.decision}")))  # fmt: skip
        if row.outcome:
            lines.append(quote(row.outcome, 200))
        blocks.append(section("\n".join(lines),
                              accessory=button(t(language, "home.experiment_edit"), HOME_EXPERIMENT_EDIT,
                                               str(row.id))))  # fmt: skip
    if home.more_experiments:
        blocks.append(context(t(language, "home.more_in_export", count=home.more_experiments)))
    return blocks


def _meetings(language: str, home: MentorHome) -> list[Block]:
    blocks: list[Block] = [
        section(t(language, "home.meetings_title"),
                accessory=button(t(language, "home.meeting_new"), HOME_HR_MEETING, "new")),
    ]  # fmt: skip
    if not home.meetings:
        return [*blocks, context(t(language, "home.meetings_none"))]
    lines = []
    for meeting in home.meetings:
        note = f" — {clip(escape(meeting.notes), 150)}" if meeting.notes else ""
        lines.append(f"• {day(language, meeting.held_on)}{note}")
    if home.more_meetings:
        lines.append(t(language, "home.more_in_export", count=home.more_meetings))
    return [*blocks, section("\n".join(lines)), context(t(language, "home.meetings_private"))]


def _answers(language: str, home: MentorHome) -> list[Block]:
    blocks: list[Block] = [section(t(language, "home.answers_title"))]
    if not home.past_answers:
        return [*blocks, context(t(language, "home.answers_none"))]
    for answer in home.past_answers:
        head = f"*{escape(answer.label)}* · {day(language, answer.answered_on)}"
        body = quote(answer.text, 200) if answer.text else t(language, "home.answer_rated", count=answer.rated)
        blocks.append(section(f"{head}\n{body}"))
    if home.more_past:
        blocks.append(context(t(language, "home.more_in_export", count=home.more_past)))
    return blocks


def _settings(language: str, min_group: int) -> list[Block]:
    options = [{"text": plain(LANGUAGE_NAMES[code]), "value": code} for code in LANGUAGES]
    current = options[LANGUAGES.index(language)] if language in LANGUAGES else options[0]
    select = {"type": "static_select", "action_id": HOME_LANGUAGE, "options": options, "initial_option": current}
    return [
        section(t(language, "home.language"), accessory=select),
        section(t(language, "home.data")),
        actions(
            button(t(language, "home.export"), HOME_EXPORT, "export"),
            button(t(language, "home.erase"), HOME_ERASE, "erase", style="danger"),
            block_id="home_data",
        ),
        context(t(language, "home.privacy", min_group=min_group)),
    ]
