"""The report's charts: matplotlib (Agg) figures rendered to inline SVG and to PNG.

SVG text is kept as ``<text>`` (``svg.fonttype = 'none'``) so the report stays
small and searchable; the browser falls back to any sans-serif font offline. A
chart with no data returns ``None`` and the report shows a "no data" placeholder.
Line charts draw one set of lines per series (source) when the data is split by source.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from pipelines.delivery.report_queries import ReportData  # noqa: E402

STYLE = {
    "svg.fonttype": "none",
    "text.parse_math": False,  # labels come from data: "$x$" is text, never mathtext
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
COLOURS = ["#2563eb", "#16a34a", "#dc2626", "#f59e0b", "#7c3aed", "#0891b2", "#db2777"]
OUTCOME_COLOURS = {"success": "#16a34a", "failed": "#dc2626"}
OTHER_OUTCOME_COLOUR = "#2563eb"
BURNDOWN_STYLES = ("-", "--", ":")  # created, completed, failed when lines are per source
SERIES_COLOURS = [c for c in COLOURS if c != COLOURS[2]]  # one per source; red marks limits
XML_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    svg: str | None  # None: no data to draw
    png_path: Path | None


def _figure(width: float = 8.0, height: float = 4.0) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _by_series(rows: Sequence[tuple]) -> list[tuple[str, list[tuple]]]:
    """Rows ``(series, ...)`` sorted by series -> ``[(series, [(...), ...]), ...]``."""
    return [
        (str(series), [row[1:] for row in group])
        for series, group in groupby(rows, key=lambda row: row[0])
    ]


def outcomes_chart(data: ReportData) -> Figure | None:
    if not data.outcomes:
        return None
    fig = _figure(height=3.0)
    ax = fig.subplots()
    labels = [str(o) for o, _ in data.outcomes]
    # A label is "outcome" or, split by source, "source: outcome".
    colours = [
        OUTCOME_COLOURS.get(label.rsplit(": ", 1)[-1], OTHER_OUTCOME_COLOUR) for label in labels
    ]
    ax.barh(labels, [n for _, n in data.outcomes], color=colours)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("tasks")
    return fig


def phase_durations_chart(data: ReportData) -> Figure | None:
    if not data.phase_durations:
        return None
    rows = data.phase_durations
    fig = _figure(height=max(3.0, 0.45 * len(rows) + 1.2))
    ax = fig.subplots()
    labels = [str(r[0]) for r in rows]
    positions = range(len(rows))
    for offset, (index, name) in zip(
        (-0.27, 0.0, 0.27), enumerate(("p50", "p90", "p99")), strict=True
    ):
        values = [float(r[index + 1]) / 60 for r in rows]
        ax.barh(
            [p + offset for p in positions], values, height=0.26, label=name, color=COLOURS[index]
        )
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.set_xlabel("minutes")
    ax.legend(loc="lower right")
    return fig


def throughput_chart(data: ReportData) -> Figure | None:
    if not data.throughput:
        return None
    fig = _figure(height=3.5)
    ax = fig.subplots()
    ax.boxplot([speeds for _, speeds in data.throughput], orientation="horizontal", widths=0.5)
    for position, (_, speeds) in enumerate(data.throughput, start=1):
        ax.plot(speeds, [position] * len(speeds), "o", alpha=0.35, color=COLOURS[0])
    ax.set_yticks(range(1, len(data.throughput) + 1), [g for g, _ in data.throughput])
    ax.set_xlabel("migrate_speed of transferring tasks (Mbit/s, assumed unit)")
    return fig


def burndown_chart(data: ReportData) -> Figure | None:
    if not data.burndown:
        return None
    fig = _figure()
    ax = fig.subplots()
    days = sorted({r[1] for r in data.burndown})
    for series_index, (source, rows) in enumerate(_by_series(data.burndown)):
        for index, label in enumerate(("created", "completed", "failed"), start=1):
            ax.plot(
                [r[0] for r in rows],
                [r[index] or 0 for r in rows],
                marker="o",
                label=f"{source}: {label} (cumulative)" if source else f"{label} (cumulative)",
                # one colour per measure; per source: a colour per source, a style per measure
                color=SERIES_COLOURS[series_index % len(SERIES_COLOURS)]
                if source
                else COLOURS[index - 1],
                linestyle=BURNDOWN_STYLES[index - 1] if source else "-",
            )
    # One tick per day (or every few days): the mart has one row per calendar day.
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, math.ceil(len(days) / 12))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    fig.autofmt_xdate()
    ax.set_ylabel("tasks")
    ax.legend(loc="best", framealpha=0.9)
    return fig


def _count_bars(rows: list[tuple[str, int]], colour: str) -> Figure | None:
    if not rows:
        return None
    fig = _figure(height=max(2.5, 0.4 * len(rows) + 1.0))
    ax = fig.subplots()
    ax.barh([str(label) for label, _ in rows], [n for _, n in rows], color=colour)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("failed tasks")
    return fig


def failures_by_cause_chart(data: ReportData) -> Figure | None:
    return _count_bars(data.failures_by_cause, COLOURS[2])


def failures_by_phase_chart(data: ReportData) -> Figure | None:
    return _count_bars(data.failures_by_phase, COLOURS[3])


def concurrency_chart(data: ReportData) -> Figure | None:
    if not data.concurrency:
        return None
    fig = _figure()
    ax = fig.subplots()
    series = _by_series(data.concurrency)
    for series_index, (source, rows) in enumerate(series):
        hours = [r[0] for r in rows]
        colour = SERIES_COLOURS[series_index % len(SERIES_COLOURS)]
        ax.step(
            hours,
            [r[2] for r in rows],
            where="post",
            label=f"{source}: peak running" if source else "peak running",
            color=colour,
        )
        if not source:  # per source, the faint "any time" lines would only add clutter
            ax.step(
                hours,
                [r[1] for r in rows],
                where="post",
                label="running at any time in the hour",
                color=colour,
                alpha=0.35,
            )
    # The limit applies per account, i.e. to each source's own line.
    all_hours = sorted({r[1] for r in data.concurrency})
    ax.step(
        all_hours,
        [max(r[4] for r in data.concurrency)] * len(all_hours),
        where="post",
        linestyle="--",
        label="limit (per source)" if len(series) > 1 else "limit",
        color=COLOURS[2],
    )
    locator = mdates.AutoDateLocator(minticks=3, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    fig.autofmt_xdate()
    ax.set_ylabel("tasks running")
    ax.set_ylim(bottom=0)
    ax.legend(loc="best", framealpha=0.9)
    return fig


CHARTS: list[tuple[str, str, Callable[[ReportData], Figure | None]]] = [
    ("outcomes", "Task outcomes", outcomes_chart),
    ("phase_durations", "Sub-task (phase) durations: p50 / p90 / p99", phase_durations_chart),
    ("throughput", "Throughput by OS and migration type", throughput_chart),
    ("burndown", "Daily burndown", burndown_chart),
    ("failures_by_cause", "Failures by cause (error code)", failures_by_cause_chart),
    ("failures_by_phase", "Failures by phase", failures_by_phase_chart),
    ("concurrency", "Concurrency per hour vs the limit", concurrency_chart),
]


def svg_text(fig: Figure, chart_id: str) -> str:
    """The figure as an ``<svg>`` element ready to inline (no XML prologue, stable ids)."""
    buffer = io.StringIO()
    with plt.rc_context({**STYLE, "svg.hashsalt": chart_id}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return XML_PROLOGUE.sub("", buffer.getvalue(), count=1)


def render_charts(data: ReportData, png_dir: Path) -> list[Chart]:
    """Draw every chart; write ``<id>.png`` into ``png_dir`` for those that have data."""
    charts: list[Chart] = []
    for chart_id, title, draw in CHARTS:
        with plt.rc_context(STYLE):
            fig = draw(data)
        if fig is None:
            charts.append(Chart(chart_id, title, None, None))
            continue
        svg = svg_text(fig, chart_id)  # the HTML shows the title itself
        fig.suptitle(title, fontsize=11, x=0.01, ha="left")  # a PNG travels alone
        png_path = png_dir / f"{chart_id}.png"
        with plt.rc_context(STYLE):
            fig.savefig(png_path, format="png", dpi=110, metadata={"Software": None})
        charts.append(Chart(chart_id, title, svg, png_path))
    return charts
