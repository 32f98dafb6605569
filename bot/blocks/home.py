"""The App Home tab: the mentor's place in the programme, open prompts, trend, experiments, answers, settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from babel.numbers import format_decimal

from bot.blocks.answer_modal import PROMPT_ANSWER, PROMPT_SKIP, PROMPT_SNOOZE, quote
from bot.blocks.kit import (
    Block,
    Mrkdwn,
    actions,
    button,
    clip,
    context,
    divider,
    escape,
    header,
    joined,
    md,
    plain,
    say,
    section,
    sparkline,
)
from bot.i18n import BABEL_LOCALES, LANGUAGES, day, moment
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
    blocks: list[Block] = [header(say(language, "home.intro_title")), section(say(language, "home.intro"))]
    if not extra:
        blocks += [section(say(language, "home.intro_not_yet")), context(say(language, "home.intro_help"))]
    return _view(_with_extra(blocks, extra))


def mentor_home_view(
    language: str, home: MentorHome, *, extra: Sequence[Block] = (), min_group: int = 5, peers: Sequence[Block] = ()
) -> dict[str, Any]:
    """The mentor's Home (their own data only, with their peer groups' `peers` blocks), then whatever `extra` blocks
    the coach side adds."""
    blocks: list[Block] = [header(say(language, "home.title"))]
    blocks += [section(_place(language, place)) for place in home.places]
    blocks.append(_pause(language, home))
    blocks.append(divider())
    blocks += _open_prompts(language, home)
    blocks.append(divider())
    if home.trend:
        blocks += _trend(language, home)
    blocks += _experiments(language, home)
    blocks += _meetings(language, home)
    if peers:
        blocks += [divider(), *peers]
    blocks.append(divider())
    blocks += _answers(language, home)
    blocks.append(divider())
    blocks += _settings(language, min_group)
    return _view(_with_extra(blocks, extra))


def _place(language: str, place: Place) -> Mrkdwn:
    rows = [md("*{cohort}*", cohort=place.cohort)]
    if place.session is not None and place.session_date is not None:
        rows.append(say(language, "home.place.session", n=place.session, day=day(language, place.session_date)))
    elif place.next_session_date is not None:
        rows.append(say(language, "home.place.starts", day=day(language, place.next_session_date)))
    if place.session is not None and place.next_session is not None and place.next_session_date is not None:
        rows.append(
            say(language, "home.place.next_session", n=place.next_session, day=day(language, place.next_session_date))
        )
    if place.next_prompt and place.next_prompt_at is not None:
        rows.append(
            say(
                language, "home.place.next_prompt", label=place.next_prompt, when=moment(language, place.next_prompt_at)
            )
        )
    else:
        rows.append(say(language, "home.place.no_prompt"))
    return joined(rows)


def _pause(language: str, home: MentorHome) -> Block:
    if home.paused_until is not None:
        resume = button(say(language, "home.resume"), HOME_RESUME, "resume", style="primary")
        return section(say(language, "home.paused", day=day(language, home.paused_until)), accessory=resume)
    picker = {
        "type": "datepicker",
        "action_id": HOME_PAUSE,
        "placeholder": plain(say(language, "home.pause_placeholder")),
        "confirm": {
            "title": plain(say(language, "home.pause_confirm_title")[:100]),
            "text": plain(say(language, "home.pause_confirm")[:300]),
            "confirm": plain(say(language, "home.pause_confirm_yes")[:30]),
            "deny": plain(say(language, "mentor.cancel")[:30]),
        },
    }
    return section(say(language, "home.pause"), accessory=picker)


def _open_prompts(language: str, home: MentorHome) -> list[Block]:
    blocks: list[Block] = [section(say(language, "home.open_title"))]
    if not home.open_prompts:
        return [*blocks, context(say(language, "home.open_none"))]
    for prompt in home.open_prompts:
        notes = []
        if prompt.sent_on:
            notes.append(say(language, "home.open_sent", day=day(language, prompt.sent_on)))
        if prompt.snoozed_until:
            notes.append(say(language, "home.open_snoozed", when=moment(language, prompt.snoozed_until)))
        when = md("\n_{notes}_", notes=joined(notes, " · ")) if notes else md("")
        value = str(prompt.delivery_id)
        blocks.append(
            section(
                md(
                    "*{label}*\n{question}{when}",
                    label=prompt.label,
                    question=clip(escape(prompt.question), 300),
                    when=when,
                )
            )
        )
        blocks.append(
            actions(
                button(say(language, "home.answer"), PROMPT_ANSWER, value, style="primary"),
                button(say(language, "home.snooze"), PROMPT_SNOOZE, value),
                button(say(language, "home.skip"), PROMPT_SKIP, value),
                block_id=f"open_{value}",
            )
        )
    if home.more_open:
        blocks.append(context(say(language, "home.open_more", count=home.more_open)))
    return blocks


def _arrows(language: str, values: Sequence[float | None], *, decimals: bool = False) -> str:
    def one(value: float | None) -> str:
        if value is None:
            return "–"
        if decimals:
            return format_decimal(value, format="0.0", locale=BABEL_LOCALES[language])
        return str(int(value))

    return " → ".join(one(value) for value in values)


def _trend(language: str, home: MentorHome) -> list[Block]:
    rows = [say(language, "home.trend_title")]
    rows += [_trend_line(language, item) for item in home.trend]
    if home.means:
        rows.append(say(language, "home.trend_mean", values=_arrows(language, home.means, decimals=True)))
    return [section(joined(rows)), context(say(language, "home.trend_note"))]


def _trend_line(language: str, item: TrendItem) -> Mrkdwn:
    spark = sparkline(item.values, low=1, high=5)
    return md(
        "`{spark}` {arrows}  _{text}_",
        spark=spark,
        arrows=_arrows(language, item.values),
        text=clip(escape(item.text), 140),
    )


def _experiments(language: str, home: MentorHome) -> list[Block]:
    blocks: list[Block] = [
        section(
            say(language, "home.experiments_title"),
            accessory=button(say(language, "home.experiment_new"), HOME_EXPERIMENT_NEW, "new"),
        ),
    ]
    if not home.experiments:
        return [*blocks, context(say(language, "home.experiments_none"))]
    for row in home.experiments:
        rows = [
            md("*{title}* · {status}", title=row.title, status=say(language, f"mentor.experiment.status.{row.status}"))
        ]
        if row.plan_when or row.plan_then:
            rows.append(
                say(
                    language,
                    "mentor.experiment.plan",
                    when=clip(escape(row.plan_when or "…"), 200),
                    then=clip(escape(row.plan_then or "…"), 200),
                )
            )
        if row.goal:
            rows.append(say(language, "home.experiment_goal", goal=clip(escape(row.goal), 200)))
        if row.decision:
            rows.append(
                say(
                    language,
                    "home.experiment_decision",
                    decision=say(language, f"mentor.experiment.decision.{row.decision}"),
                )
            )
        if row.outcome:
            rows.append(quote(row.outcome, 200))
        blocks.append(
            section(
                joined(rows), accessory=button(say(language, "home.experiment_edit"), HOME_EXPERIMENT_EDIT, str(row.id))
            )
        )
    if home.more_experiments:
        blocks.append(context(say(language, "home.more_in_export", count=home.more_experiments)))
    return blocks


def _meetings(language: str, home: MentorHome) -> list[Block]:
    blocks: list[Block] = [
        section(
            say(language, "home.meetings_title"),
            accessory=button(say(language, "home.meeting_new"), HOME_HR_MEETING, "new"),
        ),
    ]
    if not home.meetings:
        return [*blocks, context(say(language, "home.meetings_none"))]
    rows = []
    for meeting in home.meetings:
        note = md(" — {notes}", notes=clip(escape(meeting.notes), 150)) if meeting.notes else md("")
        rows.append(md("• {day}{note}", day=day(language, meeting.held_on), note=note))
    if home.more_meetings:
        rows.append(say(language, "home.more_in_export", count=home.more_meetings))
    return [*blocks, section(joined(rows)), context(say(language, "home.meetings_private"))]


def _answers(language: str, home: MentorHome) -> list[Block]:
    blocks: list[Block] = [section(say(language, "home.answers_title"))]
    if not home.past_answers:
        return [*blocks, context(say(language, "home.answers_none"))]
    for answer in home.past_answers:
        head = md("*{label}* · {day}", label=answer.label, day=day(language, answer.answered_on))
        body = quote(answer.text, 200) if answer.text else say(language, "home.answer_rated", count=answer.rated)
        blocks.append(section(joined([head, body])))
    if home.more_past:
        blocks.append(context(say(language, "home.more_in_export", count=home.more_past)))
    return blocks


def _settings(language: str, min_group: int) -> list[Block]:
    options = [{"text": plain(LANGUAGE_NAMES[code]), "value": code} for code in LANGUAGES]
    current = options[LANGUAGES.index(language)] if language in LANGUAGES else options[0]
    select = {"type": "static_select", "action_id": HOME_LANGUAGE, "options": options, "initial_option": current}
    return [
        section(say(language, "home.language"), accessory=select),
        section(say(language, "home.data")),
        actions(
            button(say(language, "home.export"), HOME_EXPORT, "export"),
            button(say(language, "home.erase"), HOME_ERASE, "erase", style="danger"),
            block_id="home_data",
        ),
        context(say(language, "home.privacy", min_group=min_group)),
    ]
