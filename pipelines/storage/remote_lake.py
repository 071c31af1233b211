"""The lake on object storage: commit locally, upload, and write the commit object last.

Workers share no disk and S3 has no rename or flock, so a run works in a private local
scratch lake (a temp directory, removed after the run) with the local protocol unchanged,
then uploads the committed snapshot to the same relative keys: raw pages and table files
first, the ``snapshots`` file LAST. That object's appearance is the commit, exactly as on
disk, so readers that trust only committed snapshot ids never see a partial snapshot.
A killed or failed upload leaves only uncommitted objects; the next run deletes those that
are older than a grace period (long enough that a live upload is never touched).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pyarrow.fs as pafs

from pipelines.lake.layout import RAW_DIR, STAGING_DIR, check_source_name
from pipelines.storage.remote_path import RemotePath

#: Uncommitted objects younger than this may belong to an upload in progress elsewhere.
UNCOMMITTED_GRACE = timedelta(hours=1)
#: Date partitions per table and source that the sweep of uncommitted objects looks at.
SWEPT_DATES = 3
COMMIT_TABLE = "snapshots"
T = TypeVar("T")


def snapshot_of(relative_key: str) -> str | None:
    """The snapshot id of a lake object: ``raw/.../snapshot_id=X/...`` or ``.../X.parquet``."""
    parts = relative_key.split("/")
    if parts[0] == RAW_DIR:
        for part in parts:
            if part.startswith("snapshot_id="):
                return part.removeprefix("snapshot_id=")
        return None
    name = parts[-1]
    return name.split(".", 1)[0] if name.endswith(".parquet") else None


def upload_committed_snapshot(scratch_lake: Path, lake: RemotePath) -> list[str]:
    """Upload a scratch lake's one committed snapshot; its ``snapshots`` file goes last."""
    files = sorted(p for p in scratch_lake.rglob("*") if p.is_file() and STAGING_DIR not in p.parts)
    commits = [p for p in files if p.relative_to(scratch_lake).parts[0] == COMMIT_TABLE]
    if len(commits) != 1:
        raise RuntimeError(
            f"expected one committed snapshot in {scratch_lake}, found {len(commits)}"
        )
    uploaded = []
    for path in [p for p in files if p not in commits] + commits:
        relative = path.relative_to(scratch_lake).as_posix()
        with path.open("rb") as source, lake.fs.open_output_stream((lake / relative).key) as sink:
            while chunk := source.read(8 << 20):
                sink.write(chunk)
        uploaded.append(relative)
    return uploaded


def _subdirectories(path: RemotePath) -> list[RemotePath]:
    """The implied directories directly below ``path`` (one delimited listing)."""
    selector = pafs.FileSelector(path.key, recursive=False, allow_not_found=True)
    infos = path.fs.get_file_info(selector)
    return sorted(RemotePath(path.fs, i.path) for i in infos if i.type == pafs.FileType.Directory)


def remove_uncommitted(
    lake: RemotePath,
    *,
    source: str,
    grace: timedelta = UNCOMMITTED_GRACE,
    now: datetime | None = None,
) -> list[str]:
    """Delete objects of ``source``'s snapshots that never committed, once older than ``grace``.

    Only the source's latest few date partitions are swept: every ingestion sweeps, so older
    leftovers are already gone, and the listing stays bounded however long the history.
    """
    now = now or datetime.now(UTC)
    partition = f"source={check_source_name(source)}"
    doomed = []
    for table_dir in _subdirectories(lake):
        if table_dir.name in (COMMIT_TABLE, STAGING_DIR):
            continue
        dates = [
            d for d in _subdirectories(table_dir / partition) if d.name.startswith("snapshot_date=")
        ]
        for date_dir in dates[-SWEPT_DATES:]:
            commits = (lake / COMMIT_TABLE / partition / date_dir.name).glob("*.parquet")
            committed = {commit.stem for commit in commits}
            for info in date_dir.walk():
                if info.type != pafs.FileType.File or info.mtime is None:
                    continue
                snapshot_id = snapshot_of(info.path[len(lake.key) + 1 :])
                stale = now - info.mtime >= grace
                if snapshot_id is not None and snapshot_id not in committed and stale:
                    doomed.append(info.path)
    for key in doomed:
        with contextlib.suppress(FileNotFoundError):
            lake.fs.delete_file(key)
    return [key[len(lake.key) + 1 :] for key in doomed]


def via_scratch_lake(lake: RemotePath, source: str, write: Callable[[Path], T]) -> T:
    """Run ``write(scratch_lake)`` (which commits one snapshot of ``source``), then upload it."""
    remove_uncommitted(lake, source=source)
    with tempfile.TemporaryDirectory(prefix="sms-lake-scratch-") as scratch:
        scratch_lake = Path(scratch) / "lake"
        result = write(scratch_lake)
        upload_committed_snapshot(scratch_lake, lake)
    return result
