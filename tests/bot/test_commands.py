"""Splitting `/mentori` text into a subcommand and its words."""

from __future__ import annotations

import shlex

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import CommandSyntaxError, parse_command

# every character class shlex treats differently, and Unicode spaces it does not split at
ALPHABET = st.sampled_from(
    [*"abcXYZ019<>@|#-_.,:;!?*&()[]{}=+/~`$%^ \t\r\n\u00a0\u2003\u200bäöå", '"', "'", "\\", "“", "”"]
)


def _by_shlex(text: str) -> tuple[str, tuple[str, ...]] | None:
    try:
        words = shlex.split(text.strip().replace("“", '"').replace("”", '"'))
    except ValueError:
        return None
    return (words[0].lower(), tuple(words[1:])) if words else ("help", ())


@settings(max_examples=400, derandomize=True)
@given(st.text(ALPHABET, max_size=40))
def test_words_are_split_as_shlex_splits_them(text: str) -> None:
    expected = _by_shlex(text)
    if expected is None:
        try:
            parse_command(text)
        except CommandSyntaxError:
            return
        raise AssertionError(f"{text!r} should be refused as shlex refuses it")
    parsed = parse_command(text)
    assert (parsed.name, parsed.args) == expected


def test_quotes_group_words_and_unicode_spaces_stay_inside_words() -> None:
    parsed = parse_command("member add  “Cohort One”\t<@U1>")
    assert (parsed.name, parsed.args) == ("member", ("add", "Cohort One", "<@U1>"))
    assert parse_command("STATUS Bench\u00a0One").args == ("Bench\u00a0One",)
    assert parse_command("   ").name == "help"
