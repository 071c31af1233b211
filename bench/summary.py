"""Turn the runs of one (N, latency) cell into medians, ratios and a correctness verdict."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from bench.launch import ChildResult

SPEED_CONTENDERS = ("ours", "naive", "dlt")


def cell_key(tasks: int, latency_ms: int) -> str:
    """``"65735@100ms"``: the key of one cell in results.json."""
    return f"{tasks}@{latency_ms}ms"


def median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 4)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def correctness(samples: Sequence[ChildResult], expected: int) -> dict[str, object]:
    """Rows written vs the simulator's count, over every run (one wrong run is wrong)."""
    rows = sorted({s.rows for s in samples})
    distinct = sorted({s.distinct_ids for s in samples})
    exact = all(s.rows == expected and s.distinct_ids == expected for s in samples)
    return {"expected": expected, "rows": rows, "distinct_ids": distinct, "exact": exact}


def summarise_cell(
    tasks: int,
    latency_ms: int,
    api_count: int,
    samples: Mapping[str, Sequence[ChildResult]],
    errors: Mapping[str, str],
) -> dict[str, object]:
    """The flat figures results.json promises per cell, plus the raw samples behind them."""
    cell: dict[str, object] = {"tasks": tasks, "latency_ms": latency_ms, "api_count": api_count}
    medians: dict[str, float | None] = {}
    for name in SPEED_CONTENDERS:
        runs = samples.get(name) or []
        medians[f"{name}_s"] = median([r.seconds for r in runs]) if runs else None
        medians[f"{name}_rss_mb"] = median([r.peak_rss_mb for r in runs]) if runs else None
    flatten_runs = samples.get("flatten") or []
    flatten_s = [float(r.details["flatten_s"]) for r in flatten_runs]
    floor_s = [float(r.details["parse_floor_s"]) for r in flatten_runs]
    medians["flatten_s"] = median(flatten_s) if flatten_s else None
    medians["parse_floor_s"] = median(floor_s) if floor_s else None
    for figure in ("flatten_cpu_s", "parse_floor_cpu_s"):  # CPU of all threads, for context
        values = [float(r.details[figure]) for r in flatten_runs if figure in r.details]
        medians[figure] = median(values) if values else None
    cell.update(medians)
    cell["naive_over_ours"] = _ratio(medians["naive_s"], medians["ours_s"])
    cell["dlt_over_ours"] = _ratio(medians["dlt_s"], medians["ours_s"])
    cell["flatten_over_parse_floor"] = _ratio(medians["flatten_s"], medians["parse_floor_s"])
    cell["ours_rss_over_naive_rss"] = _ratio(medians["ours_rss_mb"], medians["naive_rss_mb"])
    cell["runs"] = min((len(runs) for runs in samples.values() if runs), default=0)
    cell["correctness"] = {
        name: correctness(runs, api_count) for name, runs in samples.items() if runs
    }
    cell["samples"] = {
        name: {
            "seconds": [round(r.seconds, 4) for r in runs],
            "process_s": [round(r.process_s, 3) for r in runs],
            "peak_rss_mb": [r.peak_rss_mb for r in runs],
            "details": [r.details for r in runs],
        }
        for name, runs in samples.items()
        if runs
    }
    cell["errors"] = dict(errors)
    return cell
