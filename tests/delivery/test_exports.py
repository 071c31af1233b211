"""Exports: CSV round-trips hostile text, XLSX is typed, manifest matches, publish is atomic."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb
import openpyxl
import pyarrow.parquet as pq
import pytest

from pipelines.delivery.cell_values import neutralise_formula
from pipelines.delivery.exports import build_exports
from pipelines.delivery.warehouse_access import WarehouseUnavailableError

from .conftest import HOSTILE_NAMES, SNAPSHOT_ID

MARTS = [
    "mart_daily_burndown",
    "mart_eta_accuracy",
    "mart_failures",
    "mart_hourly_concurrency",
    "mart_outcomes",
    "mart_phase_durations",
    "mart_stalled_tasks",
    "mart_task_durations",
    "mart_throughput",
]
GENERATED_AT = dt.datetime(2025, 3, 1, 12, 30, tzinfo=dt.UTC)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_hostile_task_names_round_trip_with_formulas_neutralised(sample_warehouse, tmp_path):
    exports = build_exports(sample_warehouse, tmp_path / "exports", generated_at=GENERATED_AT)

    rows = read_csv(exports.exports_dir / "csv" / "mart_task_durations.csv")
    assert {r["task_id"]: r["task_name"] for r in rows} == {
        "t1": "web-01, prod",
        "t2": "'" + HOSTILE_NAMES["t2"],
        "t3": HOSTILE_NAMES["t3"],
        "t4": "'" + HOSTILE_NAMES["t4"],
        "t5": "'" + HOSTILE_NAMES["t5"],
        "t6": "'-2+3",
        "t7": "file-server",
        "t8": "app \t tab",
    }


def test_turning_neutralisation_off_keeps_text_exactly(sample_warehouse, tmp_path):
    exports = build_exports(sample_warehouse, tmp_path / "exports", neutralise_formulas=False)

    rows = read_csv(exports.exports_dir / "csv" / "mart_task_durations.csv")
    assert {r["task_id"]: r["task_name"] for r in rows} == HOSTILE_NAMES
    assert exports.manifest["neutralise_formulas"] is False


def test_numbers_and_nulls_are_written_plainly(sample_warehouse, tmp_path):
    exports = build_exports(sample_warehouse, tmp_path / "exports")

    eta = read_csv(exports.exports_dir / "csv" / "mart_eta_accuracy.csv")
    assert eta == [
        {"task_id": "t1", "error_s": "-3.5"},
        {"task_id": "t2", "error_s": "12.25"},
    ]
    durations = {
        r["task_id"]: r for r in read_csv(exports.exports_dir / "csv" / "mart_task_durations.csv")
    }
    assert durations["t4"]["total_time_s"] == ""
    assert durations["t4"]["timeline_complete"] == "false"
    assert durations["t1"]["created_at"] == "2025-02-27T08:00:00Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1-1", "'+1-1"),
        ("-cmd", "'-cmd"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-3.5", "-3.5"),
        ("+7", "+7"),
        ("-1e5", "-1e5"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_neutralisation_rule(text, expected):
    assert neutralise_formula(text) == expected


def test_csv_uses_crlf_and_utf8_header(sample_warehouse, tmp_path):
    exports = build_exports(sample_warehouse, tmp_path / "exports")

    raw = (exports.exports_dir / "csv" / "mart_eta_accuracy.csv").read_bytes()
    assert raw == b"task_id,error_s\r\nt1,-3.5\r\nt2,12.25\r\n"


def test_workbook_has_typed_cells_frozen_headers_and_a_sheet_per_mart(sample_warehouse, tmp_path):
    exports = build_exports(sample_warehouse, tmp_path / "exports")

    workbook = openpyxl.load_workbook(exports.exports_dir / "sms_analytics.xlsx")
    assert workbook.sheetnames == MARTS
    durations = workbook["mart_task_durations"]
    assert durations.freeze_panes == "A2"
    header = [c.value for c in durations[1]]
    assert header[:3] == ["task_id", "task_name", "state"]
    rows = {
        r[0]: dict(zip(header, r, strict=True))
        for r in durations.iter_rows(min_row=2, values_only=True)
    }
    assert rows["t2"]["task_name"] == HOSTILE_NAMES["t2"]  # a string cell, never a formula
    assert durations.cell(row=3, column=2).data_type == "s"
    assert rows["t1"]["total_time_s"] == 3600
    assert rows["t4"]["total_time_s"] is None
    assert rows["t1"]["timeline_complete"] is True
    assert rows["t1"]["created_at"] == dt.datetime(2025, 2, 27, 8, 0)
    assert durations.cell(row=2, column=header.index("created_at") + 1).number_format == (
        "yyyy-mm-dd hh:mm:ss"
    )
    burndown = workbook["mart_daily_burndown"]
    assert burndown.cell(row=2, column=1).value == dt.datetime(2025, 2, 27)
    assert burndown.cell(row=2, column=1).number_format == "yyyy-mm-dd"
    assert [c.value for c in burndown[4]] == [dt.datetime(2025, 3, 1), 4, 4, 1, 1, 8, 8, 3, 2, 3]
    eta = workbook["mart_eta_accuracy"]
    assert eta.cell(row=2, column=2).value == -3.5


def test_long_mart_names_get_valid_unique_sheet_names(tmp_path):
    from pipelines.delivery.xlsx_workbook import sheet_names

    names = sheet_names(["mart_" + "x" * 40, "mart_" + "x" * 41, "mart_a/b"])
    assert list(names.values()) == ["mart_" + "x" * 26, "mart_" + "x" * 24 + "~2", "mart_a_b"]


def test_manifest_lists_every_file_with_rows_and_checksums(sample_warehouse, tmp_path):
    exports = build_exports(sample_warehouse, tmp_path / "exports", generated_at=GENERATED_AT)

    manifest = json.loads((exports.exports_dir / "manifest.json").read_text())
    assert manifest["generated_at"] == "2025-03-01T12:30:00Z"
    assert manifest["snapshot_ids"] == [SNAPSHOT_ID]
    assert manifest["snapshot_at"] == "2025-03-01T12:00:00Z"
    assert manifest["source"] == "simulator"
    assert manifest["is_simulated"] is True
    assert manifest["tables"] == MARTS
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == (
        {f"csv/{m}.csv" for m in MARTS}
        | {f"parquet/{m}.parquet" for m in MARTS}
        | {"sms_analytics.xlsx"}
    )
    on_disk = {
        p.relative_to(exports.exports_dir).as_posix()
        for p in exports.exports_dir.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert on_disk == set(listed)
    for path, entry in listed.items():
        data = (exports.exports_dir / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
    expected_rows = {
        "mart_task_durations": 8, "mart_throughput": 8, "mart_phase_durations": 4,
        "mart_outcomes": 2, "mart_failures": 2, "mart_daily_burndown": 3,
        "mart_hourly_concurrency": 5, "mart_eta_accuracy": 2, "mart_stalled_tasks": 1,
    }  # fmt: skip
    for mart, rows in expected_rows.items():
        assert listed[f"csv/{mart}.csv"]["rows"] == rows
        assert listed[f"parquet/{mart}.parquet"]["rows"] == rows
        assert pq.read_metadata(exports.exports_dir / f"parquet/{mart}.parquet").num_rows == rows
    assert listed["sms_analytics.xlsx"]["rows"] == 35
    assert exports.total_rows == 35


def test_parquet_keeps_types_and_hostile_text_unchanged(sample_warehouse, tmp_path):
    exports = build_exports(sample_warehouse, tmp_path / "exports")

    table = pq.read_table(exports.exports_dir / "parquet" / "mart_task_durations.parquet")
    names = dict(zip(table["task_id"].to_pylist(), table["task_name"].to_pylist(), strict=True))
    assert names == HOSTILE_NAMES
    assert str(table.schema.field("created_at").type) == "timestamp[us, tz=UTC]"


def test_missing_warehouse_leaves_previous_exports_intact(sample_warehouse, tmp_path):
    exports_dir = tmp_path / "exports"
    first = build_exports(sample_warehouse, exports_dir)
    before = {p: p.read_bytes() for p in exports_dir.rglob("*") if p.is_file()}

    with pytest.raises(WarehouseUnavailableError, match="no warehouse at"):
        build_exports(tmp_path / "missing.duckdb", exports_dir)

    assert {p: p.read_bytes() for p in exports_dir.rglob("*") if p.is_file()} == before
    assert first.manifest["tables"] == MARTS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "exports"]


def test_mart_failing_mid_export_leaves_previous_exports_intact(sample_warehouse, tmp_path):
    exports_dir = tmp_path / "exports"
    build_exports(sample_warehouse, exports_dir)
    before = {p: p.read_bytes() for p in exports_dir.rglob("*") if p.is_file()}
    con = duckdb.connect(str(sample_warehouse))
    # Fails only when read: the error hits after several marts were already written.
    con.execute(
        "CREATE VIEW mart_zz_broken AS "
        "SELECT CAST(task_name AS INTEGER) AS x FROM mart_task_durations"
    )
    con.close()

    with pytest.raises(duckdb.ConversionException):
        build_exports(sample_warehouse, exports_dir)

    assert {p: p.read_bytes() for p in exports_dir.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "exports"]


def test_second_export_replaces_the_first_completely(sample_warehouse, tmp_path):
    exports_dir = tmp_path / "exports"
    build_exports(sample_warehouse, exports_dir)
    stale = exports_dir / "csv" / "mart_stale.csv"
    stale.write_text("left over\n")

    build_exports(sample_warehouse, exports_dir)

    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "exports"]


def test_empty_warehouse_exports_headers_only(empty_warehouse, tmp_path):
    exports = build_exports(empty_warehouse, tmp_path / "exports")

    raw = (exports.exports_dir / "csv" / "mart_failures.csv").read_bytes()
    assert raw == b"task_id,task_name,error_code,failed_phase\r\n"
    assert exports.total_rows == 0
    assert exports.manifest["snapshot_ids"] == []
    assert exports.manifest["snapshot_id"] is None
    assert exports.manifest["is_simulated"] is None
    workbook = openpyxl.load_workbook(exports.exports_dir / "sms_analytics.xlsx")
    assert workbook.sheetnames == MARTS
    assert workbook["mart_failures"].max_row == 1


def test_snapshot_facts_fall_back_to_the_lake_commit_log(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA lake")
    con.execute(
        "CREATE TABLE lake.snapshots AS SELECT * FROM (VALUES "
        "('20250101T000000Z-aaaaaa', TIMESTAMPTZ '2025-01-01 00:00:00+00', 'sms.example', false),"
        "('20250102T000000Z-bbbbbb', TIMESTAMPTZ '2025-01-02 00:00:00+00', 'sms.example', false)"
        ") AS t(snapshot_id, snapshot_at, source, is_simulated)"
    )
    con.execute("CREATE TABLE mart_one AS SELECT 1 AS n")
    con.close()

    exports = build_exports(warehouse, tmp_path / "exports")

    assert exports.manifest["snapshot_ids"] == [
        "20250101T000000Z-aaaaaa",
        "20250102T000000Z-bbbbbb",
    ]
    assert exports.manifest["snapshot_id"] == "20250102T000000Z-bbbbbb"
    assert exports.manifest["snapshot_at"] == "2025-01-02T00:00:00Z"
    assert exports.manifest["source"] == "sms.example"
    assert exports.manifest["is_simulated"] is False
    assert exports.manifest["tables"] == ["mart_one"]
