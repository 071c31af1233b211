"""Time the SQL models' build on one year of half-hourly snapshots (parent side).

The lake stores every task in every snapshot (no change-only storage), so the year is
17,520 full snapshots. The writer's fixed cost per snapshot (seven Parquet files, three
raw files) dominates at a small account, so the year is written by two processes with
fsync skipped (``bench.history``), and the account is kept small (see ``HISTORY_*``);
the build then reads 17,520 files per lake table, which is what the figure is about.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from bench.launch import ContenderFailed, run_child
from bench.suite import Progress
from bench.summary import median

#: Tasks at the start, and new tasks per simulated hour (~0.5 a day, ~175 over the year).
HISTORY_TASKS = 60
HISTORY_ARRIVALS_PER_HOUR = 0.02
HISTORY_DAYS = 365
INTERVAL_MIN = 30
#: Writer processes for the history (the machine's 2 cores).
HISTORY_WORKERS = 2
HISTORY_TIMEOUT_S = 1800
#: Builds timed from scratch: a year build takes minutes, so not the suite's ``--runs``.
WAREHOUSE_RUNS = 1
WAREHOUSE_TIMEOUT_S = 3600.0


def _generate(lake_root: Path, snapshots: int) -> dict[str, float]:
    command = [
        sys.executable,
        *("-m", "bench.history", str(lake_root)),
        *("--tasks", str(HISTORY_TASKS), "--snapshots", str(snapshots)),
        *("--interval-min", str(INTERVAL_MIN)),
        *("--arrivals-per-hour", str(HISTORY_ARRIVALS_PER_HOUR)),
        *("--workers", str(HISTORY_WORKERS), "--not-durable"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=HISTORY_TIMEOUT_S)
    if done.returncode != 0:
        raise ContenderFailed(f"history generation failed: {done.stderr[-1500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def describe_history(snapshots: int, totals: dict[str, float]) -> str:
    """The results text: what the history is, exactly, and what it cost to write."""
    return (
        f"History: {HISTORY_DAYS} days of {INTERVAL_MIN}-minute snapshots ({snapshots:,}) of a "
        f"simulated account starting with {HISTORY_TASKS} tasks, new tasks arriving at "
        f"{HISTORY_ARRIVALS_PER_HOUR:g} per hour ({int(totals['final_tasks']):,} tasks at the "
        "end). The lake stores every task in every snapshot (no change-only storage), so the "
        "task rows are the sum of the account's size over all snapshots. Written by the real "
        f"SnapshotWriter in {HISTORY_WORKERS} processes with fsync skipped, in "
        f"{totals['generate_s']:,.0f} s. The account is small because the writer's fixed cost "
        "per snapshot (seven Parquet files, three raw files), not its size, sets the time of a "
        f"year; builds from scratch: {WAREHOUSE_RUNS} (a year build takes minutes)."
    )


def measure_warehouse_build(data_dir: Path, progress: Progress) -> dict[str, object]:
    """Generate the year once, then build the warehouse ``WAREHOUSE_RUNS`` times from scratch."""
    snapshots = HISTORY_DAYS * 24 * 60 // INTERVAL_MIN
    history = f"History: {HISTORY_DAYS} days of {INTERVAL_MIN}-minute snapshots ({snapshots:,})."
    try:
        progress(f"warehouse: generating {snapshots:,} snapshots")
        totals = _generate(data_dir / "lake", snapshots)
        history = describe_history(snapshots, totals)
        progress(f"warehouse: history written in {totals['generate_s']} s")
        samples = []
        for run in range(1, WAREHOUSE_RUNS + 1):
            shutil.rmtree(data_dir / ".build", ignore_errors=True)
            (data_dir / "warehouse.duckdb").unlink(missing_ok=True)
            result = run_child(
                "warehouse",
                "",
                "",
                data_dir,
                data_dir.parent / "warehouse.log",
                timeout_s=WAREHOUSE_TIMEOUT_S,
            )
            samples.append(result)
            progress(f"warehouse run {run}: {result.seconds:.2f} s, {result.peak_rss_mb:.0f} MB")
    except (ContenderFailed, subprocess.TimeoutExpired, OSError, ValueError) as exc:
        return {"history": history, "error": str(exc)[-1500:]}
    return {
        "history": history,
        "snapshots": int(totals["snapshots"]),
        "task_rows": int(totals["task_rows"]),
        "sub_task_rows": int(totals["sub_task_rows"]),
        "generate_s": totals["generate_s"],
        "models": samples[0].details.get("models", 0),
        "runs": len(samples),
        "build_s": median([s.seconds for s in samples]),
        "build_s_runs": [round(s.seconds, 3) for s in samples],
        "build_rss_mb": median([s.peak_rss_mb for s in samples]),
    }
