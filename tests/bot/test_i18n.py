"""Every user-facing string exists in Finnish, Swedish and English, with the same placeholders."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.i18n import LANGUAGES, catalogue, day, language_or_default, moment, placeholders, t


def test_every_language_has_the_same_keys() -> None:
    keys = {language: set(catalogue(language)) for language in LANGUAGES}
    for language in LANGUAGES:
        assert keys[language] == keys["en"], (
            f"{language}: missing {keys['en'] - keys[language]}, extra {keys[language] - keys['en']}"
        )


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_placeholders_match_english(language: str) -> None:
    english = catalogue("en")
    for key, text in catalogue(language).items():
        assert placeholders(text) == placeholders(english[key]), f"{language}:{key}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_is_empty_or_left_in_english(language: str) -> None:
    english = catalogue("en")
    for key, text in catalogue(language).items():
        assert text.strip(), f"{language}:{key} is empty"
        if language != "en" and len(text) > 25 and not key.startswith("help.usage"):
            assert text != english[key], f"{language}:{key} is still in English"


def test_dates_are_written_as_each_language_writes_them() -> None:
    assert day("fi", date(2027, 1, 11)) == "ma 11.1.2027"
    assert day("sv", date(2027, 1, 11)) == "mån 11.1.2027"
    assert day("en", date(2027, 1, 11)) == "Mon 11 Jan 2027"
    assert moment("fi", datetime(2027, 1, 11, 9, 0)) == "ma 11.1.2027 klo 9.00"


def test_slack_locales_map_to_languages() -> None:
    assert language_or_default("sv-SE", "fi") == "sv"
    assert language_or_default("en_US", "fi") == "en"
    assert language_or_default("de-DE", "fi") == "fi"
    assert language_or_default(None, "en") == "en"


def test_a_text_is_filled_with_its_values() -> None:
    assert t("en", "help.unknown", text="dance") == "Sorry, I didn't understand `dance`. Here is what I can do:"
