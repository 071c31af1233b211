"""docs/data-dictionary.md is generated, current, and covers every column."""

from pathlib import Path

import duckdb

from pipelines.lake.schema import TABLES
from pipelines.warehouse.dictionary import DEFAULT_OUTPUT, main
from pipelines.warehouse.models import discover_models

from .conftest import SQL_DIR


def test_committed_dictionary_is_current(tmp_path: Path):
    output = tmp_path / "data-dictionary.md"
    assert main(["--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == DEFAULT_OUTPUT.read_text(encoding="utf-8"), (
        "docs/data-dictionary.md is stale: run `python -m pipelines.warehouse.dictionary`"
    )


def test_every_lake_column_is_in_the_dictionary():
    text = DEFAULT_OUTPUT.read_text(encoding="utf-8")
    for table, schema in TABLES.items():
        section = text.split(f"### `lake.{table}`", 1)[1].split("###", 1)[0]
        assert all(f"| `{field.name}` |" in section for field in schema), table


def test_every_built_column_of_every_model_is_documented_in_its_header(scenario_build: Path):
    with duckdb.connect(str(scenario_build), read_only=True) as con:
        for model in discover_models(SQL_DIR):
            built = [row[0] for row in con.execute(f"DESCRIBE {model.name}").fetchall()]
            assert built == list(model.columns), model.name


def test_an_undocumented_column_stops_generation(tmp_path: Path, capsys):
    sql_dir = tmp_path / "sql"
    (sql_dir / "marts").mkdir(parents=True)
    (sql_dir / "marts" / "mart_x.sql").write_text(
        "-- Grain: g\n-- Purpose: p\n-- Columns:\n--   a: documented\nSELECT 1 AS a, 2 AS b"
    )
    assert main(["--sql-dir", str(sql_dir), "--output", str(tmp_path / "out.md")]) == 1
    assert "undocumented columns ['b']" in capsys.readouterr().err
    assert not (tmp_path / "out.md").exists()
