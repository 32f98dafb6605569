"""A cohort's calendar as coaches see it: the text of `/mentori cohort quiet`, and the calendar form."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from babel.dates import format_date, get_day_names

from bot.blocks.kit import Block, Mrkdwn, context, joined, plain, say, section
from bot.i18n import BABEL_LOCALES
from bot.quiet_periods import CalendarOverview, QuietResult

CALENDAR_FORM = "cohort_calendar"
OPEN_ACTION = "calendar_open"  # the coach Home's button
VALUE = "value"
USUAL = "usual"


def short_day(language: str, value: date) -> str:
    """A date without its weekday: 12.7.2027 / 12 Jul 2027."""
    return format_date(value, format="d MMM yyyy" if language == "en" else "d.M.yyyy", locale=BABEL_LOCALES[language])


def day_names(language: str) -> list[str]:
    """Monday … Sunday, abbreviated, in the language."""
    names = get_day_names("abbreviated", locale=BABEL_LOCALES[language])
    return [str(names[index]) for index in range(7)]


def calendar_text(language: str, view: CalendarOverview) -> Mrkdwn:
    """Work days, the quiet periods (the usual ones named) and the rule for prompts that fall in them."""
    names = day_names(language)
    days = ", ".join(names[d] for d in sorted(view.workdays))
    lines = [
        say(language, "calendar.show.title", cohort=view.cohort),
        say(language, "calendar.show.workdays", days=days),
    ]
    periods: list[tuple[date, date, str | None]] = [(first, last, _what(language, first)) for first, last in view.usual]
    periods += [(first, last, None) for first, last in view.own]
    if not periods:
        lines.append(say(language, "calendar.show.none"))
    else:
        lines.append(say(language, "calendar.show.quiet_title"))
        for first, last, what in sorted(periods, key=lambda period: period[0]):
            key = "calendar.show.usual_line" if what else "calendar.show.own_line"
            lines.append(
                say(language, key, first=short_day(language, first), last=short_day(language, last), what=what or "")
            )
    return joined(lines)


def _what(language: str, first: date) -> str:
    return say(language, "calendar.show.christmas" if first.month == 12 else "calendar.show.summer")


def calendar_blocks(language: str, view: CalendarOverview, head: str | None = None) -> list[Block]:
    """The calendar as a reply: an optional first line (what was just done), the calendar and the rule."""
    blocks: list[Block] = [section(head)] if head else []
    return [*blocks, section(calendar_text(language, view)), context(say(language, "calendar.show.rule"))]


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def calendar_view(language: str, view: CalendarOverview) -> dict[str, Any]:
    """The calendar form: work days, the usual quiet periods on or off, and the cohort's own, one a line."""
    names = day_names(language)
    days = [_option(names[index], str(index)) for index in range(7)]
    usual = _option(say(language, "calendar.form.usual_option"), USUAL)
    workdays: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": VALUE,
        "options": days,
        "initial_options": [days[index] for index in sorted(view.workdays)],
    }
    usual_box: dict[str, Any] = {"type": "checkboxes", "action_id": VALUE, "options": [usual]}
    if view.usual_quiet:
        usual_box["initial_options"] = [usual]
    own = "\n".join(f"{first.isoformat()} {last.isoformat()}" for first, last in view.own)
    own_input: dict[str, Any] = {"type": "plain_text_input", "action_id": VALUE, "multiline": True, "max_length": 1500}
    if own:
        own_input["initial_value"] = own
    blocks: list[Block] = [
        section(say(language, "forms.for_cohort", cohort=view.cohort)),
        {"type": "input", "block_id": "workdays", "label": plain(say(language, "calendar.form.workdays")),
         "element": workdays},
        {"type": "input", "block_id": "usual", "optional": True, "label": plain(say(language, "calendar.form.usual")),
         "element": usual_box},
        {"type": "input", "block_id": "own", "optional": True, "label": plain(say(language, "calendar.form.own")),
         "element": own_input, "hint": plain(say(language, "calendar.form.own_hint"))},
        context(say(language, "calendar.show.rule")),
    ]  # fmt: skip
    return {
        "type": "modal",
        "callback_id": CALENDAR_FORM,
        "title": plain(say(language, "calendar.form.title")[:24]),
        "submit": plain(say(language, "calendar.form.save")[:24]),
        "close": plain(say(language, "calendar.form.cancel")[:24]),
        "blocks": blocks,
        "private_metadata": json.dumps({"cohort": view.cohort_id}),
    }


def calendar_notice(language: str, blocks: list[Block]) -> dict[str, Any]:
    """What replaces the form once it is saved."""
    return {
        "type": "modal",
        "callback_id": CALENDAR_FORM,
        "title": plain(say(language, "calendar.form.title")[:24]),
        "close": plain(say(language, "calendar.form.done")[:24]),
        "blocks": blocks,
    }


def quiet_reply(language: str, result: QuietResult) -> list[Block]:
    """The answer to `/mentori cohort quiet`: what was done, then the calendar."""
    cohort = result.calendar.cohort
    if result.done == "added" and result.period is not None:
        first, last = (short_day(language, value) for value in result.period)
        head: str | None = say(
            language, "calendar.done.added", first=first, last=last, cohort=cohort, moved=result.moved
        )
    elif result.done == "cleared":
        head = say(language, "calendar.done.cleared", cohort=cohort, moved=result.moved)
    else:
        head = None
    return calendar_blocks(language, result.calendar, head)
