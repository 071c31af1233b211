"""Read committed lake data back (tests, checks, reflatten): only what a reader may see.

A snapshot is committed once its file exists under ``lake/snapshots/``; table files of any
other snapshot id (a run in progress or killed) are ignored here, as the SQL views ignore them.
``lake_root`` is a local directory or a :class:`RemotePath` (a lake on object storage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lake.layout import check_snapshot_id, published_files, snapshot_date
from pipelines.lake.schema import TABLES
from pipelines.storage.remote_path import RemotePath

LakeRoot = Path | RemotePath


@dataclass(frozen=True)
class SnapshotRow:
    """One committed snapshot, as its ``snapshots`` row records it."""

    snapshot_id: str
    snapshot_at: datetime
    finished_at: datetime
    source: str
    is_simulated: bool
    api_count: int
    task_count: int
    pages: int
    filters: str
    schema_version: int


def committed_ids(lake_root: LakeRoot) -> set[str]:
    """Ids of the committed snapshots (their commit file is in place)."""
    return {path.stem for path in published_files(lake_root, "snapshots")}


def is_committed(lake_root: LakeRoot, snapshot_id: str, snapshot_at: datetime) -> bool:
    """Whether ``snapshot_id`` has a commit file, under any source.

    Only the days the id names (its ``YYYYMMDD`` start) and ``snapshot_at`` falls on are
    looked in, not every commit: a writer's check then costs the same on day 1 and after
    a year of half-hourly snapshots (listing every commit took ~130 ms a call by then).
    """
    check_snapshot_id(snapshot_id)
    days = {f"{snapshot_id[:4]}-{snapshot_id[4:6]}-{snapshot_id[6:8]}", snapshot_date(snapshot_at)}
    return any(
        any((lake_root / "snapshots").glob(f"source=*/snapshot_date={day}/{snapshot_id}.parquet"))
        for day in sorted(days)
    )


def _read_file(path: Path | RemotePath, table: str) -> pa.Table:
    if isinstance(path, RemotePath):
        with path.fs.open_input_file(path.key) as handle:
            return pq.ParquetFile(handle).read().cast(TABLES[table])
    return pq.ParquetFile(path).read().cast(TABLES[table])


def read_table(lake_root: LakeRoot, table: str, snapshot_id: str | None = None) -> pa.Table:
    """All committed rows of ``table`` (or of one snapshot), in snapshot order."""
    if table not in TABLES:
        raise ValueError(f"unknown lake table {table!r}; expected one of {sorted(TABLES)}")
    committed = committed_ids(lake_root)
    wanted = [
        path
        for path in published_files(lake_root, table)
        if path.stem in committed and snapshot_id in (None, path.stem)
    ]
    if not wanted:
        return TABLES[table].empty_table()
    return pa.concat_tables([_read_file(path, table) for path in wanted])


def latest_snapshot_row(lake_root: LakeRoot, source: str | None = None) -> SnapshotRow | None:
    """The newest committed snapshot (of ``source`` when given), or None.

    Reads one commit file, not the whole log: snapshot ids (the file names) start with their
    UTC time, so the newest is the greatest name, as in :func:`list_snapshots`' order.
    """
    partition = f"source={source}"
    commits = [
        path
        for path in published_files(lake_root, "snapshots")
        if source is None or path.parent.parent.name == partition
    ]
    if not commits:
        return None
    newest = max(commits, key=lambda path: path.name)
    return SnapshotRow(**_read_file(newest, "snapshots").to_pylist()[0])


def list_snapshots(lake_root: LakeRoot) -> list[SnapshotRow]:
    """The committed snapshots, oldest first."""
    rows = read_table(lake_root, "snapshots").to_pylist()
    return sorted((SnapshotRow(**row) for row in rows), key=lambda row: row.snapshot_id)
