"""Checks on the latest lake snapshot; blocking ones keep bad data out of the warehouse."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from pipelines.orchestration.ingest_assets import lake_key
from pipelines.orchestration.resources import DataStorage

CHILD_TABLES = ("sub_tasks", "source_servers", "target_servers", "special_configs")


def _snapshot_file(lake_root: Path, table: str, snapshot_id: str) -> str:
    matches = sorted(lake_root.glob(f"{table}/snapshot_date=*/{snapshot_id}.parquet"))
    if not matches:
        raise FileNotFoundError(f"no {table} file for snapshot {snapshot_id}")
    return str(matches[0])


def latest_snapshot(lake_root: Path) -> dict | None:
    """The newest committed snapshot row, or None when the lake is empty."""
    files = sorted(lake_root.glob("snapshots/snapshot_date=*/*.parquet"))
    if not files:
        return None
    con = duckdb.connect()
    row = con.execute(
        "SELECT snapshot_id, api_count, task_count FROM read_parquet(?) "
        "ORDER BY snapshot_at DESC, snapshot_id DESC LIMIT 1",
        [[str(f) for f in files]],
    ).fetchone()
    return {"snapshot_id": row[0], "api_count": row[1], "task_count": row[2]}


def _scalar(sql: str, params: list) -> int:
    return duckdb.connect().execute(sql, params).fetchone()[0]


def _no_snapshot() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="the lake has no committed snapshot")


@dg.asset_check(asset=lake_key("snapshots"), blocking=True)
def count_reconciles(storage: DataStorage) -> dg.AssetCheckResult:
    """Distinct task ids stored (tables + quarantine) equal the API's `count`."""
    snap = latest_snapshot(storage.lake_root)
    if snap is None:
        return _no_snapshot()
    sid = snap["snapshot_id"]
    stored = _scalar(
        "SELECT count(DISTINCT id) FROM ("
        " SELECT id FROM read_parquet(?) UNION ALL"
        " SELECT task_id FROM read_parquet(?) WHERE task_id IS NOT NULL)",
        [
            _snapshot_file(storage.lake_root, "tasks", sid),
            _snapshot_file(storage.lake_root, "quarantine", sid),
        ],
    )
    return dg.AssetCheckResult(
        passed=stored == snap["api_count"],
        metadata={"snapshot_id": sid, "api_count": snap["api_count"], "distinct_ids": stored},
    )


@dg.asset_check(asset=lake_key("tasks"), blocking=True)
def task_ids_unique(storage: DataStorage) -> dg.AssetCheckResult:
    """No task appears twice in one snapshot."""
    snap = latest_snapshot(storage.lake_root)
    if snap is None:
        return _no_snapshot()
    path = _snapshot_file(storage.lake_root, "tasks", snap["snapshot_id"])
    doubled = _scalar("SELECT count(*) - count(DISTINCT id) FROM read_parquet(?)", [path])
    return dg.AssetCheckResult(passed=doubled == 0, metadata={"duplicate_rows": doubled})


@dg.asset_check(asset=lake_key("sub_tasks"), blocking=True)
def sub_task_progress_in_range(storage: DataStorage) -> dg.AssetCheckResult:
    """Sub-task progress is a percentage (0-100) or null."""
    snap = latest_snapshot(storage.lake_root)
    if snap is None:
        return _no_snapshot()
    path = _snapshot_file(storage.lake_root, "sub_tasks", snap["snapshot_id"])
    bad = _scalar(
        "SELECT count(*) FROM read_parquet(?) WHERE progress < 0 OR progress > 100", [path]
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
        sid = snap["snapshot_id"]
        orphans = _scalar(
            "SELECT count(*) FROM read_parquet(?) c"
            " ANTI JOIN read_parquet(?) t ON c.task_id = t.id",
            [
                _snapshot_file(storage.lake_root, table, sid),
                _snapshot_file(storage.lake_root, "tasks", sid),
            ],
        )
        return dg.AssetCheckResult(passed=orphans == 0, metadata={"orphan_rows": orphans})

    return _check


@dg.asset_check(asset=lake_key("quarantine"), blocking=False)
def quarantine_empty(storage: DataStorage) -> dg.AssetCheckResult:
    """Warns when tasks were quarantined: they are kept, with a reason, but not in the marts."""
    snap = latest_snapshot(storage.lake_root)
    if snap is None:
        return _no_snapshot()
    path = _snapshot_file(storage.lake_root, "quarantine", snap["snapshot_id"])
    rows = _scalar("SELECT count(*) FROM read_parquet(?)", [path])
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
