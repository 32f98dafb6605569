"""Catalogues of everything Mentori says, in Finnish, Swedish and English."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_time

LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
BABEL_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
_HERE = Path(__file__).resolve().parent


@cache
def catalogue(language: str) -> dict[str, str]:
    """The flat key → text mapping of one language; each file's name is its keys' first part."""
    texts: dict[str, str] = {}
    for path in sorted((_HERE / "catalogues" / language).glob("*.toml")):
        with path.open("rb") as handle:
            texts.update(_flatten(tomllib.load(handle), f"{path.stem}."))
    return texts


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            pairs.extend(_flatten(value, name + "."))
        else:
            pairs.append((name, str(value)))
    return pairs


def t(language: str, key: str, **params: Any) -> str:
    """The text for `key` in `language`, with its placeholders filled."""
    texts = catalogue(language if language in LANGUAGES else LANGUAGES[0])
    try:
        template = texts[key]
    except KeyError:
        raise KeyError(f"no text {key!r} in the {language} catalogue") from None
    return template.format(**params) if params else template


def plural_key(language: str, key: str, count: int) -> str:
    """`key.one`, `key.other` (…): the catalogue key for `count` of something by the language's CLDR plural rule."""
    language = language if language in LANGUAGES else LANGUAGES[0]
    form = Locale.parse(BABEL_LOCALES[language]).plural_form(count)
    return f"{key}.{form}" if f"{key}.{form}" in catalogue(language) else f"{key}.other"


def plural(language: str, key: str, count: int, **params: Any) -> str:
    """The text for `count` of something, in the plural form the language's CLDR rule chooses."""
    return t(language, plural_key(language, key, count), count=count, **params)


def language_or_default(candidate: str | None, default: str) -> str:
    """`candidate` if Mentori speaks it (also from a Slack locale like 'sv-SE'), else `default`."""
    if candidate:
        short = candidate.replace("_", "-").split("-")[0].lower()
        if short in LANGUAGES:
            return short
    return default


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def day(language: str, value: date) -> str:
    """A date as people write it in `language` (e.g. 'ma 11.1.2027', 'Mon 11 Jan 2027')."""
    return format_date(
        value, format="EEE d.M.yyyy" if language != "en" else "EEE d MMM yyyy", locale=BABEL_LOCALES[language]
    )


def long_day(language: str, value: date) -> str:
    return format_date(value, format="full", locale=BABEL_LOCALES[language])


def clock(language: str, value: datetime) -> str:
    return format_time(value, format="short", locale=BABEL_LOCALES[language])


def moment(language: str, value: datetime) -> str:
    """A date and time, e.g. 'ma 11.1.2027 klo 09.00'."""
    return f"{day(language, value.date())} {t(language, 'common.at_time', time=clock(language, value))}"


__all__ = [
    "LANGUAGES",
    "catalogue",
    "clock",
    "day",
    "format_datetime",
    "language_or_default",
    "long_day",
    "moment",
    "placeholders",
    "plural",
    "t",
]
