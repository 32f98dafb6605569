"""Names people give things (cohorts, organisations, goals, experiments) as others will see them."""

from __future__ import annotations

import unicodedata

# Format characters (zero-width spaces and joiners, bidi overrides and isolates, soft hyphens), controls, private
# use and unassigned code points: they show nothing, or make text look other than what is stored.
INVISIBLE = frozenset({"Cf", "Cc", "Co", "Cs", "Cn"})


def clean_name(text: str) -> str:
    """NFC-normalised, without invisible characters, runs of white space made one space; "" if nothing is left."""
    normal = unicodedata.normalize("NFC", text)
    kept = "".join(
        " " if char.isspace() else char
        for char in normal
        if char.isspace() or unicodedata.category(char) not in INVISIBLE
    )
    return " ".join(kept.split())
