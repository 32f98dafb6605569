"""Horizontal bar charts as geometry for inline SVG: one row per label, one bar per series, no script needed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 250
BAR_HEIGHT = 14
BAR_GAP = 3
ROW_GAP = 12
TOP = 8


@dataclass(frozen=True)
class Bar:
    series: int
    x: float
    y: float
    width: float
    height: float
    value: float | None
    text: str  # the value as written beside the bar ("–" when withheld or none)


@dataclass(frozen=True)
class Row:
    label: str
    y: float  # the label's baseline
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    rows: tuple[Row, ...]
    series: tuple[str, ...]


def bar_chart(
    rows: Sequence[tuple[str, Sequence[float | None]]],
    series: Sequence[str],
    maximum: float,
    *,
    unit: str = "",
    missing: str = "–",
) -> Chart:
    """Bars scaled to `maximum`; a None value draws no bar and writes `missing`."""
    plot = WIDTH - LABEL_WIDTH - 50
    scale = plot / maximum if maximum > 0 else 0.0
    out, y = [], float(TOP)
    for label, values in rows:
        bars = []
        for index, value in enumerate(values):
            top = y + index * (BAR_HEIGHT + BAR_GAP)
            width = max(0.0, min(float(value), maximum) * scale) if value is not None else 0.0
            text = missing if value is None else f"{_number(value)}{unit}"
            bars.append(Bar(index, LABEL_WIDTH, top, round(width, 1), BAR_HEIGHT, value, text))
        block = len(values) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
        out.append(Row(_short(label), y + block / 2 + 4, tuple(bars)))
        y += block + ROW_GAP
    return Chart(WIDTH, int(y + TOP), LABEL_WIDTH, tuple(out), tuple(series))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _short(label: str, limit: int = 36) -> str:
    """Labels are cut to fit beside the bars; the data table beside the chart has them in full."""
    return label if len(label) <= limit else label[: limit - 1] + "…"
