"""Snapshot writes: land raw pages, stream flattened rows to staging, publish atomically.

A run writes everything under ``lake/.staging/<snapshot_id>/`` (holding an ``flock`` on it
while alive), then at commit ``os.replace``s one Parquet file per table into the table
directories and writes the ``snapshots`` row LAST: that file's appearance is the commit.
Readers only trust snapshot ids that have a ``snapshots`` file, so a run killed at any point
leaves nothing visible; :func:`cleanup_stale_staging` removes what it left behind.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Hashable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lake.errors import LakeError
from pipelines.lake.layout import (
    COMMIT_FILE,
    RAW_DIR,
    RAW_DIRS_GLOB,
    STAGING_DIR,
    check_snapshot_id,
    check_source_name,
    find_raw_dir,
    fsync_dir,
    published_files,
    raw_dir,
    table_file,
)
from pipelines.lake.raw import PageLike, RawLanding, read_raw_pages
from pipelines.lake.readers import (
    SnapshotRow,
    committed_ids,
    is_committed,
    list_snapshots,
    read_table,
)
from pipelines.lake.schema import FLAT_TABLES, SCHEMA_VERSION, TABLES
from pipelines.lake.staging import (
    PARTIAL,
    STARTING_GRACE_S,
    StagedSnapshot,
    is_live,
    readable_id,
)

#: Kept for ``bench/contender_flatten.py``, which measures the staging path directly.
_Stage = StagedSnapshot

__all__ = [
    "SnapshotInfo",
    "SnapshotRow",
    "SnapshotWriter",
    "cleanup_stale_staging",
    "list_snapshots",
    "new_snapshot_id",
    "read_table",
    "reflatten",
]


def new_snapshot_id(now: datetime) -> str:
    """``YYYYMMDDTHHMMSSZ-<6 hex>``: the UTC start time (sortable) plus a random suffix."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class SnapshotInfo:
    """What a commit (or reflatten) published."""

    snapshot_id: str
    snapshot_at: datetime
    rows: dict[str, int]
    task_count: int
    api_count: int
    pages: int
    unknown_fields: frozenset[str]
    quarantined: int
    bytes_written: int
    paths: dict[str, Path] = field(default_factory=dict)


def _write_parquet_atomically(rows: pa.Table, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(destination.name + PARTIAL)
    pq.write_table(rows, temporary, compression="zstd")
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, destination)
    fsync_dir(destination.parent)


def _publish(
    lake_root: Path, stage: StagedSnapshot, snapshot_row: dict[str, Any]
) -> tuple[dict[str, Path], int]:
    """Move the staged tables into place, then write the ``snapshots`` row (the commit)."""
    paths: dict[str, Path] = {}
    written = 0
    for table, staged in stage.tables.items():
        destination = table_file(
            lake_root, table, stage.snapshot_id, stage.snapshot_at, snapshot_row["source"]
        )
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.path, destination)
        fsync_dir(destination.parent)
        paths[table] = destination
        written += destination.stat().st_size
    commit = table_file(
        lake_root, "snapshots", stage.snapshot_id, stage.snapshot_at, snapshot_row["source"]
    )
    _write_parquet_atomically(pa.Table.from_pylist([snapshot_row], TABLES["snapshots"]), commit)
    paths["snapshots"] = commit
    return paths, written + commit.stat().st_size


def _remove_uncommitted_tables(lake_root: Path, snapshot_id: str) -> list[Path]:
    """Delete published table files of a snapshot that never committed."""
    removed = []
    if snapshot_id in committed_ids(lake_root):
        return removed
    for table in FLAT_TABLES:
        for path in published_files(lake_root, table):
            if path.stem == snapshot_id:
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


class SnapshotWriter:
    """Writes one snapshot; use as a context manager and call :meth:`commit` inside it.

    Leaving the block without a commit (or with an exception) aborts: the staging files and
    this snapshot's raw pages are deleted and nothing is published.
    """

    def __init__(
        self,
        lake_root: Path,
        snapshot_id: str,
        snapshot_at: datetime,
        *,
        source: str,
        is_simulated: bool,
        filters: dict[str, Any],
    ) -> None:
        if snapshot_at.tzinfo is None:
            raise ValueError("snapshot_at must be timezone-aware (UTC)")
        self.lake_root = Path(lake_root)
        self.snapshot_id = check_snapshot_id(snapshot_id)
        self.snapshot_at = snapshot_at.astimezone(UTC)
        self.source = check_source_name(source)
        self.is_simulated = is_simulated
        try:
            self.filters_json = orjson.dumps(filters, option=orjson.OPT_SORT_KEYS).decode()
        except TypeError as error:
            raise ValueError(f"filters must be JSON-serialisable: {error}") from None
        self.raw_dir = raw_dir(self.lake_root, snapshot_id, self.snapshot_at, self.source)
        self._stage: StagedSnapshot | None = None
        self._raw: RawLanding | None = None
        self._done = False

    def __enter__(self) -> Self:
        if is_committed(self.lake_root, self.snapshot_id, self.snapshot_at):
            raise LakeError(f"snapshot {self.snapshot_id} is already committed")
        self._stage = StagedSnapshot(self.lake_root, self.snapshot_id, self.snapshot_at)
        try:
            self._raw = RawLanding(self.raw_dir)
        except FileExistsError:
            self._stage.discard()
            raise LakeError(f"raw pages of snapshot {self.snapshot_id} already exist") from None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self._done:
            self.abort()

    def _open_stage(self) -> tuple[StagedSnapshot, RawLanding]:
        if self._done or self._stage is None or self._raw is None:
            raise LakeError("SnapshotWriter is not open: use it as a context manager")
        return self._stage, self._raw

    def add_page(self, page: PageLike, new_tasks: list[Any]) -> None:
        """Land ``page`` as received, then flatten and stage its ``new_tasks``."""
        stage, raw = self._open_stage()
        raw.land(page, len(new_tasks))
        stage.add(new_tasks)

    def commit(
        self,
        *,
        api_count: int,
        task_ids: set[str] | None,
        removed_ids: set[str],
        pages: int,
    ) -> SnapshotInfo:
        """Publish the snapshot; ``task_ids`` (when given) must match what was stored.

        ``task_ids`` are the distinct tasks the listing ended with; after ``removed_ids`` are
        dropped, the stored tasks (tables + quarantine) must be exactly those, else nothing is
        published (a silent drop or an extra task would make the snapshot wrong).
        """
        stage, raw = self._open_stage()
        try:
            raw.finish()
            stage.finish(removed_ids)
            if task_ids is not None:
                _check_task_ids(stage.stored_ids, set(task_ids) - removed_ids)
            raw.close()
            _write_commit_note(self.raw_dir, removed_ids)
            raw_bytes = sum(path.stat().st_size for path in self.raw_dir.iterdir())
            info = self._publish(stage, api_count=api_count, pages=pages, raw_bytes=raw_bytes)
        except BaseException:
            self.abort()
            raise
        self._done = True
        stage.discard()
        return info

    def _publish(
        self, stage: StagedSnapshot, *, api_count: int, pages: int, raw_bytes: int
    ) -> SnapshotInfo:
        rows = {table: staged.rows for table, staged in stage.tables.items()}
        task_count = rows["tasks"] + rows["quarantine"]
        snapshot_row = {
            "snapshot_id": self.snapshot_id,
            "snapshot_at": self.snapshot_at,
            "finished_at": datetime.now(UTC),
            "source": self.source,
            "is_simulated": self.is_simulated,
            "api_count": api_count,
            "task_count": task_count,
            "pages": pages,
            "filters": self.filters_json,
            "schema_version": SCHEMA_VERSION,
        }
        paths, written = _publish(self.lake_root, stage, snapshot_row)
        paths["raw"] = self.raw_dir
        return SnapshotInfo(
            snapshot_id=self.snapshot_id,
            snapshot_at=self.snapshot_at,
            rows=rows,
            task_count=task_count,
            api_count=api_count,
            pages=pages,
            unknown_fields=frozenset(stage.unknown_fields),
            quarantined=rows["quarantine"],
            bytes_written=written + raw_bytes,
            paths=paths,
        )

    def abort(self) -> None:
        """Delete everything this run wrote; nothing of it is published (idempotent)."""
        self._done = True
        if self._raw is not None:
            self._raw.close()
        if self._stage is not None:
            self._stage.discard()
        shutil.rmtree(self.raw_dir, ignore_errors=True)
        _remove_uncommitted_tables(self.lake_root, self.snapshot_id)


def _check_task_ids(stored: set[Hashable], expected: set[Hashable]) -> None:
    missing, unexpected = expected - stored, stored - expected
    if missing or unexpected:
        raise LakeError(
            f"stored tasks do not match the listing: {len(missing)} missing "
            f"{sorted(missing, key=str)[:5]}, {len(unexpected)} unexpected "
            f"{sorted(unexpected, key=str)[:5]}; snapshot not published"
        )


def _write_commit_note(directory: Path, removed_ids: Iterable[str]) -> None:
    """Record what the commit removed, so :func:`reflatten` can rebuild exactly."""
    note = {"removed_ids": sorted(removed_ids)}
    (directory / COMMIT_FILE).write_bytes(orjson.dumps(note))


def reflatten(lake_root: Path, snapshot_id: str) -> SnapshotInfo:
    """Rebuild a committed snapshot's tables from its raw pages, without calling the API.

    Pages are replayed in landing order, each task id kept the first time it is seen (as the
    listing did), and the ids the commit removed are dropped again. Each table file is
    replaced atomically and the ``snapshots`` row rewritten last.
    """
    lake_root = Path(lake_root)
    check_snapshot_id(snapshot_id)
    committed = [row for row in list_snapshots(lake_root) if row.snapshot_id == snapshot_id]
    if not committed:
        raise LakeError(f"snapshot {snapshot_id} is not committed; nothing to reflatten")
    row = committed[0]
    directory = find_raw_dir(lake_root, snapshot_id)
    if directory is None:
        raise LakeError(f"no raw pages for snapshot {snapshot_id}")
    note_path = directory / COMMIT_FILE
    removed = (
        set(orjson.loads(note_path.read_bytes())["removed_ids"]) if note_path.exists() else set()
    )

    stage = StagedSnapshot(lake_root, snapshot_id, row.snapshot_at)
    try:
        seen: set[Hashable] = set()
        for page in read_raw_pages(directory):
            stage.add(_first_seen(page.tasks, seen))
        stage.finish(removed)
        rows = {table: staged.rows for table, staged in stage.tables.items()}
        snapshot_row = {
            **asdict(row),
            "task_count": rows["tasks"] + rows["quarantine"],
            "schema_version": SCHEMA_VERSION,
        }
        paths, written = _publish(lake_root, stage, snapshot_row)
    except BaseException:
        stage.discard()
        raise
    unknown = frozenset(stage.unknown_fields)
    stage.discard()
    return SnapshotInfo(
        snapshot_id=snapshot_id,
        snapshot_at=row.snapshot_at,
        rows=rows,
        task_count=snapshot_row["task_count"],
        api_count=row.api_count,
        pages=row.pages,
        unknown_fields=unknown,
        quarantined=rows["quarantine"],
        bytes_written=written,
        paths={**paths, "raw": directory},
    )


def _first_seen(tasks: list[Any], seen: set[Hashable]) -> list[Any]:
    """Tasks of a page not seen before (by id); tasks without a readable id are all kept."""
    fresh = []
    for task in tasks:
        task_id = readable_id(task)
        if task_id is not None:
            if task_id in seen:
                continue
            seen.add(task_id)
        fresh.append(task)
    return fresh


def cleanup_stale_staging(
    lake_root: Path, *, starting_grace_s: float = STARTING_GRACE_S
) -> list[Path]:
    """Remove what killed runs left: their staging, raw pages and unpublished table files.

    A run is live while it holds the ``flock`` of its staging directory (the kernel releases
    it when the process dies, even by SIGKILL), so live runs are never touched; nor is a
    staging directory changed within ``starting_grace_s`` (its run may still be starting).
    Returns the paths removed.
    """
    lake_root = Path(lake_root)
    removed: list[Path] = []
    live: set[str] = set()
    staging_root = lake_root / STAGING_DIR
    for staging in sorted(staging_root.glob("*")) if staging_root.is_dir() else []:
        if not staging.is_dir():
            continue
        if is_live(staging, starting_grace_s=starting_grace_s):
            live.add(staging.name)
            continue
        shutil.rmtree(staging, ignore_errors=True)
        removed.append(staging)
    committed = committed_ids(lake_root)
    for raw in sorted((lake_root / RAW_DIR).glob(RAW_DIRS_GLOB)):
        snapshot_id = raw.name.removeprefix("snapshot_id=")
        if snapshot_id not in committed and snapshot_id not in live:
            shutil.rmtree(raw, ignore_errors=True)
            removed.append(raw)
    for table in FLAT_TABLES:
        for path in published_files(lake_root, table):
            if path.stem not in committed and path.stem not in live:
                path.unlink(missing_ok=True)
                removed.append(path)
    for partial in (lake_root / "snapshots").glob(f"source=*/snapshot_date=*/*{PARTIAL}"):
        if partial.name.split(".")[0] not in live:
            partial.unlink(missing_ok=True)
            removed.append(partial)
    return removed
