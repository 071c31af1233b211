"""The scale figure: S sources x N simulator tasks ingested in one fan-out through Dagster.

For each source count (5 and 20 by default, same tasks per source) a fresh deployment
(deploy/dagster.yaml, a real ``dagster-daemon``) ingests every source as one partition
run; the runs are queued by one backfill and limited by the deployment's run queue and
``sms_api`` pool. Reported: wall time from the first run queued to the last run finished,
each run's time, and each worker's peak RSS (the ``peak_rss_mb`` the ingest records in its
materialization). Comparing the source counts shows memory per worker stays flat.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.launch import child_environment
from bench.scale_fleet import TOKEN_ENV, FleetSource, SimulatorFleet, sources_yaml

Progress = Callable[[str], None]
FULL_SOURCE_COUNTS = (5, 20)
FULL_TASKS_PER_SOURCE = 30_000
QUICK_SOURCE_COUNTS = (3,)
QUICK_TASKS_PER_SOURCE = 2_000
#: Memory per worker is "flat" when the median peak RSS at the most sources is within this
#: factor of the median at the fewest.
FLAT_RSS_GROWTH = 1.25
WAREHOUSE_JOB = "sms_warehouse_job"
QUIET_CRON = "0 0 1 1 *"
WAREHOUSE_TIMEOUT_S = 1800.0  # exports of 600,000 tasks' marts take minutes
# The deployment's run processes read these; nothing from the caller's own SMS setup leaks in.
_FOREIGN_PREFIXES = ("SMS_", "CLOUD_SDK_")


@dataclass(frozen=True)
class ScaleOptions:
    workroot: Path
    source_counts: tuple[int, ...] = FULL_SOURCE_COUNTS
    tasks_per_source: int = FULL_TASKS_PER_SOURCE
    latency_ms: int = 0
    page_size: int = 200
    concurrency: int = 8
    executor: str = "in_process"  # as deploy/serve.sh runs it
    run_timeout_s: float = 3600.0
    #: Also wait for the warehouse rebuild that sms_warehouse_sensor requests afterwards.
    wait_for_warehouse: bool = True


def spread(values: Sequence[float]) -> dict[str, float] | None:
    """min / median / max, rounded; None when nothing was measured."""
    if not values:
        return None
    return {
        "min": round(min(values), 1),
        "median": round(statistics.median(values), 1),
        "max": round(max(values), 1),
    }


def most_at_once(intervals: Sequence[tuple[float, float]]) -> int:
    """The largest number of ``(start, end)`` intervals open at one instant."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    open_now = peak = 0
    for _, change in events:  # an end sorts before a start at the same instant
        open_now += change
        peak = max(peak, open_now)
    return peak


def summarise_fanout(
    counts: Mapping[str, int], runs: Sequence[Mapping[str, object]], submit_s: float
) -> dict[str, object]:
    """One fan-out's figures from its runs (``counts``: each source's API count).

    ``runs`` items: partition, status, queued_at, start_time, end_time, metadata.
    """
    by_source = {str(run["partition"]): run for run in runs}
    succeeded = [run for run in runs if run["status"] == "SUCCESS"]
    ingested = {
        name: int(run["metadata"].get("distinct_ids", -1)) for name, run in by_source.items()
    }
    exact = set(by_source) == set(counts) and all(
        ingested.get(name) == count for name, count in counts.items()
    )
    ends = [float(run["end_time"]) for run in runs if run["end_time"] is not None]
    first_queued = min(float(run["queued_at"]) for run in runs)
    wall_s = round(max(ends) - first_queued, 1) if ends else None
    intervals = [
        (float(run["start_time"]), float(run["end_time"]))
        for run in runs
        if run["start_time"] is not None and run["end_time"] is not None
    ]
    run_s = [
        float(run["end_time"]) - float(run["start_time"])
        for run in succeeded
        if run["start_time"] is not None and run["end_time"] is not None
    ]
    rss = [
        float(run["metadata"]["peak_rss_mb"])
        for run in succeeded
        if isinstance(run["metadata"].get("peak_rss_mb"), int | float)
    ]
    total = sum(counts.values())
    return {
        "sources": len(counts),
        "tasks_per_source": round(total / len(counts)) if counts else 0,
        "total_tasks": total,
        "runs_succeeded": len(succeeded),
        "failed_sources": sorted(
            str(run["partition"]) for run in runs if run["status"] != "SUCCESS"
        ),
        "exact": exact,
        "wall_s": wall_s,
        "submit_s": round(submit_s, 1),
        "tasks_per_s": round(total / wall_s) if wall_s else None,
        "run_s": spread(run_s),
        "most_runs_at_once": most_at_once(intervals),
        "peak_rss_mb": spread(rss),
        "runs": [dict(run) for run in runs],
    }


def rss_growth(fanouts: Mapping[str, Mapping[str, object]]) -> float | None:
    """Median peak RSS per worker at the most sources over that at the fewest."""
    measured = sorted(
        (int(key), fanout["peak_rss_mb"]["median"])
        for key, fanout in fanouts.items()
        if fanout.get("peak_rss_mb")
    )
    if len(measured) < 2 or not measured[0][1]:
        return None
    return round(measured[-1][1] / measured[0][1], 3)


def deployment_environment(sources_file: Path, data_dir: Path, token: str, executor: str):
    env = {
        name: value
        for name, value in child_environment().items()
        if not name.startswith(_FOREIGN_PREFIXES)
    }
    env.update(
        {
            "SMS_SOURCES": str(sources_file),
            "SMS_DATA_DIR": str(data_dir),
            "SMS_EXECUTOR": executor,
            # The backfill is the only fan-out measured: no */30 schedule tick may join in.
            "SMS_SCHEDULE_CRON": QUIET_CRON,
            TOKEN_ENV: token,
        }
    )
    return env


def measure_fanout(
    sources: Sequence[FleetSource], options: ScaleOptions, token: str, progress: Progress
) -> dict[str, object]:
    """Ingest ``sources`` as one backfill through a fresh deployment; its figures."""
    from bench.scale_deployment import Deployment

    label = f"{len(sources)}x{options.tasks_per_source}"
    workdir = options.workroot / f"fanout-{label}"
    workdir.mkdir(parents=True, exist_ok=True)
    sources_file = workdir / "sources.yaml"
    sources_file.write_text(sources_yaml(sources, options.page_size, options.concurrency))
    env = deployment_environment(sources_file, workdir / "data", token, options.executor)
    with Deployment(workdir / "dagster_home", env, workdir / "logs") as deployment:
        progress(f"{label}: daemon ready; submitting the backfill")
        limits = deployment.limits()
        submit_s = deployment.backfill([s.name for s in sources], label)
        runs = deployment.wait_for_runs(label, len(sources), options.run_timeout_s, progress)
        last_end = max((run.end_time or 0.0) for run in runs)
        warehouse = None
        if options.wait_for_warehouse:
            warehouse = deployment.wait_for_job(
                WAREHOUSE_JOB, last_end, WAREHOUSE_TIMEOUT_S, progress
            )
    figures = summarise_fanout(
        {s.name: s.count for s in sources}, [vars(run) for run in runs], submit_s
    )
    figures["limits"] = limits
    if options.wait_for_warehouse:
        figures["warehouse"] = warehouse_figures(warehouse, last_end)
    progress(
        f"{label}: {figures['runs_succeeded']}/{len(sources)} runs succeeded in "
        f"{figures['wall_s']} s; peak RSS per worker {figures['peak_rss_mb']}"
    )
    return figures


def warehouse_figures(run: object | None, last_ingest_end: float) -> dict[str, object]:
    """The warehouse rebuild after the fan-out: status, delay after the last ingest, duration."""
    if run is None:
        return {"status": f"not finished within {WAREHOUSE_TIMEOUT_S:.0f} s"}
    start, end = run.start_time, run.end_time
    return {
        "status": run.status,
        "queued_after_last_ingest_s": round(run.queued_at - last_ingest_end, 1),
        "run_s": round(end - start, 1) if start is not None and end is not None else None,
    }


def run_scale(options: ScaleOptions, token: str, progress: Progress) -> dict[str, object]:
    """Every fan-out, over one fleet of simulators (the largest count; smaller use a prefix)."""
    started = time.monotonic()
    fleet_size = max(options.source_counts)
    progress(
        f"scale: starting {fleet_size} simulators x {options.tasks_per_source:,} tasks "
        f"({options.latency_ms} ms latency)"
    )
    fanouts: dict[str, dict[str, object]] = {}
    with SimulatorFleet(
        fleet_size,
        options.tasks_per_source,
        token,
        options.workroot / "simulators",
        latency_ms=options.latency_ms,
    ) as fleet:
        for count in sorted(options.source_counts):
            fanouts[str(count)] = measure_fanout(fleet.sources[:count], options, token, progress)
    growth = rss_growth(fanouts)
    return {
        "settings": {
            "source_counts": list(options.source_counts),
            "tasks_per_source": options.tasks_per_source,
            "latency_ms": options.latency_ms,
            "page_size": options.page_size,
            "concurrency": options.concurrency,
            "executor": options.executor,
            "cores": os.cpu_count() or 1,
        },
        "fanouts": fanouts,
        "rss_growth": growth,
        "rss_flat_threshold": FLAT_RSS_GROWTH,
        "rss_flat": None if growth is None else growth < FLAT_RSS_GROWTH,
        "total_s": round(time.monotonic() - started, 1),
    }


def run_scale_recorded(options: ScaleOptions, token: str, progress: Progress) -> dict[str, object]:
    """``run_scale``, or the reason it could not run, so the rest of the bench is kept."""
    from bench.scale_deployment import DeploymentError
    from bench.simulator_process import SimulatorStartError

    try:
        return run_scale(options, token, progress)
    except (DeploymentError, SimulatorStartError, OSError) as exc:
        progress(f"scale: FAILED ({exc})")
        return {"error": str(exc)[-1500:]}
