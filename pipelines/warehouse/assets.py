"""Dagster assets from SQL files: one asset per model plus the publishing ``warehouse``.

Dagster orders the models from the dependencies sqlglot finds in each file; each
model executes into the run's build file and ``warehouse`` publishes that file.
"""

from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.orchestration.owners import OWNERS
from pipelines.orchestration.resources import DataStorage
from pipelines.storage.published import NothingPublished
from pipelines.warehouse.build import (
    build_connection,
    build_file_path,
    publish,
    remove_stale_builds,
)
from pipelines.warehouse.checks import MODEL_CHECKS, ModelCheck
from pipelines.warehouse.models import SqlModel, discover_models
from pipelines.warehouse.variables import WarehouseVariables

WAREHOUSE_KEY = dg.AssetKey(["warehouse"])
PREVIEW_ROWS = 5
PREVIEW_CELL_CHARS = 60
_FINISHED = {
    dg.DagsterRunStatus.SUCCESS,
    dg.DagsterRunStatus.FAILURE,
    dg.DagsterRunStatus.CANCELED,
}


def _run_is_active(instance: dg.DagsterInstance, run_id: str) -> bool:
    run = instance.get_run_by_id(run_id)
    return run is not None and run.status not in _FINISHED


def _markdown_preview(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """First rows as a markdown table (shown in the Dagster UI)."""
    cursor = con.execute(f"SELECT * FROM {relation} LIMIT {PREVIEW_ROWS}")
    names = [column[0] for column in cursor.description]
    rows = cursor.fetchall()

    def cell(value: object) -> str:
        text = "" if value is None else str(value).replace("\n", " ")
        if len(text) > PREVIEW_CELL_CHARS:
            text = text[: PREVIEW_CELL_CHARS - 1] + "…"
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def _column_schema(con: duckdb.DuckDBPyConnection, model: SqlModel) -> dg.TableSchema:
    described = con.execute(f"DESCRIBE {model.name}").fetchall()
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=name, type=dtype, description=model.columns.get(name))
            for name, dtype, *_ in described
        ]
    )


def _run_check(
    con: duckdb.DuckDBPyConnection, model: SqlModel, check: ModelCheck
) -> dg.AssetCheckResult:
    violations = int(con.execute(check.violations_sql).fetchone()[0])
    return dg.AssetCheckResult(
        asset_key=model.asset_key,
        check_name=check.name,
        passed=violations == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"violations": violations},
        description=check.description,
    )


def _drop_if_kind(con: duckdb.DuckDBPyConnection, name: str, kind: str) -> None:
    """Drop ``name`` if it exists as ``kind`` (a model may move between view and table)."""
    catalog = (
        "duckdb_views() WHERE NOT internal" if kind == "VIEW" else "duckdb_tables() WHERE true"
    )
    exists = con.execute(
        f"SELECT count(*) FROM {catalog} AND schema_name = 'main' AND {kind.lower()}_name = ?",
        [name],
    ).fetchone()[0]
    if exists:
        con.execute(f"DROP {kind} {name}")


def _model_asset(model: SqlModel) -> dg.AssetsDefinition:
    checks = MODEL_CHECKS.get(model.name, ())
    kind = "VIEW" if model.materialization == "view" else "TABLE"
    other_kind = "TABLE" if kind == "VIEW" else "VIEW"

    @dg.asset(
        key=model.asset_key,
        group_name=model.layer,
        owners=OWNERS,
        kinds={"duckdb", "sql"},
        description=model.description,
        deps=list(model.deps),
        check_specs=[
            dg.AssetCheckSpec(
                check.name, asset=model.asset_key, blocking=True, description=check.description
            )
            for check in checks
        ],
        metadata={"sql_file": f"{model.layer}/{model.path.name}", "grain": model.grain},
    )
    def _sql_model(
        context: dg.AssetExecutionContext,
        storage: DataStorage,
        warehouse_variables: WarehouseVariables,
    ) -> dg.MaterializeResult:
        variables = warehouse_variables.sql_variables()
        remove_stale_builds(
            storage.build_dir, context.run.run_id, lambda rid: _run_is_active(context.instance, rid)
        )
        with build_connection(
            storage.build_dir,
            context.run.run_id,
            storage.warehouse_target,
            storage.lake_root,
            variables,
        ) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                _drop_if_kind(con, model.name, other_kind)
                con.execute(f"CREATE OR REPLACE {kind} {model.name} AS\n{model.sql}")
                row_count = int(con.execute(f"SELECT count(*) FROM {model.name}").fetchone()[0])
                check_results = [_run_check(con, model, check) for check in checks]
                preview = _markdown_preview(con, model.name)
                column_schema = _column_schema(con, model)
                con.execute("COMMIT")
            except duckdb.Error as error:
                con.execute("ROLLBACK")
                raise dg.Failure(
                    description=f"model {model.name} ({model.path.name}) failed: {error}"
                ) from None
        context.log.info(f"{model.name}: {row_count} rows ({kind.lower()})")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": row_count,
                "dagster/column_schema": column_schema,
                "preview": dg.MetadataValue.md(preview),
            },
            check_results=check_results,
        )

    return _sql_model


def _warehouse_asset(model_keys: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=WAREHOUSE_KEY,
        group_name="warehouse",
        owners=OWNERS,
        kinds={"duckdb"},
        deps=list(model_keys),
        description=(
            "The published DuckDB warehouse: this run's build file, checkpointed and swapped "
            "in with one os.replace (on object storage: uploaded, then warehouse/current.json "
            "moved to it). Open readers keep the previous file until they reconnect."
        ),
    )
    def warehouse(context: dg.AssetExecutionContext, storage: DataStorage) -> dg.MaterializeResult:
        if build_file_path(storage.build_dir, context.run.run_id).exists():
            publish(storage.build_dir, context.run.run_id, storage.warehouse_target)
            path, location = storage.current_warehouse()
        else:
            try:
                path, location = storage.current_warehouse()
            except NothingPublished:
                path = location = None
            if path is None or not path.exists():
                raise dg.Failure(
                    description="nothing to publish: no model ran and no warehouse exists"
                )
            context.log.info("no model ran in this run: the published warehouse is unchanged")
        removed = remove_stale_builds(
            storage.build_dir, context.run.run_id, lambda rid: _run_is_active(context.instance, rid)
        )
        with duckdb.connect(str(path), read_only=True) as con:
            relations = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchone()[0]
            snapshots = con.execute("SELECT count(*) FROM lake.snapshots").fetchone()[0]
        context.log.info(f"published {location} ({relations} relations, {snapshots} snapshots)")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(location),
                "relations": int(relations),
                "snapshots": int(snapshots),
                "size_bytes": path.stat().st_size,
                "stale_builds_removed": len(removed),
            }
        )

    return warehouse


def build_sql_assets(sql_dir: Path) -> list[dg.AssetsDefinition]:
    """One asset per ``sql_dir/{staging,marts}/*.sql`` plus ``warehouse`` depending on all."""
    models = discover_models(Path(sql_dir))
    assets = [_model_asset(model) for model in models]
    assets.append(_warehouse_asset([model.asset_key for model in models]))
    return assets
