"""The `lake` schema: only committed snapshots, pinned at build, empty lakes still build."""

from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.parquet as pq

from pipelines.warehouse.build import create_lake_schema

from .conftest import materialize_warehouse, query
from .lake_builder import LakeBuilder
from .scenario import t1


def test_only_committed_snapshots_are_visible_and_the_latest_is_s4(sql_on):
    rows = sql_on(
        "SELECT strftime(snapshot_at, '%d %H:%M'), snapshot_rank, is_latest "
        "FROM stg_snapshots ORDER BY snapshot_at"
    )
    assert rows == [
        ("01 10:00", 4, False),
        ("01 12:00", 3, False),
        ("01 14:00", 2, False),
        ("02 09:00", 1, True),
    ]
    # S5 (uncommitted) wrote tasks and sub-tasks files; none of its rows leak through
    assert sql_on("SELECT count(DISTINCT snapshot_id) FROM stg_tasks_history") == [(4,)]
    assert sql_on("SELECT count(*) FROM lake.sub_tasks WHERE snapshot_at > '2024-03-02 09:00'") == [
        (0,)
    ]
    assert sql_on("SELECT count(*), count(DISTINCT task_id) FROM stg_tasks") == [(8, 8)]


def test_staging_renames_and_converts_units(sql_on):
    rows = sql_on(
        "SELECT task_id, task_name, total_time_s, error_json, speed_limit_mbps "
        "FROM stg_tasks WHERE task_id IN ('T1', 'T7') ORDER BY task_id"
    )
    # T1 total_time 9 000 000 ms -> 9000 s; empty error_json -> null; T7 has no total_time
    assert rows == [("T1", "task T1", 9000.0, None, 0), ("T7", "task T7", None, None, 0)]


def _row_counts(warehouse: Path) -> dict[str, int]:
    names = [
        row[0]
        for row in query(
            warehouse, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
        )
    ]
    return {name: query(warehouse, f"SELECT count(*) FROM {name}")[0][0] for name in names}


def test_a_lake_without_committed_snapshots_builds_every_model_empty(tmp_path: Path):
    # tasks/sub-tasks files exist but no commit-log row; the other tables have no files at all
    LakeBuilder(tmp_path / "lake").snapshot("2024-03-01 10:00", [t1("S1")], commit=False)
    assert materialize_warehouse(tmp_path).success
    warehouse = tmp_path / "warehouse.duckdb"
    counts = _row_counts(warehouse)
    assert len(counts) == 13
    # Every mart is per source, even the grouping-set ones: no source, no rows.
    assert {name: n for name, n in counts.items() if n} == {}
    assert query(warehouse, "SELECT count(*) FROM stg_tasks_history") == [(0,)]


def test_each_model_reports_row_count_preview_and_passing_checks(scenario_run):
    _, result = scenario_run
    [materialization] = result.asset_materializations_for_node("mart_task_durations")
    metadata = materialization.metadata
    assert metadata["dagster/row_count"].value == 8
    assert metadata["preview"].value.splitlines()[0].startswith("| source | task_id |")
    assert len(metadata["preview"].value.splitlines()) == 2 + 5
    evaluations = {
        (e.asset_key.to_user_string(), e.check_name): e.passed
        for e in result.get_asset_check_evaluations()
    }
    assert evaluations == {
        ("stg_tasks_history", "one_row_per_task_and_snapshot"): True,
        ("mart_task_durations", "one_row_per_latest_task"): True,
        ("mart_task_durations", "no_negative_durations"): True,
        ("mart_phase_durations", "percentiles_ordered"): True,
        ("mart_hourly_concurrency", "concurrency_non_negative"): True,
    }
    [published] = result.asset_materializations_for_node("warehouse")
    assert published.asset_key == dg.AssetKey(["warehouse"])
    assert published.metadata["snapshots"].value == 4


def _lake_view(lake: Path, sql: str) -> tuple[str, list[tuple]]:
    """The ``lake.tasks`` view's definition and ``sql``'s rows on a fresh connection."""
    with duckdb.connect() as con:
        create_lake_schema(con, lake)
        [definition] = con.execute(
            "SELECT sql FROM duckdb_views() WHERE schema_name = 'lake' AND view_name = 'tasks'"
        ).fetchone()
        return definition, con.execute(sql).fetchall()


def test_files_from_before_a_column_was_added_read_it_as_null(tmp_path: Path):
    lake = tmp_path / "lake"
    builder = LakeBuilder(lake)
    builder.snapshot("2024-03-01 10:00", [t1("S1")])
    # The first snapshot's tasks file as older code wrote it, one column short.
    [old_file] = (lake / "tasks").rglob("*.parquet")
    old = pq.read_table(old_file)
    pq.write_table(old.drop_columns(["network_check_info_migration_speed"]), old_file)
    builder.snapshot("2024-03-02 10:00", [t1("S2")])
    definition, rows = _lake_view(
        lake,
        "SELECT strftime(snapshot_at, '%d'), network_check_info_migration_speed "
        "FROM lake.tasks ORDER BY snapshot_at",
    )
    assert rows == [("01", None), ("02", 100.0)]
    assert "union_by_name = true" in definition


def test_files_of_one_schema_are_read_without_union_by_name(tmp_path: Path):
    # union_by_name reads every file's footer at each bind: at a year of snapshots, minutes
    lake = tmp_path / "lake"
    builder = LakeBuilder(lake)
    builder.snapshot("2024-03-01 10:00", [t1("S1")])
    builder.snapshot("2024-03-02 10:00", [t1("S2")])
    definition, rows = _lake_view(
        lake, "SELECT count(*), count(network_check_info_migration_speed) FROM lake.tasks"
    )
    assert rows == [(2, 1)]
    assert "union_by_name = false" in definition
