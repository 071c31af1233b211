"""Dagster assets of the delivery stage: BI exports and the HTML migration report.

Both read the published warehouse read-only, so they can run side by side. On object
storage each builds in a scratch directory published as a new version behind
``<area>/current.json`` (see :meth:`DataStorage.deliver`).
``pipelines/orchestration`` only assembles :data:`DELIVERY_ASSETS`.
"""

# No `from __future__ import annotations`: Dagster reads the config annotation at runtime.

from pathlib import Path

import dagster as dg

from pipelines.delivery.exports import build_exports, manifest_markdown
from pipelines.delivery.report import build_report, headline_markdown
from pipelines.delivery.warehouse_access import WarehouseUnavailableError
from pipelines.orchestration.owners import OWNERS
from pipelines.orchestration.resources import DataStorage
from pipelines.storage.published import NothingPublished

WAREHOUSE_KEY = dg.AssetKey(["warehouse"])
EXPORTS_KEY = dg.AssetKey(["exports"])
REPORT_KEY = dg.AssetKey(["migration_report"])
DELIVERY_GROUP = "delivery"


def _current_warehouse(storage: DataStorage) -> Path:
    """A local file of the published warehouse (downloaded once per version on object storage)."""
    try:
        return storage.current_warehouse()[0]
    except NothingPublished as exc:
        raise WarehouseUnavailableError(str(exc)) from None


class ExportsConfig(dg.Config):
    """Run config of the ``exports`` asset."""

    neutralise_formulas: bool = True
    """Prefix CSV text cells that a spreadsheet would run as formulas (= + - @ tab CR) with '."""


@dg.asset(
    key=EXPORTS_KEY,
    deps=[WAREHOUSE_KEY],
    group_name=DELIVERY_GROUP,
    owners=OWNERS,
    kinds={"csv", "parquet", "excel"},
    description="Every mart_* table as CSV, Parquet and one XLSX workbook, with manifest.json "
    "(rows, sha256, snapshot ids). The exports/ tree is replaced as a whole.",
)
def exports(
    context: dg.AssetExecutionContext, config: ExportsConfig, storage: DataStorage
) -> dg.MaterializeResult:
    warehouse = _current_warehouse(storage)
    result, location = storage.deliver(
        "exports",
        lambda directory: build_exports(
            warehouse, directory, neutralise_formulas=config.neutralise_formulas
        ),
        run_id=context.run.run_id,
    )
    context.log.info(
        f"exported {len(result.manifest['tables'])} marts ({result.total_rows} rows) to {location}"
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.total_rows,
            "path": dg.MetadataValue.path(location),
            "files": len(result.files),
            "marts": len(result.manifest["tables"]),
            "snapshot_id": str(result.manifest["snapshot_id"]),
            "is_simulated": bool(result.manifest["is_simulated"]),
            "preview": dg.MetadataValue.md(manifest_markdown(result)),
        }
    )


@dg.asset(
    key=REPORT_KEY,
    deps=[WAREHOUSE_KEY],
    group_name=DELIVERY_GROUP,
    owners=OWNERS,
    kinds={"html"},
    description="One self-contained HTML report (inline SVG charts, works offline) with "
    "headline figures, phase durations, throughput, burndown, failures, concurrency and "
    "stalled tasks; PNG copies of each chart under report/png/.",
)
def migration_report(
    context: dg.AssetExecutionContext, storage: DataStorage
) -> dg.MaterializeResult:
    warehouse = _current_warehouse(storage)
    result, location = storage.deliver(
        "report", lambda directory: build_report(warehouse, directory), run_id=context.run.run_id
    )
    path = f"{location}/{result.path.name}"
    context.log.info(f"report written to {path} ({len(result.charts_drawn)} charts)")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(path),
            "charts": dg.MetadataValue.json(result.charts_drawn),
            "headline": dg.MetadataValue.md(headline_markdown(result)),
        }
    )


DELIVERY_ASSETS = [exports, migration_report]
