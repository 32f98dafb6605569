"""Reading and checking programme templates (TOML files)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import replace
from datetime import time
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

from bot.i18n import LANGUAGES, placeholders
from bot.programmes.model import (
    CHECKPOINTS,
    FORMS,
    KINDS,
    OPTIONAL_PLACEHOLDERS,
    PLACEHOLDERS,
    SUMMARY_PERIODS,
    Item,
    Programme,
    ProgrammeError,
    SessionInfo,
    Step,
    Text,
)
from bot.programmes.model import VARIANT_FIELDS as VARIANTS

DEFAULT_PROGRAMME = Path(__file__).resolve().parent / "feeniks.toml"
STEP_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
TAGS = frozenset({"G1", "G2", "G3"})


def load_programme(path: Path | str) -> Programme:
    """Read a template; raise ProgrammeError listing every problem found."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise ProgrammeError([f"{path}: no such file"]) from None
    except tomllib.TOMLDecodeError as error:
        raise ProgrammeError([f"{path}: not valid TOML: {error}"]) from None
    return _Parser(str(path)).programme(raw)


def parse_programme(text: str, name: str) -> Programme:
    """A template from its text (an upload); `name` says which file in the errors, as `load_programme` does."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProgrammeError([f"{name}: not valid TOML: {error}"]) from None
    return _Parser(name).programme(raw)


def check_programme(path: Path | str) -> list[str]:
    """Every problem in a template, each naming the file, the step and what is wrong; empty when valid."""
    try:
        load_programme(path)
    except ProgrammeError as error:
        return error.errors
    return []


@cache
def default_programme() -> Programme:
    return load_programme(DEFAULT_PROGRAMME)


TemplateSource = Callable[[str], str | None]
_source: list[TemplateSource] = []  # where uploaded templates are read from (bot.programme_store installs it)
_uploaded: dict[str, Programme] = {}  # parsed uploads by id; an id names one text for good, so this never goes stale


def use_template_source(source: TemplateSource) -> None:
    """Read uploaded templates (ids other than the built-in one) through `source`: id → TOML text, or None."""
    _source[:] = [source]


def programme_by_id(programme_id: str) -> Programme:
    """The built-in programme (the Feeniks model) or a template a coach uploaded, by its id; KeyError if unknown."""
    programme = default_programme()
    if programme.id == programme_id:
        return programme
    if programme_id in _uploaded:
        return _uploaded[programme_id]
    text = _source[0](programme_id) if _source else None
    if text is None:
        raise KeyError(programme_id)
    parsed = replace(parse_programme(text, programme_id), id=programme_id)
    _uploaded[programme_id] = parsed
    return parsed


def _optional(text: Text) -> set[str]:
    """The placeholders of `text` whose value a mentor may not have."""
    return placeholders(text.en) & set(OPTIONAL_PLACEHOLDERS)


class _Parser:
    """Turns the TOML tables into a Programme, collecting errors instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []

    def error(self, where: str, what: str) -> None:
        self.errors.append(f"{self.source}: {where}: {what}")

    def programme(self, raw: dict[str, Any]) -> Programme:
        head = raw.get("programme")
        if not isinstance(head, dict):
            self.error("[programme]", "missing table: add [programme] with id, version, name and description")
            head = {}
        scale_table = raw.get("scale")
        scale = scale_table if isinstance(scale_table, dict) else {}
        items = tuple(self.item(i, entry) for i, entry in enumerate(self.tables(raw, "item")))
        sessions = tuple(self.session(i, entry) for i, entry in enumerate(self.tables(raw, "session")))
        item_ids = {item.id for item in items}
        steps = tuple(self.step(i, entry, item_ids) for i, entry in enumerate(self.tables(raw, "step")))
        self.check_whole(sessions, steps)
        if self.errors:
            raise ProgrammeError(self.errors)
        return Programme(
            id=str(head.get("id")),
            version=int(head.get("version", 1)),
            name=self.text("[programme]", "name", head.get("name")),
            description=self.text("[programme]", "description", head.get("description")),
            scale_low=self.text("[scale]", "low", scale.get("low")),
            scale_high=self.text("[scale]", "high", scale.get("high")),
            items=items,
            sessions=tuple(sorted(sessions, key=lambda s: s.number)),
            steps=tuple(sorted(steps, key=lambda s: (s.session, s.days, s.at, s.id))),
            source=self.source,
        )

    def tables(self, raw: dict[str, Any], name: str) -> list[dict[str, Any]]:
        entries = raw.get(name, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            self.error(f"[[{name}]]", "must be an array of tables")
            return []
        return entries

    def text(self, where: str, field_name: str, value: Any, *, required: bool = True) -> Text:
        if value is None and not required:
            return Text("", "", "")
        if not isinstance(value, dict):
            self.error(where, f"{field_name} must be a table with {', '.join(LANGUAGES)} texts")
            return Text("", "", "")
        missing = [lang for lang in LANGUAGES if not str(value.get(lang, "")).strip()]
        if missing:
            self.error(where, f"{field_name} has no {', '.join(missing)} text")
        extra = sorted(set(value) - set(LANGUAGES))
        if extra:
            self.error(where, f"{field_name} has unknown languages {', '.join(extra)} (use {', '.join(LANGUAGES)})")
        texts = {lang: str(value.get(lang, "")) for lang in LANGUAGES}
        self.check_placeholders(where, field_name, texts)
        return Text(**texts)

    def check_placeholders(self, where: str, field_name: str, texts: dict[str, str]) -> None:
        found = {lang: placeholders(text) for lang, text in texts.items()}
        unknown = set().union(*found.values()) - PLACEHOLDERS
        if unknown:
            self.error(
                where, f"{field_name} uses unknown placeholders {sorted(unknown)}; allowed: {sorted(PLACEHOLDERS)}"
            )
        if len({frozenset(names) for names in found.values()}) > 1:
            listing = "; ".join(f"{lang} {sorted(names)}" for lang, names in found.items())
            self.error(where, f"{field_name} has different placeholders in each language: {listing}")
        for lang, text in texts.items():
            stripped = re.sub(r"\{\w+\}", "", text)
            if "{" in stripped or "}" in stripped:
                self.error(where, f"{field_name} ({lang}) has a stray brace; placeholders look like {{goal}}")

    def item(self, index: int, raw: dict[str, Any]) -> Item:
        item_id = str(raw.get("id", f"#{index + 1}"))
        return Item(id=item_id, text=self.text(f"item {item_id}", "text", raw.get("text")))

    def session(self, index: int, raw: dict[str, Any]) -> SessionInfo:
        number = raw.get("number")
        where = f"session {number if number is not None else f'#{index + 1}'}"
        if number not in (1, 2, 3):
            self.error(where, "number must be 1, 2 or 3")
            number = 0
        return SessionInfo(
            number=number,
            title=self.text(where, "title", raw.get("title")),
            assignment=self.text(where, "assignment", raw.get("assignment")),
        )

    def step(self, index: int, raw: dict[str, Any], item_ids: set[str]) -> Step:
        step_id = str(raw.get("id", ""))
        where = f"step {step_id!r}" if step_id else f"step #{index + 1}"
        if not STEP_ID.match(step_id):
            self.error(where, "id must be lowercase letters, digits and hyphens, e.g. s1-reflection-2")
        kind = raw.get("kind")
        if kind not in KINDS:
            self.error(where, f"kind {kind!r} is not one of {', '.join(KINDS)}")
        session = raw.get("session")
        if session not in (1, 2, 3):
            self.error(where, f"session must be 1, 2 or 3 (the session the step is placed from), not {session!r}")
            session = 1
        days = raw.get("days", 0)
        if not isinstance(days, int) or isinstance(days, bool):
            self.error(where, f"days must be a whole number of days after the session, not {days!r}")
            days = 0
        elif days < 0 and session == 1:
            self.error(where, "days must not be negative for session 1: nothing is sent before the first session")
        at = self.clock(where, raw.get("time", "09:00"))
        is_summary = kind == "summary"
        step = Step(
            id=step_id,
            kind=str(kind),
            session=session,
            days=days,
            at=at,
            label=self.text(where, "label", raw.get("label")),
            text=None if is_summary else self.text(where, "text", raw.get("text")),
            why=None if is_summary else self.text(where, "why", raw.get("why")),
            tags=tuple(raw.get("tags", ())),
            items=tuple(raw.get("items", ())),
            checkpoint=raw.get("checkpoint"),
            rating=raw.get("rating"),
            period=raw.get("period"),
            n=raw.get("n"),
            variants=() if is_summary else self.variants(where, raw),
            form=raw.get("form"),
        )
        self.check_kind_fields(where, step, item_ids, raw)
        self.check_variants(where, step, raw)
        return step

    def variants(self, where: str, raw: dict[str, Any]) -> tuple[Text, ...]:
        """The step's text_no_* variants, the one keeping the most placeholders first."""
        found = [self.text(where, name, raw[name]) for name in VARIANTS if name in raw]
        return tuple(sorted(found, key=lambda text: -len(_optional(text))))

    def check_variants(self, where: str, step: Step, raw: dict[str, Any]) -> None:
        """Every combination of unknown values (no goal, no experiment, not started) has a text that fits it."""
        if step.kind == "summary":
            if any(name in raw for name in VARIANTS):
                self.error(where, "a summary step has no text, so no text_no_* variants either")
            return
        for name in OPTIONAL_PLACEHOLDERS:
            variant = raw.get(f"text_no_{name}")
            if isinstance(variant, dict) and name in placeholders(str(variant.get("en", ""))):
                self.error(where, f"text_no_{name} must not use {{{name}}}: it is sent when {name} is unknown")
        used = _optional(step.text) if step.text is not None else set()
        for size in range(1, len(used) + 1):
            for missing in combinations(sorted(used), size):
                if not any(not (_optional(text) & set(missing)) for text in step.texts):
                    needed = " and ".join(f"{{{name}}}" for name in missing)
                    self.error(
                        where,
                        f"the text uses {needed}: add text_no_{missing[0]}, a text without "
                        f"{needed}, sent when {'they are' if size > 1 else 'it is'} unknown",
                    )

    def clock(self, where: str, value: Any) -> time:
        match = CLOCK.match(str(value))
        if not match:
            self.error(where, f"time must be HH:MM on a 24-hour clock, e.g. 09:00, not {value!r}")
            return time(9, 0)
        return time(int(match.group(1)), int(match.group(2)))

    def check_kind_fields(self, where: str, step: Step, item_ids: set[str], raw: dict[str, Any]) -> None:
        unknown_tags = set(step.tags) - TAGS
        if unknown_tags:
            self.error(where, f"tags {sorted(unknown_tags)} are not among {sorted(TAGS)}")
        if step.kind == "self_efficacy":
            if not step.items:
                self.error(where, 'a self_efficacy step needs items, e.g. items = ["SE1", "SE2"]')
            for item_id in step.items:
                if item_id not in item_ids:
                    self.error(where, f"item {item_id!r} is not defined in an [[item]] table")
            if step.checkpoint is not None and step.checkpoint not in CHECKPOINTS:
                self.error(where, f"checkpoint must be one of {', '.join(CHECKPOINTS)}")
        elif step.items or step.checkpoint:
            self.error(where, "items and checkpoint belong only to self_efficacy steps")
        if step.rating is not None and (step.kind not in ("experiment_checkin", "followup") or step.rating != "thumbs"):
            self.error(where, 'rating = "thumbs" is allowed only on experiment_checkin and followup steps')
        if step.kind == "summary" and step.period not in SUMMARY_PERIODS:
            self.error(where, f"a summary step needs period, one of {', '.join(SUMMARY_PERIODS)}")
        if step.kind == "summary" and ("text" in raw or "why" in raw):
            self.error(where, "a summary step goes to HR, not to mentors: remove text and why")
        if step.kind != "summary" and step.period is not None:
            self.error(where, "period belongs only to summary steps")
        if step.form is not None and (step.form not in FORMS or not step.is_prompt):
            self.error(where, f"form must be one of {', '.join(FORMS)}, on a step mentors receive")
        if step.checkpoint == "T0" and (step.session, step.days) != (1, 0):
            self.error(where, "T0 is the baseline: place it at session 1 with days = 0, right after the kickoff")
        if step.text is not None and "n" in placeholders(step.text.en) and step.n is None:
            self.error(where, "the text uses {n}: set n = the assignment number")

    def check_whole(self, sessions: tuple[SessionInfo, ...], steps: tuple[Step, ...]) -> None:
        numbers = sorted(s.number for s in sessions)
        if numbers != [1, 2, 3]:
            self.error("[[session]]", f"needs exactly sessions 1, 2 and 3, found {numbers or 'none'}")
        seen: set[str] = set()
        for step in steps:
            if step.id in seen:
                self.error(f"step {step.id!r}", "id is used by more than one step; ids must be unique")
            seen.add(step.id)
        if not steps:
            self.error("[[step]]", "the programme has no steps")
