"""Reading Mentori's CSV exports the way a spreadsheet does: from bytes, by the language's delimiter."""

from __future__ import annotations

import codecs
import csv
import io

from bot.i18n import t
from bot.summaries.export import COLUMNS

DELIMITER = {"fi": ";", "sv": ";", "en": ","}


def export_rows(content: bytes | str, language: str) -> list[dict[str, str]]:
    """The rows of an export as {column code: cell}, after checking its BOM, delimiter and localised headers."""
    data = content.encode() if isinstance(content, str) else content
    assert data.startswith(codecs.BOM_UTF8), data[:20]
    text = data[len(codecs.BOM_UTF8) :].decode()
    header, *rows = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITER[language])
    assert header == [t(language, f"summary.csv.column_{column}") for column in COLUMNS]
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]
