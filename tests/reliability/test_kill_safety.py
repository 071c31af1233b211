"""SIGKILL a real refresh at each stage; nothing published is torn, the next run is exact.

The run is a separate process (``run_refresh()``) reading a simulator in this process
that answers slowly, so each stage lasts long enough to be caught. The stage is detected
from the filesystem only (no hooks in product code): the run's staging directory, its
landed raw pages, the warehouse build file, the exports' and report's temp directories.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.lake.store import list_snapshots, read_table
from pipelines.simulator import DEMO_TOKEN, Faults

from .conftest import StartSimulator
from .pipeline_runs import run_refresh_job, step_failures
from .published_state import (
    assert_exports_match_manifest,
    assert_published_intact,
    assert_warehouse_consistent,
)

TASKS = 1000
RUN_REFRESH = (
    "import sys; from pipelines.runner import run_refresh; "
    "sys.exit(0 if run_refresh().success else 1)"
)
POLL_S = 0.005
STAGE_WAIT_S = 120.0  # a generous bound, only so a broken run cannot hang the suite


def _staging_dirs(data_dir: Path) -> list[Path]:
    staging = data_dir / "lake" / ".staging"
    return [path for path in staging.iterdir() if path.is_dir()] if staging.is_dir() else []


def _uncommitted_raw_pages(data_dir: Path) -> int:
    committed = {row.snapshot_id for row in list_snapshots(data_dir / "lake")}
    return sum(
        1
        for page in (data_dir / "lake" / "raw").glob(
            "source=*/snapshot_date=*/snapshot_id=*/page-*"
        )
        if page.parent.name.removeprefix("snapshot_id=") not in committed
    )


def crash_residue(data_dir: Path) -> list[str]:
    """Leftovers of killed runs: staging dirs, uncommitted raw pages, temp trees, build files."""
    committed = {row.snapshot_id for row in list_snapshots(data_dir / "lake")}
    raw_dirs = (data_dir / "lake" / "raw").glob("source=*/snapshot_date=*/snapshot_id=*")
    leftovers = [
        *_staging_dirs(data_dir),
        *(raw for raw in raw_dirs if raw.name.removeprefix("snapshot_id=") not in committed),
        *data_dir.glob(".exports.*-*"),
        *(data_dir / "report").glob(".png.*-*"),
        *(path for path in (data_dir / ".build").glob("*") if path.is_file()),
    ]
    return sorted(path.relative_to(data_dir).as_posix() for path in leftovers)


STAGES: dict[str, Callable[[Path], bool]] = {
    "fetch_first_page": lambda d: bool(_staging_dirs(d)) and _uncommitted_raw_pages(d) >= 1,
    "mid_listing_flatten": lambda d: _uncommitted_raw_pages(d) >= 5,
    "warehouse_build": lambda d: any((d / ".build").glob("*.duckdb")),
    "exports": lambda d: any(d.glob(".exports.new-*")),
    "report": lambda d: any((d / "report").glob(".png.new-*")),
}


def _kill_when(process: subprocess.Popen, reached: Callable[[], bool]) -> None:
    deadline = time.monotonic() + STAGE_WAIT_S
    while not reached():
        if process.poll() is not None:
            pytest.fail(f"the run ended (exit {process.returncode}) before the stage was seen")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the stage was not reached")
        time.sleep(POLL_S)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def test_sigkill_at_each_stage_tears_nothing_and_the_next_run_is_exact(
    start_simulator: StartSimulator,
    published_data_dir: Path,
    tmp_path: Path,
) -> None:
    """One run killed per stage, in pipeline order, each after the previous one's crash:
    after every kill all published data is whole; then a run completes with exact data."""
    sim = start_simulator(tasks=TASKS, seed=31, latency_ms=150)
    env = {
        "SMS_ENDPOINT": sim.base_url,
        "SMS_AUTH_TOKEN": DEMO_TOKEN,
        "SMS_DATA_DIR": str(published_data_dir),
        "SMS_PAGE_SIZE": "100",
        "SMS_CONCURRENCY": "2",
    }
    for stage, reached in STAGES.items():
        process = subprocess.Popen(
            [sys.executable, "-c", RUN_REFRESH],
            env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _kill_when(process, lambda reached=reached: reached(published_data_dir))
        assert process.returncode == -signal.SIGKILL, stage
        assert_published_intact(published_data_dir)

    sim.faults = Faults()  # the next run is not slowed down
    result = run_refresh_job(env)
    assert result.success, step_failures(result)
    lake_root = published_data_dir / "lake"
    latest = list_snapshots(lake_root)[-1]
    assert set(read_table(lake_root, "tasks", latest.snapshot_id)["id"].to_pylist()) == set(
        sim.store.ids()
    )
    assert assert_warehouse_consistent(published_data_dir / "warehouse.duckdb") == (
        latest.snapshot_id
    )
    assert assert_exports_match_manifest(published_data_dir / "exports")["snapshot_id"] == (
        latest.snapshot_id
    )
    assert_published_intact(published_data_dir)
    assert crash_residue(published_data_dir) == [], (
        "a successful run should sweep what killed runs left behind"
    )
