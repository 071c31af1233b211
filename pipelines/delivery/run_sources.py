"""``sms-analytics run`` with ``SMS_SOURCES``: every source ingested, then one warehouse build.

Each source is its own Dagster run (a partition of ``sms_ingest_job``) executed in this
process one after the other; a source that fails is reported by name and the others
still land. The warehouse, exports and report are then built once from every source.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from pipelines.ingest import ProgressCallback
from pipelines.runner import SourcesRunSummary
from pipelines.sources import SourceSpec, find_source


class SourcesRunFailed(Exception):
    """Some source, or the warehouse build, failed; the message names each failure."""

    def __init__(self, message: str, *, warehouse_built: bool) -> None:
        super().__init__(message)
        self.warehouse_built = warehouse_built


def selected_sources(specs: Sequence[SourceSpec], wanted: Sequence[str] | None) -> list[str]:
    """The names to run: ``wanted`` (checked against the file, de-duplicated) or every source."""
    if not wanted:
        return [spec.name for spec in specs]
    names: list[str] = []
    for name in wanted:
        find_source(list(specs), name)  # SettingsError naming the known sources
        if name not in names:
            names.append(name)
    return names


@contextmanager
def _progress_per_source(console: Console) -> Iterator[Callable[[str], ProgressCallback]]:
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:

        def progress_for(name: str) -> ProgressCallback:
            task = progress.add_task(f"pages of {name}", total=None)

            def update(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return update

        yield progress_for


def _sources_table(summary: SourcesRunSummary) -> Table:
    table = Table(title="SMS analytics run: sources", title_justify="left")
    for column in ("source", "snapshot", "tasks (API count)", "pages", "result"):
        table.add_column(column, no_wrap=column == "snapshot")
    for name, run in summary.sources.items():
        raw = run.materialized.get("lake/raw_pages", {})
        tasks = f"{raw['distinct_ids']} ({raw['api_count']})" if raw else "-"
        result = Text("landed") if run.success else Text("failed (below)", style="red")
        table.add_row(
            Text(name), str(raw.get("snapshot_id", "-")), tasks, str(raw.get("pages", "-")), result
        )
    return table


def _failures(summary: SourcesRunSummary) -> list[str]:
    failures = [f"source {name}: {summary.sources[name].error}" for name in summary.failed_sources]
    if summary.warehouse is None:
        failures.append("warehouse not built: no source landed")
    elif not summary.warehouse.success:
        failures.append(f"warehouse: {summary.warehouse.error}")
    return failures


def run_sources_pipeline(
    console: Console, specs: Sequence[SourceSpec], wanted: Sequence[str] | None
) -> SourcesRunSummary:
    """Validate the selection, run it, print a table per source; raise if anything failed."""
    from pipelines.orchestration.resources import DataStorage
    from pipelines.runner import run_sources

    names = selected_sources(specs, wanted)
    DataStorage(data_dir=os.environ.get("SMS_DATA_DIR") or "./data").ensure_writable()
    console.print(f"Reading {len(names)} source(s) of {specs[0].file}: {', '.join(names)}")
    with _progress_per_source(console) as progress_for:
        # Dagster's console log off: each failure is reported once, by source, below.
        summary = run_sources(names, progress_for, log_level="CRITICAL")
    console.print(_sources_table(summary))
    built = summary.warehouse is not None and summary.warehouse.success
    if built:
        marts = sum(1 for key in summary.warehouse.materialized if key.startswith("mart_"))
        console.print(f"warehouse rebuilt from the sources' snapshots: {marts} marts")
    failures = _failures(summary)
    if failures:
        raise SourcesRunFailed("; ".join(failures), warehouse_built=built)
    return summary
