"""A writer killed with SIGKILL leaves earlier snapshots intact and nothing half-visible."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from lake_pages import SNAPSHOT_AT, SNAPSHOT_ID, make_page

from pipelines.lake.errors import LakeError
from pipelines.lake.layout import published_files
from pipelines.lake.schema import FLAT_TABLES
from pipelines.lake.store import (
    SnapshotWriter,
    cleanup_stale_staging,
    list_snapshots,
    read_table,
)

SLOW_WRITER = Path(__file__).with_name("slow_writer.py")
KILLED_ID = "20240502T080000Z-0badc0"
KILLED_RAW = Path("raw/source=simulator/snapshot_date=2024-05-02") / f"snapshot_id={KILLED_ID}"


def lake_files(lake: Path) -> list[str]:
    return sorted(str(p.relative_to(lake)) for p in lake.rglob("*") if p.is_file())


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """A lake holding one committed snapshot of two tasks."""
    lake = tmp_path / "lake"
    tasks = [{"id": "a-1", "name": "kept"}, {"id": "a-2", "name": "kept"}]
    with SnapshotWriter(
        lake, SNAPSHOT_ID, SNAPSHOT_AT, source="simulator", is_simulated=True, filters={}
    ) as writer:
        writer.add_page(make_page(tasks), tasks)
        writer.commit(api_count=2, task_ids=None, removed_ids=set(), pages=1)
    return lake


def start_writer(lake: Path, stop_at: str) -> subprocess.Popen[str]:
    """Run the slow writer until it reports it reached ``stop_at``."""
    process = subprocess.Popen(
        [sys.executable, str(SLOW_WRITER), str(lake), KILLED_ID, stop_at],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    if line.strip() != "waiting":
        process.kill()
        pytest.fail(f"slow writer did not reach {stop_at}: {process.stderr.read()}")
    return process


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def assert_only_first_snapshot_visible(lake: Path) -> None:
    assert [s.snapshot_id for s in list_snapshots(lake)] == [SNAPSHOT_ID]
    assert read_table(lake, "tasks")["id"].to_pylist() == ["a-1", "a-2"]
    for table in FLAT_TABLES:
        assert set(read_table(lake, table)["snapshot_id"].to_pylist()) <= {SNAPSHOT_ID}


@pytest.mark.parametrize("stop_at", ["after-first-page", "before-commit-row"])
def test_killed_writer_leaves_earlier_snapshot_readable_and_cleanup_removes_the_rest(lake, stop_at):
    committed_files = lake_files(lake)
    process = start_writer(lake, stop_at)
    try:
        assert (
            cleanup_stale_staging(lake, starting_grace_s=0) == []
        )  # a live run is never cleaned up
        assert (lake / ".staging" / KILLED_ID).is_dir()
    finally:
        kill(process)

    assert_only_first_snapshot_visible(lake)
    visible = [p.name for t in FLAT_TABLES for p in published_files(lake, t)]
    if stop_at == "after-first-page":  # tables are only moved into place at commit
        assert visible == [f"{SNAPSHOT_ID}.parquet"] * len(FLAT_TABLES)
    else:  # moved into place, but without a snapshots row nobody trusts them
        assert sorted(set(visible)) == [f"{SNAPSHOT_ID}.parquet", f"{KILLED_ID}.parquet"]

    removed = cleanup_stale_staging(lake, starting_grace_s=0)
    assert lake / ".staging" / KILLED_ID in removed
    assert lake / KILLED_RAW in removed
    assert lake_files(lake) == committed_files
    assert_only_first_snapshot_visible(lake)
    assert cleanup_stale_staging(lake, starting_grace_s=0) == []


def test_a_killed_runs_snapshot_id_is_refused_until_cleanup(lake):
    kill(start_writer(lake, "after-first-page"))
    with (
        pytest.raises(LakeError, match="cleanup_stale_staging"),
        SnapshotWriter(
            lake,
            KILLED_ID,
            SNAPSHOT_AT,
            source="simulator",
            is_simulated=True,
            filters={},
        ),
    ):
        pass
    cleanup_stale_staging(lake, starting_grace_s=0)
    assert [s.snapshot_id for s in list_snapshots(lake)] == [SNAPSHOT_ID]


def test_cleanup_removes_a_half_written_commit_row_of_a_dead_run(lake):
    partial = (
        lake
        / "snapshots"
        / "source=simulator"
        / "snapshot_date=2024-05-02"
        / f"{KILLED_ID}.parquet.partial"
    )
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"PAR1 half")
    assert cleanup_stale_staging(lake, starting_grace_s=0) == [partial]
    assert_only_first_snapshot_visible(lake)


def test_a_staging_directory_just_created_is_left_alone(lake):
    kill(start_writer(lake, "after-first-page"))
    assert cleanup_stale_staging(lake) == []  # default grace: it might be a run starting up
    assert (lake / ".staging" / KILLED_ID).is_dir()
