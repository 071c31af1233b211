"""Where things live in the lake (see docs/architecture.md, "Data directory").

``<lake>/<table>/snapshot_date=YYYY-MM-DD/<snapshot_id>.parquet`` is what readers see;
``<lake>/raw/...`` holds the pages exactly as received; ``<lake>/.staging/<snapshot_id>/``
holds a run's files until it commits (same filesystem, so publishing is an ``os.replace``).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

SNAPSHOT_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")
STAGING_DIR = ".staging"
RAW_DIR = "raw"
PAGES_FILE = "pages.jsonl"
COMMIT_FILE = "commit.json"


def check_snapshot_id(snapshot_id: str) -> str:
    """``snapshot_id`` if well formed (it becomes a file name), else ValueError."""
    if not SNAPSHOT_ID.fullmatch(snapshot_id):
        raise ValueError(f"snapshot id {snapshot_id!r} is not of the form YYYYMMDDTHHMMSSZ-<6 hex>")
    return snapshot_id


def snapshot_date(snapshot_at: datetime) -> str:
    """The ``YYYY-MM-DD`` partition of a snapshot (UTC date of its start)."""
    if snapshot_at.tzinfo is None:
        raise ValueError("snapshot_at must be timezone-aware (UTC)")
    return snapshot_at.astimezone(UTC).strftime("%Y-%m-%d")


def table_file(lake_root: Path, table: str, snapshot_id: str, snapshot_at: datetime) -> Path:
    """The published Parquet file of one table for one snapshot."""
    partition = f"snapshot_date={snapshot_date(snapshot_at)}"
    return lake_root / table / partition / f"{snapshot_id}.parquet"


def raw_dir(lake_root: Path, snapshot_id: str, snapshot_at: datetime) -> Path:
    """The directory holding a snapshot's raw pages and their ``pages.jsonl``."""
    partition = f"snapshot_date={snapshot_date(snapshot_at)}"
    return lake_root / RAW_DIR / partition / f"snapshot_id={snapshot_id}"


def find_raw_dir(lake_root: Path, snapshot_id: str) -> Path | None:
    """A snapshot's raw directory found without knowing its date, or None."""
    found = sorted((lake_root / RAW_DIR).glob(f"snapshot_date=*/snapshot_id={snapshot_id}"))
    return found[0] if found else None


def staging_dir(lake_root: Path, snapshot_id: str) -> Path:
    """A run's private working directory until it commits."""
    return lake_root / STAGING_DIR / snapshot_id


def published_files(lake_root: Path, table: str) -> list[Path]:
    """Every published Parquet file of a table (committed or not), sorted by snapshot id."""
    return sorted((lake_root / table).glob("snapshot_date=*/*.parquet"), key=lambda p: p.name)


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
