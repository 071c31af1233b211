"""Dagster assets of the delivery stage: BI exports and the HTML migration report.

Both read the published warehouse read-only, so they can run side by side.
``pipelines/orchestration`` only assembles :data:`DELIVERY_ASSETS`.
"""

# No `from __future__ import annotations`: Dagster reads the config annotation at runtime.

import dagster as dg

from pipelines.delivery.exports import build_exports, manifest_markdown
from pipelines.delivery.report import build_report, headline_markdown
from pipelines.orchestration.owners import OWNERS
from pipelines.orchestration.resources import DataStorage

WAREHOUSE_KEY = dg.AssetKey(["warehouse"])
EXPORTS_KEY = dg.AssetKey(["exports"])
REPORT_KEY = dg.AssetKey(["migration_report"])
DELIVERY_GROUP = "delivery"


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
    result = build_exports(
        storage.warehouse_path,
        storage.exports_dir,
        neutralise_formulas=config.neutralise_formulas,
    )
    context.log.info(
        f"exported {len(result.manifest['tables'])} marts "
        f"({result.total_rows} rows) to {result.exports_dir}"
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.total_rows,
            "path": dg.MetadataValue.path(str(result.exports_dir)),
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
    result = build_report(storage.warehouse_path, storage.report_dir)
    context.log.info(f"report written to {result.path} ({len(result.charts_drawn)} charts)")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "charts": dg.MetadataValue.json(result.charts_drawn),
            "headline": dg.MetadataValue.md(headline_markdown(result)),
        }
    )


DELIVERY_ASSETS = [exports, migration_report]
