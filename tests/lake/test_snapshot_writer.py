"""Snapshot writes: raw landing, publish, abort, removals, reflatten, readers."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lake_pages import SNAPSHOT_AT, SNAPSHOT_ID, make_page, task_with_id

from pipelines.lake import staging, store
from pipelines.lake.errors import LakeError
from pipelines.lake.flatten import flatten_tasks
from pipelines.lake.schema import FLAT_TABLES, SCHEMA_VERSION, TABLES
from pipelines.lake.store import (
    SnapshotWriter,
    list_snapshots,
    new_snapshot_id,
    read_table,
    reflatten,
)

LATER_AT = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
LATER_ID = "20240502T090000Z-d4e5f6"


def writer(lake: Path, snapshot_id: str = SNAPSHOT_ID, at: datetime = SNAPSHOT_AT, **kw):
    options = {"source": "simulator", "is_simulated": True, "filters": {}} | kw
    return SnapshotWriter(lake, snapshot_id, at, **options)


def unzstd(packed: bytes) -> bytes:
    with pa.CompressedInputStream(pa.BufferReader(packed), "zstd") as stream:
        return stream.read()


def lake_files(lake: Path) -> list[str]:
    return sorted(str(p.relative_to(lake)) for p in lake.rglob("*") if p.is_file())


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"


@pytest.fixture
def tasks(full_task):
    return [task_with_id(full_task, f"t-{i}") for i in range(4)]


def write_first(lake: Path, tasks) -> store.SnapshotInfo:
    """Snapshot 1: 4 tasks over 2 pages."""
    with writer(lake) as w:
        w.add_page(make_page(tasks[:2], count=4), tasks[:2])
        w.add_page(make_page(tasks[2:], offset=2, count=4), tasks[2:])
        return w.commit(api_count=4, task_ids={t["id"] for t in tasks}, removed_ids=set(), pages=2)


def test_new_snapshot_id_is_utc_start_time_plus_random_hex():
    snapshot_id = new_snapshot_id(datetime(2024, 5, 1, 14, 30, 5, tzinfo=UTC))
    assert re.fullmatch(r"20240501T143005Z-[0-9a-f]{6}", snapshot_id)


def test_commit_publishes_every_table_and_reports_what_it_wrote(lake, tasks):
    info = write_first(lake, tasks)
    assert info.rows == {
        "tasks": 4,
        "sub_tasks": 8,
        "source_servers": 4,
        "target_servers": 4,
        "special_configs": 8,
        "quarantine": 0,
    }
    assert (info.task_count, info.api_count, info.pages, info.quarantined) == (4, 4, 2, 0)
    partition = "source=simulator/snapshot_date=2024-05-01"
    assert {t: p.relative_to(lake).as_posix() for t, p in info.paths.items() if t != "raw"} == {
        t: f"{t}/{partition}/{SNAPSHOT_ID}.parquet" for t in (*FLAT_TABLES, "snapshots")
    }
    assert info.paths["raw"] == lake / "raw" / partition / f"snapshot_id={SNAPSHOT_ID}"
    assert info.bytes_written == sum(p.stat().st_size for p in lake.rglob("*") if p.is_file())
    assert not (lake / ".staging" / SNAPSHOT_ID).exists()


def test_empty_tables_still_get_a_file_with_their_schema(lake, tasks):
    write_first(lake, tasks)
    quarantine = (
        lake
        / "quarantine"
        / "source=simulator"
        / "snapshot_date=2024-05-01"
        / f"{SNAPSHOT_ID}.parquet"
    )
    assert (
        pq.read_schema(quarantine).remove_metadata().equals(TABLES["quarantine"].remove_metadata())
    )
    assert read_table(lake, "quarantine").num_rows == 0


def test_two_snapshots_append_and_read_back_exactly(lake, tasks, full_task):
    write_first(lake, tasks)
    changed = task_with_id(full_task, "t-0") | {"state": "MIGRATE_SUCCESS", "special_config": None}
    second = [changed, task_with_id(full_task, "t-9")]
    with writer(lake, LATER_ID, LATER_AT, source="sms.example.com", is_simulated=False,
                filters={"state": "RUNNING"}) as w:  # fmt: skip
        w.add_page(make_page(second), second)
        w.commit(api_count=2, task_ids={"t-0", "t-9"}, removed_ids=set(), pages=1)

    all_tasks = read_table(lake, "tasks")
    assert all_tasks.select(["snapshot_id", "id", "state"]).to_pylist() == [
        {"snapshot_id": SNAPSHOT_ID, "id": f"t-{i}", "state": "SYNCING"} for i in range(4)
    ] + [
        {"snapshot_id": LATER_ID, "id": "t-0", "state": "MIGRATE_SUCCESS"},
        {"snapshot_id": LATER_ID, "id": "t-9", "state": "SYNCING"},
    ]
    later = read_table(lake, "special_configs", LATER_ID)
    assert later["task_id"].to_pylist() == ["t-9", "t-9"]
    assert read_table(lake, "sub_tasks", SNAPSHOT_ID).num_rows == 8

    snapshots = list_snapshots(lake)
    assert [
        (s.snapshot_id, s.snapshot_at, s.source, s.is_simulated, s.api_count, s.task_count,
         s.pages, s.filters, s.schema_version)
        for s in snapshots
    ] == [
        (SNAPSHOT_ID, SNAPSHOT_AT, "simulator", True, 4, 4, 2, "{}", SCHEMA_VERSION),
        (LATER_ID, LATER_AT, "sms.example.com", False, 2, 2, 1, '{"state":"RUNNING"}',
         SCHEMA_VERSION),
    ]  # fmt: skip
    assert all(s.finished_at.tzinfo is not None for s in snapshots)


def test_raw_pages_are_landed_exactly_as_received(lake, tasks):
    pages = [make_page(tasks[:2], count=4), make_page(tasks[2:], offset=2, count=4)]
    with writer(lake) as w:
        w.add_page(pages[0], tasks[:2])
        w.add_page(pages[1], tasks[3:])  # the listing saw t-2 already: one new task
        w.commit(api_count=4, task_ids={"t-0", "t-1", "t-3"}, removed_ids=set(), pages=2)
    raw = (
        lake
        / "raw"
        / "source=simulator"
        / "snapshot_date=2024-05-01"
        / f"snapshot_id={SNAPSHOT_ID}"
    )
    assert sorted(p.name for p in raw.iterdir()) == [
        "commit.json",
        "page-000001.json.zst",
        "page-000002.json.zst",
        "pages.jsonl",
    ]
    for number, page in enumerate(pages, start=1):
        assert unzstd((raw / f"page-{number:06d}.json.zst").read_bytes()) == page.body
    lines = [json.loads(line) for line in (raw / "pages.jsonl").read_text().splitlines()]
    assert lines == [
        {
            "seq": n,
            "file": f"page-{n:06d}.json.zst",
            "params": {"limit": 200, "offset": offset},
            "received_at": "2024-05-01T12:30:00+00:00",
            "request_id": f"req-{offset}",
            "count": 4,
            "rows": 2,
            "new_rows": new_rows,
            "bytes": len(page.body),
            "sha256": hashlib.sha256(page.body).hexdigest(),
        }
        for n, offset, new_rows, page in ((1, 0, 2, pages[0]), (2, 2, 1, pages[1]))
    ]
    assert read_table(lake, "tasks")["id"].to_pylist() == ["t-0", "t-1", "t-3"]


def test_an_error_inside_the_block_publishes_nothing_and_keeps_earlier_snapshots(lake, tasks):
    write_first(lake, tasks)
    before = lake_files(lake)
    with pytest.raises(RuntimeError, match="listing failed"), writer(lake, LATER_ID, LATER_AT) as w:
        w.add_page(make_page(tasks[:2]), tasks[:2])
        raise RuntimeError("listing failed")
    assert lake_files(lake) == before
    assert [s.snapshot_id for s in list_snapshots(lake)] == [SNAPSHOT_ID]
    assert read_table(lake, "tasks").num_rows == 4


def test_leaving_the_block_without_commit_aborts(lake, tasks):
    with writer(lake) as w:
        w.add_page(make_page(tasks), tasks)
    assert lake_files(lake) == []
    assert list_snapshots(lake) == []


def test_removed_ids_are_dropped_from_every_table(lake, tasks):
    tasks[3]["priority"] = "high"  # t-3 goes to quarantine, then is removed as well
    with writer(lake) as w:
        w.add_page(make_page(tasks), tasks)
        info = w.commit(
            api_count=2, task_ids={t["id"] for t in tasks}, removed_ids={"t-1", "t-3"}, pages=1
        )
    assert read_table(lake, "tasks")["id"].to_pylist() == ["t-0", "t-2"]
    for table in ("sub_tasks", "source_servers", "target_servers", "special_configs"):
        assert set(read_table(lake, table)["task_id"].to_pylist()) == {"t-0", "t-2"}, table
    assert read_table(lake, "quarantine").num_rows == 0
    assert info.rows["sub_tasks"] == 4 and info.task_count == 2
    assert list_snapshots(lake)[0].task_count == 2


def test_quarantined_tasks_count_towards_the_snapshot(lake, tasks):
    tasks[1]["sub_tasks"][0]["progress"] = "half"
    with writer(lake) as w:
        w.add_page(make_page(tasks), tasks)
        info = w.commit(api_count=4, task_ids={t["id"] for t in tasks}, removed_ids=set(), pages=1)
    assert (info.task_count, info.quarantined, info.rows["tasks"]) == (4, 1, 3)
    assert read_table(lake, "quarantine")["task_id"].to_pylist() == ["t-1"]


def test_tasks_missing_from_the_lake_fail_the_commit(lake, tasks):
    with pytest.raises(LakeError, match=r"1 missing \['t-7'\], 0 unexpected"), writer(lake) as w:
        w.add_page(make_page(tasks), tasks)
        w.commit(api_count=5, task_ids={*(t["id"] for t in tasks), "t-7"}, removed_ids=set(),
                 pages=1)  # fmt: skip
    assert lake_files(lake) == []


def test_a_task_delivered_twice_fails_the_snapshot(lake, tasks):
    with pytest.raises(LakeError, match=r"more than once.*\['t-1'\]"), writer(lake) as w:
        w.add_page(make_page(tasks[:2]), tasks[:2])
        w.add_page(make_page(tasks[1:3]), tasks[1:3])
    assert lake_files(lake) == []


def test_credentials_in_page_params_are_refused(lake, tasks):
    page = make_page(tasks)
    leaky = type(page)(**{**page.__dict__, "params": {"limit": 200, "X-Auth-Token": "secret"}})
    with pytest.raises(LakeError) as caught, writer(lake) as w:
        w.add_page(leaky, tasks)
    assert "secret" not in str(caught.value) and "X-Auth-Token" in str(caught.value)
    assert lake_files(lake) == []


def test_a_committed_snapshot_cannot_be_written_again(lake, tasks):
    write_first(lake, tasks)
    with pytest.raises(LakeError, match="already committed"), writer(lake):
        pass


def test_an_id_committed_under_another_source_cannot_be_written_again(lake, tasks):
    write_first(lake, tasks)
    with pytest.raises(LakeError, match="already committed"), writer(lake, source="other"):
        pass


def test_an_id_committed_on_its_own_day_is_found_when_given_another_time(lake, tasks):
    write_first(lake, tasks)  # SNAPSHOT_ID names SNAPSHOT_AT's day
    with pytest.raises(LakeError, match="already committed"), writer(lake, at=LATER_AT):
        pass


def test_small_pages_are_batched_into_row_groups(lake, tasks, full_task, monkeypatch):
    monkeypatch.setattr(staging, "ROW_GROUP_ROWS", 5)
    many = [task_with_id(full_task, f"t-{i}") for i in range(12)]
    with writer(lake) as w:
        for start in range(0, 12, 3):
            w.add_page(make_page(many[start : start + 3], offset=start), many[start : start + 3])
        info = w.commit(api_count=12, task_ids=None, removed_ids=set(), pages=4)
    tasks_file = pq.ParquetFile(info.paths["tasks"])
    assert [tasks_file.metadata.row_group(i).num_rows for i in range(2)] == [6, 6]
    assert tasks_file.metadata.num_row_groups == 2
    subs = pq.ParquetFile(info.paths["sub_tasks"]).metadata
    assert [subs.row_group(i).num_rows for i in range(subs.num_row_groups)] == [6, 6, 6, 6]


def test_reflatten_rebuilds_the_same_tables_from_raw_pages(lake, tasks, full_task):
    tasks[2]["brand_new_field"] = {"x": 1}
    tasks[3]["create_date"] = -5
    shifted = [tasks[1], task_with_id(full_task, "t-8")]  # t-1 seen again on page 2
    with writer(lake) as w:
        w.add_page(make_page(tasks[:3], count=5), tasks[:3])
        w.add_page(make_page(shifted, offset=3, count=5), shifted[1:])
        w.add_page(make_page(tasks[3:], offset=5, count=5), tasks[3:])
        original = w.commit(
            api_count=5,
            task_ids={"t-0", "t-1", "t-2", "t-3", "t-8"},
            removed_ids={"t-0"},
            pages=3,
        )
    before = {table: read_table(lake, table) for table in FLAT_TABLES}
    rebuilt = reflatten(lake, SNAPSHOT_ID)
    for table in FLAT_TABLES:
        assert read_table(lake, table).equals(before[table]), table
    assert rebuilt.rows == original.rows
    assert rebuilt.unknown_fields == original.unknown_fields == {"tasks.brand_new_field"}
    assert (rebuilt.task_count, rebuilt.quarantined) == (4, 1)
    assert [s.snapshot_id for s in list_snapshots(lake)] == [SNAPSHOT_ID]
    assert not (lake / ".staging" / SNAPSHOT_ID).exists()


def test_reflatten_reads_raw_pages_landed_as_gzip_before_zstd(lake, tasks):
    write_first(lake, tasks)
    before = {table: read_table(lake, table) for table in FLAT_TABLES}
    raw = (
        lake
        / "raw"
        / "source=simulator"
        / "snapshot_date=2024-05-01"
        / f"snapshot_id={SNAPSHOT_ID}"
    )
    lines = (raw / "pages.jsonl").read_text().replace(".json.zst", ".json.gz")
    for packed in sorted(raw.glob("*.json.zst")):
        gz = packed.with_name(packed.name.replace(".zst", ".gz"))
        gz.write_bytes(gzip.compress(unzstd(packed.read_bytes()), mtime=0))
        packed.unlink()
    (raw / "pages.jsonl").write_text(lines)
    reflatten(lake, SNAPSHOT_ID)
    for table in FLAT_TABLES:
        assert read_table(lake, table).equals(before[table]), table


def test_reflatten_refuses_an_uncommitted_snapshot(lake):
    with pytest.raises(LakeError, match="not committed"):
        reflatten(lake, SNAPSHOT_ID)


def test_duckdb_sees_only_committed_snapshots_through_the_snapshots_table(lake, tasks):
    write_first(lake, tasks)
    orphan = (
        lake / "tasks" / "source=simulator" / "snapshot_date=2024-05-02" / f"{LATER_ID}.parquet"
    )
    orphan.parent.mkdir(parents=True)
    pq.write_table(flatten_tasks(tasks, LATER_ID, LATER_AT)["tasks"], orphan)  # never committed
    [(count,)] = (
        duckdb.connect()
        .execute(
            f"""
        select count(*) from read_parquet('{lake}/tasks/*/*/*.parquet', filename = true) t
        join read_parquet('{lake}/snapshots/*/*/*.parquet') s using (snapshot_id)
        """
        )
        .fetchall()
    )
    assert count == 4


def test_a_failure_while_writing_the_commit_row_unpublishes_the_tables(lake, tasks, monkeypatch):
    def disk_full(rows, destination):
        raise OSError("No space left on device")

    monkeypatch.setattr(store, "_write_parquet_atomically", disk_full)
    with pytest.raises(OSError, match="No space left"), writer(lake) as w:
        w.add_page(make_page(tasks), tasks)
        w.commit(api_count=4, task_ids=None, removed_ids=set(), pages=1)
    assert lake_files(lake) == []


def test_a_task_with_a_numeric_id_is_quarantined_and_still_accounted_for(lake, tasks):
    tasks[2]["id"] = 123
    with writer(lake) as w:
        w.add_page(make_page(tasks), tasks)
        info = w.commit(
            api_count=4, task_ids={"t-0", "t-1", 123, "t-3"}, removed_ids=set(), pages=1
        )
    assert (info.task_count, info.quarantined) == (4, 1)
    [row] = read_table(lake, "quarantine").to_pylist()
    assert (row["task_id"], row["field"], row["reason"]) == (
        None,
        "id",
        "expected string, got integer 123",
    )


def test_reflatten_refuses_raw_pages_that_do_not_match_their_checksum(lake, tasks):
    write_first(lake, tasks)
    raw = (
        lake
        / "raw"
        / "source=simulator"
        / "snapshot_date=2024-05-01"
        / f"snapshot_id={SNAPSHOT_ID}"
    )
    page = raw / "page-000002.json.zst"
    page.write_bytes(pa.compress(b'{"count": 4, "tasks": []}', codec="zstd", asbytes=True))
    before = {table: read_table(lake, table) for table in FLAT_TABLES}
    with pytest.raises(LakeError, match="page-000002.json.zst: body does not match its sha256"):
        reflatten(lake, SNAPSHOT_ID)
    for table in FLAT_TABLES:
        assert read_table(lake, table).equals(before[table]), table
    assert not (lake / ".staging" / SNAPSHOT_ID).exists()


def test_a_table_whose_file_cannot_be_finished_fails_the_commit_and_stops_every_writer(
    lake, tasks, monkeypatch
):
    """Each table closes on its own thread: one failing must still fail the whole commit,
    publish nothing, and leave no writer thread behind."""
    real_close = staging._close_synced

    def disk_full_for_sub_tasks(writer, path):
        if path.name.startswith("sub_tasks."):
            raise OSError("No space left on device")
        real_close(writer, path)

    monkeypatch.setattr(staging, "_close_synced", disk_full_for_sub_tasks)
    with pytest.raises(OSError, match="No space left"), writer(lake) as w:
        w.add_page(make_page(tasks), tasks)
        w.commit(api_count=4, task_ids=None, removed_ids=set(), pages=1)
    assert lake_files(lake) == []
    assert [t.name for t in threading.enumerate() if t.name.startswith("lake-")] == []
