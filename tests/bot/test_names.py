"""Names are stored as people see them: NFC, no invisible characters, and never nothing visible."""

from __future__ import annotations

import pytest

from bot.cohorts import Invalid, check_name
from bot.names import clean_name
from bot.organisations import check_goal, check_organisation_name


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("Spring\u200b 2027", "Spring 2027"),  # a zero-width space would make a second "Spring 2027"
        ("Cafe\u0301", "Café"),  # NFC: one é however it was typed
        ("\u202eTax\u202c Office", "Tax Office"),  # bidi override and pop
        ("\u2066HR\u2069", "HR"),  # isolates
        ("  Kela\t\n Oy ", "Kela Oy"),
        ("So\u00adcial", "Social"),  # soft hyphen
        ("x\x00y", "xy"),
    ],
)
def test_names_are_cleaned_of_what_does_not_show(written: str, stored: str) -> None:
    assert clean_name(written) == stored
    assert check_name(written) == stored
    assert check_organisation_name(written) == stored
    assert check_goal(written) == stored


@pytest.mark.parametrize("written", ["\u200b", "\u200b\u200c\u200d", "\u202e", " \u2066 \u2069 ", "\ufeff"])
@pytest.mark.parametrize("check", [check_name, check_organisation_name, check_goal])
def test_a_name_with_nothing_visible_is_refused_with_a_reason(written: str, check) -> None:  # type: ignore[no-untyped-def]  # a callback with the library's loose signature
    with pytest.raises(Invalid) as refused:
        check(written)
    assert refused.value.key == "common.invisible"


def test_an_empty_name_is_still_asked_for() -> None:
    with pytest.raises(Invalid) as refused:
        check_name("   ")
    assert refused.value.key == "cohorts.error.name_empty"
