"""The chart posted with an HR summary: participation prompt by prompt and the self-efficacy trend.

What is plotted (``chart_data``) is decided from the summary as its audience may see it (bot.privacy_gate), so the
chart shows no figure the post does not; a withheld value is a gap, and what was left out is said in the alt text.
Drawing (``chart_png``) imports matplotlib only when a chart is made, with the Agg backend and no pyplot state.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from bot.i18n import t
from bot.programmes import programme_by_id
from bot.summaries.labels import statement
from bot.summaries.model import COHORT, PostFile, Summary

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":", "-", "--", "-.", ":")
STATEMENT_CHARS = 48


@dataclass(frozen=True)
class Series:
    """One line: its label and a value per point (None: withheld, not plotted)."""

    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class ChartData:
    """Everything the chart shows, in the post's language."""

    title: str
    participation_title: str
    participation_axis: str
    rate_axis: str
    prompts: tuple[str, ...]  # x tick labels: the prompts' numbers in programme order
    participation: tuple[Series, ...]
    se_title: str
    se_axis: str
    checkpoints: tuple[str, ...]
    self_efficacy: tuple[Series, ...]
    omitted: tuple[str, ...]  # what could not be plotted, and why, in words

    @property
    def empty(self) -> bool:
        return not any(v is not None for s in (*self.participation, *self.self_efficacy) for v in s.values)


def _short(text: str) -> str:
    return text if len(text) <= STATEMENT_CHARS else text[: STATEMENT_CHARS - 1].rstrip() + "…"


def _participation(summary: Summary, names: dict[str, str], language: str) -> tuple[list[Series], list[str]]:
    """Each group's response rate per prompt, as a percentage; groups with no shown rate are named as omitted."""
    series, omitted = [], []
    for group, name in names.items():
        values: list[float | None] = []
        for step in summary.steps:
            f = summary.figure(group, f"answers:{step}")
            sent = f.value["sent"] if f is not None else 0
            values.append(round(100 * f.value["answered"] / sent, 1) if f is not None and sent else None)
        if any(v is not None for v in values):
            series.append(Series(name, tuple(values)))
            if None in values:
                omitted.append(t(language, "summary.chart_some_withheld", group=name, count=values.count(None)))
        elif summary.steps:
            omitted.append(t(language, "summary.chart_all_withheld", group=name))
    return series, omitted


def _se_group(summary: Summary, names: dict[str, str]) -> str | None:
    """The group whose self-efficacy is drawn: the organisation's own when it has any shown, else the cohort."""
    shown = [g for g in names if any(f.group == g and f.metric.startswith("se:") for f in summary.figures)]
    own = [g for g in shown if g != COHORT]
    return own[0] if len(own) == 1 else (COHORT if COHORT in shown else None)


def _self_efficacy(summary: Summary, group: str | None, language: str) -> tuple[tuple[str, ...], list[Series]]:
    """The median of each statement at each check-in of ``group``."""
    if group is None:
        return (), []
    metrics = [f.metric.split(":") for f in summary.figures if f.group == group and f.metric.startswith("se:")]
    checkpoints = tuple(sorted({m[1] for m in metrics if len(m) == 3}))
    items = sorted({m[2] for m in metrics if len(m) == 3})
    programme = programme_by_id(summary.programme)
    series = []
    for item in items:
        figures = [summary.figure(group, f"se:{cp}:{item}") for cp in checkpoints]
        values = tuple(float(f.value[0]) if f is not None else None for f in figures)
        series.append(Series(_short(statement(programme, item, language)), values))
    return checkpoints, series


def chart_data(summary: Summary, language: str) -> ChartData:
    """What the chart of this summary (already narrowed to its audience) shows."""
    names = {COHORT: t(language, "summary.cohort"), **summary.organisations}
    participation, omitted = _participation(summary, names, language)
    group = _se_group(summary, names)
    checkpoints, se = _self_efficacy(summary, group, language)
    if not se:
        omitted.append(t(language, "summary.chart_no_se"))
    return ChartData(
        title=t(language, "summary.chart_title", cohort=summary.cohort_name),
        participation_title=t(language, "summary.chart_participation"),
        participation_axis=t(language, "summary.chart_prompt_axis"),
        rate_axis=t(language, "summary.chart_rate_axis"),
        prompts=tuple(str(i) for i in range(1, len(summary.steps) + 1)),
        participation=tuple(participation),
        se_title=t(language, "summary.chart_se", group=names.get(group or COHORT, "")),
        se_axis=t(language, "summary.chart_se_axis"),
        checkpoints=checkpoints,
        self_efficacy=tuple(se),
        omitted=tuple(omitted),
    )


def _ends(series: Series, unit: str) -> str:
    shown = [v for v in series.values if v is not None]
    first, last = (f"{v:g}{unit}" for v in (shown[0], shown[-1]))
    return f"{series.label}: {first} → {last}"


def alt_text(data: ChartData, language: str) -> str:
    """The chart in words, for screen readers: each line from its first to its last value, and what is left out."""
    parts = [data.title]
    if data.participation:
        lines = "; ".join(_ends(s, " %") for s in data.participation)
        parts.append(t(language, "summary.chart_alt_participation", lines=lines))
    if data.self_efficacy:
        lines = "; ".join(_ends(s, "") for s in data.self_efficacy if any(v is not None for v in s.values))
        parts.append(t(language, "summary.chart_alt_se", title=data.se_title, lines=lines))
    parts += data.omitted
    return ". ".join(part.rstrip(".") for part in parts) + "."


def _plot(ax: object, x: tuple[str, ...], series: tuple[Series, ...]) -> None:
    for index, line in enumerate(series):
        ys = [float("nan") if v is None else v for v in line.values]
        ax.plot(  # type: ignore[attr-defined]  # matplotlib's Axes, imported only when a chart is drawn
            x,
            ys,
            label=line.label,
            color=OKABE_ITO[index % 8],
            marker=MARKERS[index % 8],
            linestyle=LINESTYLES[index % 8],
            linewidth=2,
        )


def chart_png(data: ChartData) -> bytes:
    """The chart as a PNG image."""
    import matplotlib  # only when a chart is drawn: an idle process does not load it

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 5.5), dpi=100, layout="constrained")
    rates, se = figure.subplots(1, 2, width_ratios=(3, 2))
    figure.suptitle(data.title, fontsize=13)
    _plot(rates, data.prompts, data.participation)
    rates.set(title=data.participation_title, xlabel=data.participation_axis, ylabel=data.rate_axis, ylim=(0, 100))
    rates.grid(axis="y", alpha=0.3)
    rates.legend(loc="lower left", fontsize=8)
    _plot(se, data.checkpoints, data.self_efficacy)
    se.set(title=data.se_title, ylabel=data.se_axis, ylim=(1, 5))
    se.grid(axis="y", alpha=0.3)
    if data.self_efficacy:
        se.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), fontsize=7, ncols=1, frameon=False)
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def chart_file(summary: Summary, language: str) -> PostFile | None:
    """The chart to upload with the post; None when the gate left nothing to draw."""
    data = chart_data(summary, language)
    if data.empty:
        return None
    name = f"mentori-{summary.period}.png"
    return PostFile(filename=name, title=data.title, data=chart_png(data), alt_text=alt_text(data, language)[:1000])
