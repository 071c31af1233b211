"""The report reads only mart columns that sql/marts/*.sql declare, and the hand-made
test warehouse uses the same names, so a renamed column fails here first."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.delivery.report_queries import COLUMNS_READ
from pipelines.warehouse.models import discover_models

from .conftest import create_empty_marts

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"


def declared_mart_columns() -> dict[str, set[str]]:
    return {
        model.name: set(model.columns)
        for model in discover_models(SQL_DIR)
        if model.name.startswith("mart_")
    }


def test_report_reads_only_declared_mart_columns():
    declared = declared_mart_columns()

    missing = {
        mart: sorted(set(columns) - declared.get(mart, set()))
        for mart, columns in COLUMNS_READ.items()
        if set(columns) - declared.get(mart, set())
    }
    assert missing == {}


def test_test_warehouse_uses_declared_mart_columns(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    create_empty_marts(warehouse)
    declared = declared_mart_columns()

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_name LIKE 'mart%'"
        ).fetchall()
    undeclared = sorted((t, c) for t, c in rows if c not in declared.get(t, set()))
    assert undeclared == []
