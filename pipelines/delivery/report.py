"""The migration report: one self-contained HTML file (inline SVG charts) plus PNG copies.

Everything from the warehouse is HTML-escaped (task names contain ``<``, ``&`` and
quotes). The page carries a Content-Security-Policy that forbids any external
load, so it works offline by construction. Files are written to temp names and
``os.replace``d, so a reader never sees a half-written report.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from pipelines.delivery.atomic_publish import publish_directory
from pipelines.delivery.cell_values import format_timestamp
from pipelines.delivery.charts import Chart, render_charts
from pipelines.delivery.report_queries import ReportData, load_report_data
from pipelines.delivery.warehouse_access import open_warehouse

REPORT_NAME = "migration_report.html"
PNG_DIR_NAME = "png"


@dataclass(frozen=True)
class ReportResult:
    path: Path
    charts: list[Chart]
    headline: dict[str, str]  # label -> formatted figure, as shown on the page

    @property
    def charts_drawn(self) -> list[str]:
        return [c.chart_id for c in self.charts if c.svg is not None]


def format_duration(seconds: float | None) -> str:
    """``5400`` -> ``1 h 30 min``; small values in seconds; ``None`` -> an em dash."""
    if seconds is None:
        return "—"
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    hours, rest = divmod(total, 3600)
    minutes = rest // 60
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def headline_figures(data: ReportData) -> dict[str, str]:
    """The figures at the top of the report, formatted for people."""
    h = data.headline
    return {
        "Tasks": f"{h.tasks:,}",
        "Success rate": "—" if h.success_rate is None else f"{h.success_rate:.1%}",
        "Succeeded / failed": f"{h.succeeded:,} / {h.failed:,}",
        "Median duration (succeeded)": format_duration(h.median_duration_s),
        "Median throughput": "—"
        if h.median_throughput is None
        else f"{h.median_throughput:.1f} Mbit/s",
        "Snapshot (UTC)": (data.snapshot.latest_snapshot_at or "—").replace("T", " ").rstrip("Z"),
    }


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_timestamp(value)
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def _table(columns: list[str], rows: list[tuple[object, ...]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _chart_section(chart: Chart) -> str:
    title = html.escape(chart.title)
    if chart.svg is None:
        inner = '<div class="no-data">No data for this chart yet.</div>'
        return f'<section id="{chart.chart_id}"><h2>{title}</h2>{inner}</section>'
    return (
        f'<section id="{chart.chart_id}"><h2>{title}</h2>'
        f'<div class="chart" data-chart-id="{chart.chart_id}">{chart.svg}</div></section>'
    )


def render_html(data: ReportData, charts: list[Chart], generated_at: dt.datetime) -> str:
    """The report page as text (pure: no I/O besides reading the template)."""
    template = Template(
        resources.files("pipelines.delivery").joinpath("report_template.html").read_text("utf-8")
    )
    figures = "\n".join(
        f'<div class="figure"><div class="value">{html.escape(value)}</div>'
        f'<div class="label">{html.escape(label)}</div></div>'
        for label, value in headline_figures(data).items()
    )
    snap = data.snapshot
    meta = (
        f"Snapshot {snap.snapshot_ids[-1]} taken {snap.latest_snapshot_at}, source {snap.source}"
        if snap.snapshot_ids
        else "No snapshot recorded in the warehouse."
    )
    banner = (
        '<div class="banner" id="simulated-banner">Simulated data: these figures come from the '
        "built-in SMS simulator, not from a real Huawei Cloud account.</div>"
        if snap.is_simulated
        else ""
    )
    stalled = (
        _table(data.stalled_columns, data.stalled_rows)
        if data.stalled_rows
        else '<div class="no-data">No stalled tasks.</div>'
    )
    sections = "\n".join(_chart_section(c) for c in charts)
    sections += f'\n<section id="stalled" class="wide"><h2>Stalled tasks</h2>{stalled}</section>'
    return template.substitute(
        charts_expected=str(sum(c.svg is not None for c in charts)),
        meta=html.escape(meta),
        banner=banner,
        figures=figures,
        sections=sections,
        generated_at=html.escape(format_timestamp(generated_at)),
    )


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def build_report(
    warehouse_path: Path, report_dir: Path, *, generated_at: dt.datetime | None = None
) -> ReportResult:
    """Render ``report_dir/migration_report.html`` and ``report_dir/png/<chart>.png``."""
    generated_at = generated_at or dt.datetime.now(dt.UTC)
    con = open_warehouse(warehouse_path)
    try:
        data = load_report_data(con)
    finally:
        con.close()
    report_dir.mkdir(parents=True, exist_ok=True)
    png_dir = report_dir / PNG_DIR_NAME

    def render_pngs(staging: Path) -> list[Chart]:
        # Rendered straight into the new png/ tree, swapped in whole: never two runs mixed.
        return [
            chart
            if chart.png_path is None
            else Chart(chart.chart_id, chart.title, chart.svg, png_dir / chart.png_path.name)
            for chart in render_charts(data, staging)
        ]

    published = publish_directory(png_dir, render_pngs)
    path = report_dir / REPORT_NAME
    _write_atomically(path, render_html(data, published, generated_at).encode("utf-8"))
    return ReportResult(path, published, headline_figures(data))


def headline_markdown(result: ReportResult) -> str:
    """Headline figures as a markdown table, for Dagster's UI."""
    lines = ["| figure | value |", "| --- | --- |"]
    lines += [f"| {label} | {value} |" for label, value in result.headline.items()]
    return "\n".join(lines)
