"""Run the benchmark matrix: one simulator per (N, latency), every contender ``runs`` times.

Runs are interleaved (ours, naive, dlt, flatten, ours, ...) so drift in the machine's
state spreads over all contenders instead of penalising whichever ran last. A contender
that fails is recorded with its error and the suite goes on.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.launch import ChildResult, ContenderFailed, run_child
from bench.simulator_process import SimulatorProcess
from bench.summary import cell_key, summarise_cell

ALL_CONTENDERS = ("ours", "naive", "dlt", "flatten")

Progress = Callable[[str], None]
FLATTEN_FIGURES = (
    "flatten_s",
    "parse_floor_s",
    "flatten_over_parse_floor",
    "flatten_cpu_s",
    "parse_floor_cpu_s",
)


@dataclass(frozen=True)
class SuiteOptions:
    sizes: tuple[int, ...]
    latencies_ms: tuple[int, ...]
    runs: int
    workroot: Path
    contenders: tuple[str, ...] = ALL_CONTENDERS
    seed: int = 7
    page_size: int = 200


def run_cell(
    options: SuiteOptions,
    tasks: int,
    latency_ms: int,
    token: str,
    progress: Progress,
    contenders: tuple[str, ...],
    warm_up: bool = False,
) -> dict[str, object]:
    key = cell_key(tasks, latency_ms)
    cell_dir = options.workroot / key
    samples: dict[str, list[ChildResult]] = {name: [] for name in contenders}
    errors: dict[str, str] = {}
    simulator = SimulatorProcess(
        tasks=tasks,
        latency_ms=latency_ms,
        token=token,
        log_path=cell_dir / "simulator.log",
        seed=options.seed,
    )
    with simulator:
        progress(f"{key}: simulator ready at {simulator.base_url} (count {simulator.count:,})")
        if warm_up:
            _warm_up(simulator.base_url, token, contenders, cell_dir, progress)
        for run in range(1, options.runs + 1):
            for name in contenders:
                if name in errors:
                    continue
                workdir = cell_dir / f"{name}-{run}"
                try:
                    result = run_child(
                        name,
                        simulator.base_url,
                        token,
                        workdir,
                        cell_dir / f"{name}.log",
                        page_size=options.page_size,
                    )
                except ContenderFailed as exc:
                    errors[name] = str(exc)
                    progress(f"{key} run {run}: {name} FAILED (see results)")
                    continue
                finally:
                    shutil.rmtree(workdir, ignore_errors=True)
                samples[name].append(result)
                progress(
                    f"{key} run {run}: {name} {result.seconds:.2f} s, "
                    f"{result.peak_rss_mb:.0f} MB, {result.rows:,} rows"
                )
        api_count = simulator.count
    return summarise_cell(tasks, latency_ms, api_count, samples, errors)


def _warm_up(
    base_url: str, token: str, contenders: tuple[str, ...], cell_dir: Path, progress: Progress
) -> None:
    """One discarded run of each contender, so bytecode caches exist before any timing."""
    for name in contenders:
        workdir = cell_dir / f"{name}-warm-up"
        try:
            run_child(name, base_url, token, workdir, cell_dir / f"{name}.log")
        except ContenderFailed:
            pass  # the measured runs will fail the same way and record why
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    progress("warm-up runs done (not recorded)")


def _share_flatten(cell: dict[str, object], measured: dict[str, object], source: str) -> None:
    """Give a cell the flatten figures measured in ``source`` (same N), saying so."""
    for figure in FLATTEN_FIGURES:
        cell[figure] = measured.get(figure)
    cell["flatten_measured_in"] = source


def run_suite(options: SuiteOptions, token: str, progress: Progress) -> dict[str, dict]:
    """Every (N, latency) cell. The flatten stage works on pages already in memory, so
    latency cannot change it: it is measured in the first latency of each N and shared."""
    cells: dict[str, dict] = {}
    for tasks in options.sizes:
        flatten_source: str | None = None
        for latency_ms in options.latencies_ms:
            key = cell_key(tasks, latency_ms)
            contenders = options.contenders
            if flatten_source is not None:
                contenders = tuple(name for name in contenders if name != "flatten")
            warm_up = not cells
            cells[key] = run_cell(options, tasks, latency_ms, token, progress, contenders, warm_up)
            if flatten_source is None and "flatten" in options.contenders:
                flatten_source = key
            elif flatten_source is not None:
                _share_flatten(cells[key], cells[flatten_source], flatten_source)
    return cells
