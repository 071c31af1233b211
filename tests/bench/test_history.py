"""``bench.history``: the year's bulk options (two writer processes, fsync skipped) write the
same lake as one durable process, and the real warehouse build reads it."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from bench.history import HistoryPlan, fsync_skipped, write_history
from bench.launch import run_child
from pipelines.lake.store import list_snapshots, read_table, reflatten
from pipelines.warehouse.build import create_lake_schema

PLAN = HistoryPlan(tasks=20, snapshots=12, interval=timedelta(minutes=30), arrivals_per_hour=2)
TOTALS = {"snapshots": 12, "task_rows": 316, "sub_task_rows": 1604, "final_tasks": 34}
FLAT = ("tasks", "sub_tasks", "source_servers", "target_servers", "special_configs")


@pytest.fixture(scope="module")
def durable(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("durable") / "lake"
    return root, write_history(root, PLAN)


@pytest.fixture(scope="module")
def bulk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("bulk") / "lake"
    return root, write_history(root, PLAN, workers=2, durable=False)


def lake_rows(lake_root: Path, table: str) -> list[tuple]:
    """What the warehouse's lake view shows, less the random suffix of the snapshot ids."""
    with duckdb.connect() as con:
        create_lake_schema(con, lake_root)
        return con.execute(
            f"SELECT * EXCLUDE (snapshot_id) FROM lake.{table} ORDER BY ALL"
        ).fetchall()


def test_one_durable_process_writes_the_planned_history(durable):
    root, totals = durable
    assert totals == TOTALS
    snapshots = list_snapshots(root)
    assert [s.snapshot_at for s in snapshots] == [
        snapshots[0].snapshot_at + PLAN.interval * i for i in range(12)
    ]
    assert len(lake_rows(root, "tasks")) == TOTALS["task_rows"]


def test_two_processes_without_fsync_write_the_same_rows(durable, bulk):
    assert bulk[1] == TOTALS
    for table in FLAT:
        assert lake_rows(bulk[0], table) == lake_rows(durable[0], table), table


def test_the_bulk_lakes_raw_pages_rebuild_its_tables(bulk):
    root, _ = bulk
    last = list_snapshots(root)[-1].snapshot_id
    before = read_table(root, "tasks", last)
    info = reflatten(root, last)
    assert info.rows["tasks"] == 34
    assert read_table(root, "tasks", last).equals(before)


def test_the_warehouse_build_reads_the_bulk_lake(bulk):
    root, totals = bulk
    result = run_child("warehouse", "", "", root.parent, root.parent / "warehouse.log")
    assert (result.rows, result.distinct_ids) == (totals["task_rows"], totals["final_tasks"])
    assert result.details["models"] == 22


def test_fsync_is_skipped_only_inside_the_block(tmp_path: Path):
    real = os.fsync
    with fsync_skipped():
        assert os.fsync is not real
    assert os.fsync is real
