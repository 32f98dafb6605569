"""The text of `programme preview`: a dated timeline of every step, as a mentor would read it."""

from __future__ import annotations

import textwrap
from datetime import date

from bot.i18n import day, long_day, moment, t
from bot.programmes.model import Programme, Step
from bot.programmes.render import StepContext, example_context, fill
from bot.programmes.timeline import default_session_dates, timeline

WIDTH = 100


def preview_lines(programme: Programme, start: date, language: str, tz: str) -> list[str]:
    """Lines of the preview for a cohort whose first session is on `start`."""
    sessions = default_session_dates(start)
    lines = [
        t(language, "preview.title", programme=programme.name.get(language), start=long_day(language, start)),
        t(
            language,
            "preview.sessions",
            s1=day(language, sessions[1]),
            s2=day(language, sessions[2]),
            s3=day(language, sessions[3]),
            tz=tz,
        ),
        "",
    ]
    example = example_context(language)
    current_block = 0
    for entry in timeline(programme, sessions, tz):
        step = entry.step
        if step.block != current_block:
            current_block = step.block
            info = programme.session_info(current_block)
            lines += [
                "",
                "== " + t(language, "preview.session_heading", n=current_block, title=info.title.get(language)),
            ]
        weeks = (entry.moment.date() - sessions[2]).days // 7
        context = StepContext(goal=example.goal, experiment=example.experiment, weeks=weeks if weeks > 0 else None)
        when = moment(language, entry.moment)
        lines.append(f"{when}  {t(language, f'programme.kind.{step.kind}'):<22} {step.label.get(language)}")
        lines += _indented(_body(step, language, context, programme))
    prompts = sum(1 for step in programme.steps if step.is_prompt)
    lines += [
        "",
        t(
            language,
            "preview.count",
            count=len(programme.steps),
            prompts=prompts,
            summaries=len(programme.steps) - prompts,
        ),
        t(language, "preview.note"),
    ]
    return lines


def _body(step: Step, language: str, context: StepContext, programme: Programme) -> list[str]:
    if not step.is_prompt:
        return []
    body = [fill(step, language, context)]
    if step.kind == "kickoff":
        body.append(programme.session_info(step.session).assignment.get(language))
    if step.items:
        body += [f"{item_id}: {programme.item(item_id).text.get(language)}" for item_id in step.items]
    if step.rating == "thumbs":
        body.append(t(language, "preview.thumbs"))
    return body


def _indented(paragraphs: list[str]) -> list[str]:
    lines: list[str] = []
    for paragraph in paragraphs:
        for raw_line in paragraph.splitlines() or [""]:
            lines += textwrap.wrap(raw_line, WIDTH, initial_indent="    ", subsequent_indent="    ") or [""]
    return lines
