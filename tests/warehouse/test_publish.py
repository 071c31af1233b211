"""Atomic publish: readers keep working across a swap; failed builds publish nothing."""

import hashlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipelines.warehouse.variables import WarehouseVariables

from .conftest import SQL_DIR, materialize_warehouse, query
from .lake_builder import LakeBuilder
from .scenario import T3, T6, t1, t2

READER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    sql = "SELECT count(*) FROM mart_task_durations"
    print(con.execute(sql).fetchone()[0], flush=True)
    sys.stdin.readline()  # wait until the parent has published a new warehouse
    print(con.execute(sql).fetchone()[0], flush=True)
    print(con.execute("SELECT count(*) FROM stg_tasks").fetchone()[0], flush=True)
    """
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_open_read_only_reader_survives_a_rebuild(tmp_path: Path):
    builder = LakeBuilder(tmp_path / "lake")
    builder.snapshot("2024-03-01 10:00", [t1("S1")])
    assert materialize_warehouse(tmp_path).success
    warehouse = tmp_path / "warehouse.duckdb"

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "1"
        builder.snapshot("2024-03-01 12:00", [t1("S2"), T3, T6])
        # the published views stay pinned to the snapshots the marts were built from
        assert query(warehouse, "SELECT count(*) FROM stg_tasks_history") == [(1,)]
        assert materialize_warehouse(tmp_path).success  # swaps while the reader holds it open
        out, err = reader.communicate("go\n", timeout=60)
    finally:
        reader.kill()
    # the old connection still reads its own (old) file: 1 task, pinned to the old snapshot
    assert out.split() == ["1", "1"], err
    assert reader.returncode == 0, err
    # a new connection sees the new warehouse
    assert query(warehouse, "SELECT count(*) FROM mart_task_durations") == [(3,)]


def _broken_sql_dir(tmp_path: Path, name: str, sql: str) -> Path:
    sql_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    (sql_dir / "marts" / f"{name}.sql").write_text(sql)
    return sql_dir


@pytest.fixture(scope="module")
def two_task_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with a two-task lake and its published warehouse."""
    data_dir = tmp_path_factory.mktemp("two_tasks")
    LakeBuilder(data_dir / "lake").snapshot("2024-03-01 12:00", [t1("S2"), t2("S3")])
    assert materialize_warehouse(data_dir).success
    return data_dir


@pytest.mark.parametrize(
    ("name", "sql", "failed_step"),
    [
        (
            "mart_broken",
            "-- Grain: g\n-- Purpose: p\n-- Columns:\n--   x: x\n"
            "SELECT no_such_column AS x FROM stg_tasks",
            "mart_broken",
        ),
        (  # a blocking check fails: every task twice
            "mart_task_durations",
            (SQL_DIR / "marts" / "mart_task_durations.sql")
            .read_text()
            .rstrip()
            .removesuffix("ORDER BY timed.created_at, timed.task_id")
            .replace("FROM timed\n", "FROM timed\nCROSS JOIN (VALUES (1), (2)) AS twice (n)\n"),
            None,
        ),
    ],
    ids=["broken_sql", "failed_blocking_check"],
)
def test_a_failed_build_leaves_the_previous_warehouse_and_stale_builds_are_cleaned(
    two_task_build: Path, tmp_path: Path, name: str, sql: str, failed_step: str | None
):
    data_dir = tmp_path / "data"
    shutil.copytree(two_task_build, data_dir)
    warehouse = data_dir / "warehouse.duckdb"
    before = (_digest(warehouse), warehouse.stat().st_ino)

    result = materialize_warehouse(data_dir, sql_dir=_broken_sql_dir(tmp_path, name, sql))
    assert not result.success
    if failed_step:
        [failure] = [e for e in result.all_events if e.is_step_failure]
        assert failure.step_key == failed_step
        assert "no_such_column" in failure.step_failure_data.error.message
    else:
        checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
        assert checks["one_row_per_latest_task"] is False
    assert not result.asset_materializations_for_node("warehouse")
    assert (_digest(warehouse), warehouse.stat().st_ino) == before
    assert query(warehouse, "SELECT count(*) FROM mart_task_durations") == [(2,)]
    assert len(list((data_dir / ".build").glob("*.duckdb"))) == 1  # the failed run's file

    # the next good run (here: just a re-publish) removes the failed run's leftovers
    assert materialize_warehouse(data_dir, selection=["warehouse"]).success
    assert list((data_dir / ".build").iterdir()) == []


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (WarehouseVariables(stall_snapshots=1), "stall_snapshots must be at least 2, got 1"),
        (WarehouseVariables(stall_hours=0), "stall_hours must be positive, got 0"),
        (WarehouseVariables(concurrency_limit=0), "concurrency_limit must be at least 1, got 0"),
    ],
)
def test_invalid_thresholds_are_a_clear_error(variables: WarehouseVariables, message: str):
    with pytest.raises(ValueError, match=message):
        variables.sql_variables()


def test_concurrency_limit_variable_flags_hours_over_the_limit(scenario_dir: Path, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(scenario_dir, data_dir)
    result = materialize_warehouse(
        data_dir,
        variables=WarehouseVariables(concurrency_limit=2),
        selection=["mart_hourly_concurrency", "warehouse"],
    )
    assert result.success
    rows = query(
        data_dir / "warehouse.duckdb",
        "SELECT strftime(hour_start, '%d %H'), peak_running, headroom FROM "
        "mart_hourly_concurrency WHERE over_limit",
    )
    assert rows == [("01 10", 3, -1)]  # T1, T2 and T3 all ran at 10:00
