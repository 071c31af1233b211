"""Checks on the latest lake snapshot; blocking ones keep bad data out of the warehouse."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from pipelines.lake.layout import table_file
from pipelines.lake.readers import SnapshotRow, list_snapshots
from pipelines.orchestration.ingest_assets import lake_key
from pipelines.orchestration.resources import DataStorage

CHILD_TABLES = ("sub_tasks", "source_servers", "target_servers", "special_configs")


class LatestSnapshot:
    """The newest committed snapshot and the paths of its table files."""

    def __init__(self, lake_root: Path, row: SnapshotRow) -> None:
        self.row = row
        self._lake_root = lake_root

    def file(self, table: str) -> str:
        return str(
            table_file(
                self._lake_root, table, self.row.snapshot_id, self.row.snapshot_at, self.row.source
            )
        )


def latest_snapshot(lake_root: Path) -> LatestSnapshot | None:
    snapshots = list_snapshots(lake_root)
    return LatestSnapshot(lake_root, snapshots[-1]) if snapshots else None


def _scalar(sql: str, params: list) -> int:
    with duckdb.connect() as con:
        return con.execute(sql, params).fetchone()[0]


def _no_snapshot() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="the lake has no committed snapshot")


@dg.asset_check(asset=lake_key("snapshots"), blocking=True)
def count_reconciles(storage: DataStorage) -> dg.AssetCheckResult:
    """Distinct task ids stored (tables + quarantine) equal the API's `count`."""
    snap = latest_snapshot(storage.lake_root)
    if snap is None:
        return _no_snapshot()
    stored = _scalar(
        "SELECT count(DISTINCT id) FROM ("
        " SELECT id FROM read_parquet(?) UNION ALL"
        " SELECT task_id FROM read_parquet(?) WHERE task_id IS NOT NULL)",
        [snap.file("tasks"), snap.file("quarantine")],
    )
    return dg.AssetCheckResult(
        passed=stored == snap.row.api_count,
        metadata={
            "snapshot_id": snap.row.snapshot_id,
            "api_count": snap.row.api_count,
            "distinct_ids": stored,
        },
    )


@dg.asset_check(asset=lake_key("tasks"), blocking=True)
def task_ids_unique(storage: DataStorage) -> dg.AssetCheckResult:
    """No task appears twice in one snapshot."""
    snap = latest_snapshot(storage.lake_root)
    if snap is None:
        return _no_snapshot()
    doubled = _scalar(
        "SELECT count(*) - count(DISTINCT id) FROM read_parquet(?)", [snap.file("tasks")]
    )
    return dg.AssetCheckResult(passed=doubled == 0, metadata={"duplicate_rows": doubled})


@dg.asset_check(asset=lake_key("sub_tasks"), blocking=True)
def sub_task_progress_in_range(storage: DataStorage) -> dg.AssetCheckResult:
    """Sub-task progress is a percentage (0-100) or null."""
    snap = latest_snapshot(storage.lake_root)
    if snap is None:
        return _no_snapshot()
    bad = _scalar(
        "SELECT count(*) FROM read_parquet(?) WHERE progress < 0 OR progress > 100",
        [snap.file("sub_tasks")],
    )
    return dg.AssetCheckResult(passed=bad == 0, metadata={"out_of_range": bad})


def _references_tasks_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=lake_key(table),
        name=f"{table}_reference_tasks",
        blocking=True,
        description=f"Every {table} row references a task of its own snapshot.",
    )
    def _check(storage: DataStorage) -> dg.AssetCheckResult:
        snap = latest_snapshot(storage.lake_root)
        if snap is None:
            return _no_snapshot()
        orphans = _scalar(
            "SELECT count(*) FROM read_parquet(?) c"
            " ANTI JOIN read_parquet(?) t ON c.task_id = t.id",
            [snap.file(table), snap.file("tasks")],
        )
        return dg.AssetCheckResult(passed=orphans == 0, metadata={"orphan_rows": orphans})

    return _check


@dg.asset_check(asset=lake_key("quarantine"), blocking=False)
def quarantine_empty(storage: DataStorage) -> dg.AssetCheckResult:
    """Warns when tasks were quarantined: they are kept, with a reason, but not in the marts."""
    snap = latest_snapshot(storage.lake_root)
    if snap is None:
        return _no_snapshot()
    rows = _scalar("SELECT count(*) FROM read_parquet(?)", [snap.file("quarantine")])
    return dg.AssetCheckResult(
        passed=rows == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"quarantined_rows": rows},
    )


INGEST_CHECKS = [
    count_reconciles,
    task_ids_unique,
    sub_task_progress_in_range,
    *[_references_tasks_check(table) for table in CHILD_TABLES],
    quarantine_empty,
]
