"""What "nothing published is torn" means, checked on a data dir after a crash or a run."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import orjson
import pyarrow.parquet as pq

from pipelines.lake.store import list_snapshots, read_table

#: One row per task of the latest snapshot: a mart whose size must match its snapshot.
TASK_GRAIN_MART = "mart_task_durations"


def assert_lake_intact(lake_root: Path) -> None:
    """Every published Parquet file reads; every committed snapshot holds its task count."""
    for path in lake_root.rglob("*.parquet"):
        if ".staging" not in path.relative_to(lake_root).parts:
            pq.read_table(path)
    for snapshot in list_snapshots(lake_root):
        stored = read_table(lake_root, "tasks", snapshot.snapshot_id).num_rows
        stored += read_table(lake_root, "quarantine", snapshot.snapshot_id).num_rows
        assert stored == snapshot.task_count, snapshot.snapshot_id


def warehouse_view(warehouse: Path) -> tuple[str, int, int]:
    """``(latest snapshot id, its task count, task-grain mart rows)`` read in one session."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        snapshot_id, task_count = con.execute(
            "SELECT snapshot_id, task_count FROM stg_snapshots WHERE is_latest"
        ).fetchone()
        mart_rows = con.execute(f"SELECT count(*) FROM {TASK_GRAIN_MART}").fetchone()[0]
    finally:
        con.close()
    return snapshot_id, task_count, mart_rows


def assert_warehouse_consistent(warehouse: Path) -> str:
    """The warehouse opens read-only and its marts match its snapshot; returns the snapshot."""
    snapshot_id, task_count, mart_rows = warehouse_view(warehouse)
    assert mart_rows == task_count
    return snapshot_id


def assert_exports_match_manifest(exports_dir: Path) -> dict:
    """Exactly the manifest's files, each with the manifest's size and sha256."""
    manifest = orjson.loads((exports_dir / "manifest.json").read_bytes())
    listed = {entry["path"]: entry for entry in manifest["files"]}
    present = {
        path.relative_to(exports_dir).as_posix()
        for path in exports_dir.rglob("*")
        if path.is_file() and path.name != "manifest.json"
    }
    assert present == set(listed)
    for relative, entry in listed.items():
        content = (exports_dir / relative).read_bytes()
        assert len(content) == entry["bytes"], relative
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], relative
    return manifest


def assert_report_whole(report_dir: Path) -> None:
    html = (report_dir / "migration_report.html").read_text()
    assert html.rstrip().endswith("</html>")


def assert_published_intact(data_dir: Path) -> None:
    """Everything a reader may open is whole: lake, warehouse, exports, report."""
    assert_lake_intact(data_dir / "lake")
    assert_warehouse_consistent(data_dir / "warehouse.duckdb")
    assert_exports_match_manifest(data_dir / "exports")
    assert_report_whole(data_dir / "report")
