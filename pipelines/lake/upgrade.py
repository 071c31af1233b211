"""One-time upgrade of a lake written before the lake was partitioned by source.

The previous layout was ``<lake>/<table>/snapshot_date=D/<id>.parquet`` and
``<lake>/raw/snapshot_date=D/snapshot_id=<id>/``. Readers now only look under
``source=<name>/``, so an old history would silently vanish from the warehouse; this
moves every committed snapshot under ``source=<its snapshots.source, made a valid name>/``
and deletes what uncommitted runs left. It runs at the start of every ingestion (a no-op
once nothing old is left).

Crash safety: a snapshot's table files and raw pages move first and its commit file last,
so a killed upgrade leaves the snapshot in the old place (still listed by its old commit
file) and the next run finishes the move. An ``flock`` keeps concurrent runs from
upgrading at the same time.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lake.layout import RAW_DIR, STAGING_DIR, fsync_dir, to_source_name
from pipelines.lake.schema import FLAT_TABLES, TABLES
from pipelines.lake.staging import PARTIAL, is_live

LOCK_FILE = ".upgrade.lock"
LEGACY_TABLE_GLOB = "snapshot_date=*/*.parquet"
LEGACY_RAW_GLOB = "snapshot_date=*/snapshot_id=*"


def _legacy_dirs(lake_root: Path) -> list[Path]:
    """``snapshot_date=`` directories directly under a table or raw directory."""
    tables = [*FLAT_TABLES, "snapshots", RAW_DIR]
    return sorted(d for table in tables for d in (lake_root / table).glob("snapshot_date=*"))


@contextlib.contextmanager
def _upgrade_lock(lake_root: Path) -> Iterator[None]:
    with (lake_root / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _move(path: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, destination)
    fsync_dir(destination.parent)


def _legacy_commits(lake_root: Path) -> dict[str, tuple[Path, str]]:
    """Old commit files: snapshot id -> (file, the source it names)."""
    commits = {}
    for path in sorted((lake_root / "snapshots").glob(LEGACY_TABLE_GLOB)):
        rows = pq.read_table(path, columns=["source"]).column("source").to_pylist()
        commits[path.stem] = (path, str(rows[0]) if rows and rows[0] else "unknown")
    return commits


def _move_commit(path: Path, source: str, lake_root: Path) -> None:
    """Move the commit file last; rewrite its ``source`` when the old value was not a name."""
    destination = lake_root / "snapshots" / f"source={source}" / path.parent.name / path.name
    table = pq.read_table(path).cast(TABLES["snapshots"])
    if table.column("source").to_pylist() == [source] * table.num_rows:
        _move(path, destination)
        return
    renamed = table.set_column(
        table.schema.get_field_index("source"),
        TABLES["snapshots"].field("source"),
        pa.array([source] * table.num_rows, pa.string()),
    )
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(destination.name + PARTIAL)
    pq.write_table(renamed, temporary, compression="zstd")
    os.replace(temporary, destination)
    fsync_dir(destination.parent)
    path.unlink()


def _live_ids(lake_root: Path) -> set[str]:
    staging_root = lake_root / STAGING_DIR
    if not staging_root.is_dir():
        return set()
    return {staging.name for staging in staging_root.iterdir() if is_live(staging)}


def upgrade_legacy_layout(lake_root: Path) -> list[str]:
    """Move old-layout snapshots under ``source=``; returns the snapshot ids moved."""
    lake_root = Path(lake_root)
    if not _legacy_dirs(lake_root):
        return []
    with _upgrade_lock(lake_root):
        commits = _legacy_commits(lake_root)
        live = _live_ids(lake_root)
        for table in FLAT_TABLES:
            for path in sorted((lake_root / table).glob(LEGACY_TABLE_GLOB)):
                if path.stem in commits:
                    source = to_source_name(commits[path.stem][1])
                    rest = path.relative_to(lake_root / table)
                    _move(path, lake_root / table / f"source={source}" / rest)
                elif path.stem not in live:
                    path.unlink(missing_ok=True)
        for raw in sorted((lake_root / RAW_DIR).glob(LEGACY_RAW_GLOB)):
            snapshot_id = raw.name.removeprefix("snapshot_id=")
            if snapshot_id in commits:
                source = to_source_name(commits[snapshot_id][1])
                rest = raw.relative_to(lake_root / RAW_DIR)
                _move(raw, lake_root / RAW_DIR / f"source={source}" / rest)
            elif snapshot_id not in live:
                shutil.rmtree(raw, ignore_errors=True)
        for path, source in commits.values():
            _move_commit(path, to_source_name(source), lake_root)
        for directory in _legacy_dirs(lake_root):
            for partial in directory.glob(f"*{PARTIAL}"):
                partial.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # not empty: a live old-layout run's files
                directory.rmdir()
    return sorted(commits)
