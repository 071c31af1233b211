"""``sms-analytics run`` / ``demo``: the whole graph in-process, a progress bar, a summary.

Settings are validated before anything starts, so a mistake is one line and no request.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.settings import SettingsError, load_source_settings
from pipelines.sources import SOURCES_VAR, sources_from_env

ENDPOINT_VARS = ("SMS_ENDPOINT", "SMS_REGION")
EXIT_RUN_FAILED = 1


class RunFailed(Exception):
    """The run started but failed; the message is the first step failure, in one line."""


@contextmanager
def _page_progress(console: Console) -> Iterator:
    columns = (
        TextColumn("[bold]fetching pages"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("pages", total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def _summary_table(materialized: dict[str, dict]) -> Table:
    raw = materialized.get("lake/raw_pages", {})
    table = Table(title="SMS analytics run", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    source = str(raw.get("source", "?"))
    if raw.get("is_simulated"):
        source += " (simulated data)"
    rows = [
        ("snapshot", raw.get("snapshot_id", "?")),
        ("source", source),
        ("tasks (API count)", f"{raw.get('distinct_ids', '?')} ({raw.get('api_count', '?')})"),
        (
            "pages / retries / 429s",
            f"{raw.get('pages')} / {raw.get('retries')} / {raw.get('throttled')}",
        ),
        (
            "duplicates removed / recovered",
            f"{raw.get('duplicates_removed')} / {raw.get('recovered')}",
        ),
    ]
    for key in ("sub_tasks", "source_servers", "target_servers", "special_configs", "quarantine"):
        rows.append(
            (f"lake {key} rows", materialized.get(f"lake/{key}", {}).get("dagster/row_count", "?"))
        )
    marts = sorted(key for key in materialized if key.startswith("mart_"))
    rows.append(("marts built", len(marts)))
    rows.append(("exported rows", materialized.get("exports", {}).get("dagster/row_count", "?")))
    headline = materialized.get("migration_report", {}).get("headline", "")
    for line in str(headline).splitlines()[2:]:  # markdown rows after the header
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 2:
            rows.append((cells[0], cells[1]))
    for label, value in rows:
        table.add_row(label, str(value))
    return table


def run_pipeline(console: Console) -> dict[str, dict]:
    """Validate settings, run every asset in-process, return materialisation metadata."""
    from pipelines.orchestration.resources import DataStorage
    from pipelines.runner import run_refresh

    settings = load_source_settings(os.environ)
    DataStorage(data_dir=os.environ.get("SMS_DATA_DIR") or "./data").ensure_writable()
    if settings.is_simulated:
        console.print(
            "No SMS_ENDPOINT or SMS_REGION set: reading the built-in simulator "
            f"({settings.simulator_tasks} tasks, seed {settings.simulator_seed}); "
            "the data is marked as simulated.",
            soft_wrap=True,
        )
    else:
        console.print(f"Reading {settings.endpoint} ({settings.auth_kind} auth).", soft_wrap=True)
    with _page_progress(console) as progress:
        summary = run_refresh(progress=progress)
    if not summary.success:
        raise RunFailed(summary.error or "the run failed")
    if summary.failed_checks:
        console.print(f"[yellow]checks that warned: {', '.join(summary.failed_checks)}")
    console.print(_summary_table(summary.materialized))
    return summary.materialized


def print_paths() -> None:
    from pipelines.delivery.cli import data_paths
    from pipelines.delivery.report import REPORT_NAME
    from pipelines.orchestration.resources import DataStorage

    where = DataStorage(data_dir=os.environ.get("SMS_DATA_DIR") or "./data")
    # Plain lines, never wrapped: people copy these paths.
    for label, value in (
        *data_paths(where, REPORT_NAME)[1:],
        ("query", 'sms-analytics sql "SELECT * FROM mart_outcomes"'),
    ):
        print(f"{label:<10} {value}", flush=True)


def run_command(args: argparse.Namespace) -> int:
    console = Console()
    try:
        specs = sources_from_env()
        wanted = getattr(args, "sources", None)
        if specs is None:
            if wanted:
                raise SettingsError(f"--source needs {SOURCES_VAR} (a sources file)")
            run_pipeline(console)
        else:
            from pipelines.delivery.run_sources import SourcesRunFailed, run_sources_pipeline

            try:
                run_sources_pipeline(console, specs, wanted)
            except SourcesRunFailed as exc:
                if exc.warehouse_built:  # what did land is there to use
                    print_paths()
                raise RunFailed(str(exc)) from None
    except SettingsError as exc:
        print(f"sms-analytics {args.command}: bad settings: {exc}", file=sys.stderr)
        return 2
    except RunFailed as exc:
        print(f"sms-analytics {args.command}: run failed: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    print_paths()
    return 0


def demo_command(args: argparse.Namespace) -> int:
    """``run`` on the built-in simulator, whatever endpoint or sources file is set."""
    for name in (*ENDPOINT_VARS, SOURCES_VAR):
        os.environ.pop(name, None)
    return run_command(args)
