"""A lake written before the source partitions is moved under source=, never silently ignored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.ingest import ingest_snapshot
from pipelines.lake.layout import find_raw_dir
from pipelines.lake.readers import list_snapshots, read_table
from pipelines.lake.upgrade import upgrade_legacy_layout
from pipelines.settings import SourceSettings
from tests.warehouse.lake_builder import LakeBuilder


def to_legacy_layout(lake_root: Path) -> None:
    """Drop the ``source=`` level, as the previous version wrote the lake."""
    for source_dir in sorted(lake_root.glob("*/source=*")):
        for child in source_dir.iterdir():
            shutil.move(child, source_dir.parent / child.name)
        source_dir.rmdir()


def set_legacy_source(lake_root: Path, snapshot_id: str, source: str) -> None:
    (path,) = (lake_root / "snapshots").glob(f"snapshot_date=*/{snapshot_id}.parquet")
    table = pq.read_table(path)
    index = table.schema.get_field_index("source")
    pq.write_table(table.set_column(index, "source", pa.array([source])), path)


def legacy_raw_dir(lake_root: Path, day: str, snapshot_id: str) -> Path:
    directory = lake_root / "raw" / f"snapshot_date={day}" / f"snapshot_id={snapshot_id}"
    directory.mkdir(parents=True)
    (directory / "pages.jsonl").write_text("{}\n")
    return directory


def legacy_lake(lake_root: Path) -> tuple[str, str, str]:
    """Two committed snapshots (one with a host that is not a valid name) and a leftover."""
    lake = LakeBuilder(lake_root)
    first = lake.snapshot("2026-01-05 00:00", [{"id": "t1"}, {"id": "t2"}], source="simulator")
    second = lake.snapshot("2026-01-06 00:00", [{"id": "u1"}], source="old")
    killed = lake.snapshot("2026-01-06 01:00", [{"id": "x1"}], source="old", commit=False)
    to_legacy_layout(lake_root)
    set_legacy_source(lake_root, second, "SMS.Example.TEST")
    legacy_raw_dir(lake_root, "2026-01-05", first)
    legacy_raw_dir(lake_root, "2026-01-06", killed)
    return first, second, killed


def test_committed_snapshots_move_under_their_source_and_leftovers_go(tmp_path):
    root = tmp_path / "lake"
    first, second, killed = legacy_lake(root)
    assert list_snapshots(root) == []  # what the new readers would see without the upgrade

    assert upgrade_legacy_layout(root) == [first, second]

    assert [(row.snapshot_id, row.source) for row in list_snapshots(root)] == [
        (first, "simulator"),
        (second, "sms.example.test"),
    ]
    assert sorted(read_table(root, "tasks").column("id").to_pylist()) == ["t1", "t2", "u1"]
    assert find_raw_dir(root, first) == (
        root / "raw" / "source=simulator" / "snapshot_date=2026-01-05" / f"snapshot_id={first}"
    )
    assert [path for path in root.rglob("*") if killed in path.name] == []
    assert list(root.glob("*/snapshot_date=*")) == []
    assert upgrade_legacy_layout(root) == []


def test_ingestion_upgrades_first_so_history_and_new_snapshot_sit_together(tmp_path):
    root = tmp_path / "lake"
    first, second, _ = legacy_lake(root)

    outcome = ingest_snapshot(SourceSettings(endpoint=None, simulator_tasks=20), root)

    assert {(row.snapshot_id, row.source) for row in list_snapshots(root)} == {
        (first, "simulator"),
        (second, "sms.example.test"),
        (outcome.snapshot_id, "simulator"),
    }
