"""Where things live in the lake (see docs/architecture.md, "Data directory").

``<lake>/<table>/source=<name>/snapshot_date=YYYY-MM-DD/<snapshot_id>.parquet`` is what
readers see (Hive partitions: ``source`` and ``snapshot_date`` are path columns);
``<lake>/raw/source=<name>/...`` holds the pages exactly as received;
``<lake>/.staging/<snapshot_id>/`` holds a run's files until it commits (same filesystem, so
publishing is an ``os.replace``).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

SNAPSHOT_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")
#: A source name becomes a path segment and a Dagster partition key.
SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,62}")
STAGING_DIR = ".staging"
RAW_DIR = "raw"
PAGES_FILE = "pages.jsonl"
COMMIT_FILE = "commit.json"


def check_snapshot_id(snapshot_id: str) -> str:
    """``snapshot_id`` if well formed (it becomes a file name), else ValueError."""
    if not SNAPSHOT_ID.fullmatch(snapshot_id):
        raise ValueError(f"snapshot id {snapshot_id!r} is not of the form YYYYMMDDTHHMMSSZ-<6 hex>")
    return snapshot_id


def check_source_name(source: str) -> str:
    """``source`` if usable as a lake partition (lower-case letters, digits, ``_.-``)."""
    if not SOURCE_NAME.fullmatch(source):
        raise ValueError(
            f"source name {source!r} must be 1-63 lower-case letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    return source


def to_source_name(text: str) -> str:
    """A usable source name made from free text (an endpoint host, an old ``source`` value)."""
    name = re.sub(r"[^a-z0-9_.-]", "-", text.lower()).strip("-.")[:63].strip("-.")
    return name or "unknown"


def snapshot_date(snapshot_at: datetime) -> str:
    """The ``YYYY-MM-DD`` partition of a snapshot (UTC date of its start)."""
    if snapshot_at.tzinfo is None:
        raise ValueError("snapshot_at must be timezone-aware (UTC)")
    return snapshot_at.astimezone(UTC).strftime("%Y-%m-%d")


def partition_dir(lake_root: Path, table: str, source: str, snapshot_at: datetime) -> Path:
    """The directory of one table's files for one source and day."""
    source_part = f"source={check_source_name(source)}"
    return lake_root / table / source_part / f"snapshot_date={snapshot_date(snapshot_at)}"


def table_file(
    lake_root: Path, table: str, snapshot_id: str, snapshot_at: datetime, source: str
) -> Path:
    """The published Parquet file of one table for one snapshot."""
    return partition_dir(lake_root, table, source, snapshot_at) / f"{snapshot_id}.parquet"


def raw_dir(lake_root: Path, snapshot_id: str, snapshot_at: datetime, source: str) -> Path:
    """The directory holding a snapshot's raw pages and their ``pages.jsonl``."""
    return partition_dir(lake_root, RAW_DIR, source, snapshot_at) / f"snapshot_id={snapshot_id}"


#: Glob of every snapshot's raw directory, relative to ``<lake>/raw``.
RAW_DIRS_GLOB = "source=*/snapshot_date=*/snapshot_id=*"
#: Glob of every published file of a table, relative to ``<lake>/<table>``.
TABLE_FILES_GLOB = "source=*/snapshot_date=*/*.parquet"


def find_raw_dir(lake_root: Path, snapshot_id: str) -> Path | None:
    """A snapshot's raw directory found without knowing its source or date, or None."""
    pattern = RAW_DIRS_GLOB.removesuffix("*") + snapshot_id
    found = sorted((lake_root / RAW_DIR).glob(pattern))
    return found[0] if found else None


def staging_dir(lake_root: Path, snapshot_id: str) -> Path:
    """A run's private working directory until it commits."""
    return lake_root / STAGING_DIR / snapshot_id


def published_files(lake_root: Path, table: str) -> list[Path]:
    """Every published Parquet file of a table (committed or not), sorted by snapshot id."""
    return sorted((lake_root / table).glob(TABLE_FILES_GLOB), key=lambda p: p.name)


def fsync_dir(directory: Path) -> None:
    """Make a rename inside ``directory`` durable (best effort where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
