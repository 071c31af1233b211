"""A synthetic snapshot history for the SQL-models benchmark, written by the real lake writer.

The simulator's clock moves ``interval`` between snapshots (tasks progress, finish, fail,
appear) and each snapshot is committed with :class:`SnapshotWriter`, so the warehouse
reads exactly the lake a scheduled pipeline would leave — raw pages included. No HTTP:
each snapshot is one page holding the whole listing, its body built as ``GET /v3/tasks``
serves it and parsed by the client's own :func:`parse_body` (the Arrow path the listing
takes), since the transport is not what is measured here.

A year is 17,520 snapshots, and the writer's fixed cost per snapshot (seven Parquet files,
their threads, the commit) dominates at a small account, so two options make it fit:

- ``workers``: processes that each replay the same account (same seed, same advances) and
  commit every ``workers``-th snapshot. Writers of different snapshot ids never share a
  file (own staging directory, own raw directory, own table files, own commit file).
- ``durable=False`` (``--not-durable``): the generator process skips every ``fsync``. The
  files are the same; only a machine crash during generation could lose or tear some.
  For bench data only: the pipeline always syncs.

``python -m bench.history LAKE_ROOT --tasks N --snapshots S --interval-min M
[--arrivals-per-hour R] [--workers W] [--not-durable]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from pipelines.lake.store import SnapshotWriter, new_snapshot_id
from pipelines.simulator import SimulatorConfig, SimulatorServer
from pipelines.simulator.config import ARRIVALS_PER_HOUR
from pipelines.simulator.store import NO_FILTER
from pipelines.sms.client import Page, parse_body
from pipelines.sms.paging import FreshTasks


@dataclass(frozen=True)
class HistoryPlan:
    """What to write: the account (``tasks`` at the start, ``arrivals_per_hour``, ``seed``)
    and ``snapshots`` taken ``interval`` apart."""

    tasks: int
    snapshots: int
    interval: timedelta
    arrivals_per_hour: float = ARRIVALS_PER_HOUR
    seed: int = 7


@contextlib.contextmanager
def fsync_skipped() -> Iterator[None]:
    """Make ``os.fsync`` a no-op in this process (the lake's writers all call it by name)."""
    original = os.fsync
    os.fsync = lambda fd: None
    try:
        yield
    finally:
        os.fsync = original


def _account(plan: HistoryPlan) -> SimulatorServer:
    """The simulated account (never started: its store is read directly)."""
    config = SimulatorConfig(
        tasks=plan.tasks,
        seed=plan.seed,
        arrivals_per_hour=plan.arrivals_per_hour,
        min_arrivals_per_advance=0,
    )
    return SimulatorServer(config)


def _whole_listing(simulator: SimulatorServer) -> Page:
    """One page holding every task: the body ``GET /v3/tasks`` serves, parsed as the client
    parses it."""
    count, tasks_json = simulator.store.page(NO_FILTER, 0, max(simulator.store.count(), 1))
    body = b'{"count":%d,"tasks":%s}' % (count, tasks_json)
    count, tasks, arrow = parse_body(body)
    params: dict[str, str | int] = {"limit": max(count, 1), "offset": 0}
    return Page(params, simulator.clock.now, None, body, count, tasks, arrow)


def _commit(lake_root: Path, page: Page) -> dict[str, int]:
    """Commit ``page`` as one snapshot, as the listing hands a fresh page to the lake."""
    at = page.received_at
    fresh = FreshTasks(page, list(range(page.rows))) if page.arrow is not None else page.tasks
    with SnapshotWriter(
        lake_root, new_snapshot_id(at), at, source="simulator", is_simulated=True, filters={}
    ) as writer:
        writer.add_page(page, fresh)
        info = writer.commit(
            api_count=page.count, task_ids=set(page.task_ids), removed_ids=set(), pages=1
        )
    return info.rows


def write_share(
    lake_root: Path, plan: HistoryPlan, worker: int = 0, workers: int = 1, durable: bool = True
) -> dict[str, int]:
    """Replay the whole account; commit snapshots ``worker``, ``worker + workers``, ..."""
    totals = {"snapshots": 0, "task_rows": 0, "sub_task_rows": 0}
    simulator = _account(plan)
    with contextlib.nullcontext() if durable else fsync_skipped():
        for index in range(plan.snapshots):
            if index:
                simulator.clock.advance(plan.interval)
            if index % workers != worker:
                continue
            rows = _commit(lake_root, _whole_listing(simulator))
            totals["snapshots"] += 1
            totals["task_rows"] += rows["tasks"]
            totals["sub_task_rows"] += rows["sub_tasks"]
    totals["final_tasks"] = simulator.store.count()
    return totals


def write_history(
    lake_root: Path, plan: HistoryPlan, workers: int = 1, durable: bool = True
) -> dict[str, int]:
    """Commit ``plan.snapshots`` snapshots; return row totals and the account's final size."""
    if workers == 1:
        return write_share(lake_root, plan, durable=durable)
    # spawn, not fork: a fresh interpreter inherits no Arrow or writer threads
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        shares = [
            pool.submit(write_share, lake_root, plan, worker, workers, durable)
            for worker in range(workers)
        ]
        results = [share.result() for share in shares]
    totals = {key: sum(result[key] for result in results) for key in results[0]}
    totals["final_tasks"] = results[0]["final_tasks"]
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.history")
    parser.add_argument("lake_root", type=Path)
    parser.add_argument("--tasks", type=int, required=True, help="tasks at the start")
    parser.add_argument("--snapshots", type=int, required=True)
    parser.add_argument("--interval-min", type=int, default=30)
    parser.add_argument(
        "--arrivals-per-hour",
        type=float,
        default=ARRIVALS_PER_HOUR,
        help="mean new tasks per simulated hour (no floor per snapshot)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1, help="writer processes")
    parser.add_argument(
        "--not-durable",
        action="store_true",
        help="skip fsync while generating (bench data only; a crash may lose files)",
    )
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    plan = HistoryPlan(
        tasks=args.tasks,
        snapshots=args.snapshots,
        interval=timedelta(minutes=args.interval_min),
        arrivals_per_hour=args.arrivals_per_hour,
        seed=args.seed,
    )
    started = time.perf_counter()
    totals: dict[str, float] = dict(
        write_history(args.lake_root, plan, args.workers, durable=not args.not_durable)
    )
    totals["generate_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(totals), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
