"""A synthetic snapshot history for the SQL-models benchmark, written by the real lake writer.

The simulator's clock moves ``interval`` between snapshots (tasks progress, finish, fail,
appear) and each snapshot is committed with :class:`SnapshotWriter`, so the warehouse
reads exactly the lake a scheduled pipeline would leave — raw pages included.
No HTTP: the store is read directly, since the transport is not what is measured here.

``python -m bench.history LAKE_ROOT --tasks N --snapshots S --interval-min M``
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from pipelines.lake.store import SnapshotWriter, new_snapshot_id
from pipelines.simulator import SimulatorConfig, SimulatorServer


@dataclass(frozen=True)
class HistoryPage:
    """One page holding every task, shaped like the client's ``Page``."""

    params: dict[str, str | int]
    received_at: datetime
    request_id: str | None
    body: bytes
    count: int
    tasks: list[dict[str, Any]]


def write_history(
    lake_root: Path, tasks: int, snapshots: int, interval: timedelta, seed: int = 7
) -> dict[str, int]:
    """Commit ``snapshots`` snapshots ``interval`` apart; return row totals."""
    simulator = SimulatorServer(SimulatorConfig(tasks=tasks, seed=seed))  # never started
    totals = {"snapshots": 0, "task_rows": 0, "sub_task_rows": 0}
    for index in range(snapshots):
        if index:
            simulator.clock.advance(interval)
        at = simulator.clock.now
        current = simulator.store.tasks()
        body = orjson.dumps({"count": len(current), "tasks": current})
        page = HistoryPage(
            {"limit": len(current), "offset": 0}, at, None, body, len(current), current
        )
        with SnapshotWriter(
            lake_root, new_snapshot_id(at), at, source="simulator", is_simulated=True, filters={}
        ) as writer:
            writer.add_page(page, current)
            info = writer.commit(
                api_count=len(current),
                task_ids={task["id"] for task in current},
                removed_ids=set(),
                pages=1,
            )
        totals["snapshots"] += 1
        totals["task_rows"] += info.rows["tasks"]
        totals["sub_task_rows"] += info.rows["sub_tasks"]
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.history")
    parser.add_argument("lake_root", type=Path)
    parser.add_argument("--tasks", type=int, required=True)
    parser.add_argument("--snapshots", type=int, required=True)
    parser.add_argument("--interval-min", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    totals = write_history(
        args.lake_root, args.tasks, args.snapshots, timedelta(minutes=args.interval_min), args.seed
    )
    totals["generate_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(totals), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
