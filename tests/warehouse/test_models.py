"""SQL discovery: headers, and dependencies parsed from the SQL itself."""

from pathlib import Path

import dagster as dg
import pytest

from pipelines.warehouse.models import (
    ModelError,
    discover_models,
    parse_header,
    referenced_relations,
)

from .conftest import SQL_DIR


def deps_of(name: str) -> set[str]:
    models = {model.name: model for model in discover_models(SQL_DIR)}
    return {key.to_user_string() for key in models[name].deps}


def test_staging_reads_lake_relations_as_lake_asset_keys():
    assert deps_of("stg_tasks_history") == {"lake/tasks"}
    assert deps_of("stg_snapshots") == {"lake/snapshots"}
    assert deps_of("stg_source_servers") == {"lake/source_servers", "stg_snapshots"}


def test_marts_depend_on_exactly_the_models_their_sql_reads():
    assert deps_of("mart_task_durations") == {
        "stg_sub_tasks",
        "stg_tasks",
        "stg_tasks_history",
    }
    assert deps_of("mart_failures") == {"mart_task_durations", "stg_sub_tasks", "stg_tasks"}
    assert deps_of("mart_throughput_summary") == {"mart_throughput"}
    assert deps_of("mart_eta_bias") == {"mart_eta_accuracy"}


def test_cte_names_are_not_dependencies():
    sql = "WITH stg_tasks AS (SELECT 1 AS x) SELECT * FROM stg_tasks JOIN lake.tasks USING (x)"
    assert referenced_relations(sql) == {("lake", "tasks")}


def test_every_model_has_a_layer_grain_and_documented_columns():
    models = discover_models(SQL_DIR)
    assert {m.layer for m in models} == {"staging", "marts"}
    assert all(m.name.startswith("stg_") for m in models if m.layer == "staging")
    assert all(m.name.startswith("mart_") for m in models if m.layer == "marts")
    assert all(m.grain and m.purpose and m.columns for m in models)


def test_header_continuation_lines_join_the_entry_above():
    header = parse_header(
        "-- Grain: one row per task.\n"
        "-- Purpose: first line\n"
        "--     second line.\n"
        "-- Columns:\n"
        "--   task_id: The task\n"
        "--     (a UUID).\n"
        "SELECT 1 AS task_id"
    )
    assert header.grain == "one row per task."
    assert header.purpose == "first line second line."
    assert header.columns == {"task_id": "The task (a UUID)."}


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT 1", "missing grain, purpose"),
        ("-- Grain: g\n-- Purpose: p\nSELECT 1", "documents no columns"),
        ("-- just words\nSELECT 1", "expected 'Key: value'"),
    ],
)
def test_a_bad_header_is_a_clear_error(sql: str, message: str):
    with pytest.raises(ModelError, match=message):
        parse_header(sql)


def _write_model(root: Path, layer: str, name: str, body: str) -> None:
    (root / layer).mkdir(parents=True, exist_ok=True)
    header = "-- Grain: g\n-- Purpose: p\n-- Columns:\n--   x: x\n"
    (root / layer / f"{name}.sql").write_text(header + body)


def test_reading_an_unknown_model_is_a_clear_error(tmp_path: Path):
    _write_model(tmp_path, "marts", "mart_x", "SELECT x FROM stg_missing")
    with pytest.raises(ModelError, match="reads 'stg_missing', which is not a model"):
        discover_models(tmp_path)


def test_unparsable_sql_is_a_clear_error(tmp_path: Path):
    _write_model(tmp_path, "marts", "mart_x", "SELECT FROM WHERE (")
    with pytest.raises(ModelError, match="does not parse"):
        discover_models(tmp_path)


def test_asset_keys_and_groups_follow_the_files():
    from pipelines.warehouse.assets import build_sql_assets

    assets = build_sql_assets(SQL_DIR)
    by_key = {key: asset for asset in assets for key in asset.keys}
    assert dg.AssetKey(["warehouse"]) in by_key
    durations = by_key[dg.AssetKey(["mart_task_durations"])]
    assert durations.group_names_by_key[dg.AssetKey(["mart_task_durations"])] == "marts"
    warehouse_deps = {
        dep.asset_key
        for dep in by_key[dg.AssetKey(["warehouse"])].specs_by_key[dg.AssetKey(["warehouse"])].deps
    }
    assert warehouse_deps == {dg.AssetKey([m.name]) for m in discover_models(SQL_DIR)}


def test_a_model_reading_itself_is_a_clear_error(tmp_path: Path):
    _write_model(tmp_path, "marts", "mart_x", "SELECT x FROM mart_x")
    with pytest.raises(ModelError, match="cannot read itself"):
        discover_models(tmp_path)


def test_a_model_file_name_that_is_not_an_identifier_is_rejected(tmp_path: Path):
    _write_model(tmp_path, "marts", "mart_x; DROP TABLE y", "SELECT 1 AS x")
    with pytest.raises(ModelError, match="model file names must match"):
        discover_models(tmp_path)
