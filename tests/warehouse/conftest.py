"""Fixtures: hand-made lakes and real warehouse builds through Dagster."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.orchestration.resources import DataStorage
from pipelines.warehouse.assets import build_sql_assets
from pipelines.warehouse.variables import WarehouseVariables

from .lake_builder import LakeBuilder
from .scenario import write_scenario

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"


def materialize_warehouse(
    data_dir: Path,
    sql_dir: Path = SQL_DIR,
    variables: WarehouseVariables | None = None,
    selection: Sequence[str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Run the SQL assets (optionally a subset) against ``data_dir`` like production does."""
    return dg.materialize(
        build_sql_assets(sql_dir),
        selection=list(selection) if selection else None,
        resources={
            "storage": DataStorage(data_dir=str(data_dir)),
            "warehouse_variables": variables or WarehouseVariables(),
        },
        raise_on_error=False,
    )


def query(warehouse: Path, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="session")
def scenario_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dg.ExecuteInProcessResult]:
    """The scenario lake and one Dagster run that built and published it (built once)."""
    data_dir = tmp_path_factory.mktemp("scenario")
    write_scenario(LakeBuilder(data_dir / "lake"))
    result = materialize_warehouse(data_dir)
    assert result.success
    return data_dir, result


@pytest.fixture(scope="session")
def scenario_dir(scenario_run: tuple[Path, dg.ExecuteInProcessResult]) -> Path:
    return scenario_run[0]


@pytest.fixture(scope="session")
def scenario_build(scenario_dir: Path) -> Path:
    return scenario_dir / "warehouse.duckdb"


@pytest.fixture
def sql_on(scenario_build: Path) -> Callable[[str], list[tuple]]:
    def run(sql: str, *params: object) -> list[tuple]:
        return query(scenario_build, sql, params)

    return run
