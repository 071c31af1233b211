"""The SQL models' build: every staging and mart asset plus the publish, via Dagster.

The work dir must already hold a lake (``bench.history`` writes one). Timed:
``dg.materialize`` of the assets ``build_sql_assets`` makes — the same code path as a
scheduled refresh, including the asset checks and the atomic publish.
"""

from __future__ import annotations

import time
from pathlib import Path

import dagster as dg
import duckdb

from bench.contender import ContenderRun, RunContext, Written
from pipelines.orchestration.resources import DataStorage
from pipelines.warehouse.assets import build_sql_assets
from pipelines.warehouse.variables import WarehouseVariables

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def run(context: RunContext) -> ContenderRun:
    assets = build_sql_assets(SQL_DIR)
    storage = DataStorage(data_dir=str(context.workdir))
    started = time.perf_counter()
    result = dg.materialize(
        assets,
        resources={"storage": storage, "warehouse_variables": WarehouseVariables()},
        raise_on_error=True,
    )
    seconds = time.perf_counter() - started
    if not result.success:
        raise RuntimeError("the warehouse build failed")
    return ContenderRun(seconds=seconds, details={"models": len(assets) - 1})


def written(context: RunContext) -> Written:
    path = DataStorage(data_dir=str(context.workdir)).warehouse_path
    with duckdb.connect(str(path), read_only=True) as con:
        rows, distinct = con.execute(
            "SELECT count(*), count(DISTINCT id) FROM lake.tasks"
        ).fetchone()
    return Written(rows=int(rows), distinct_ids=int(distinct))
