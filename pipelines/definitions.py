"""Assembles the Dagster definitions; nothing is defined here.

Without ``SMS_SOURCES``: one source, ``sms_refresh_job`` (everything) on a schedule. With
it: the ingest assets and their checks are partitioned by source (``SOURCE_PARTITIONS``),
``sms_ingest_job`` runs per source, ``sms_warehouse_job`` rebuilds once they have landed.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.delivery.assets import DELIVERY_ASSETS
from pipelines.orchestration.executor import executor_from_env
from pipelines.orchestration.ingest_assets import build_sms_snapshot
from pipelines.orchestration.ingest_checks import build_ingest_checks
from pipelines.orchestration.partitions import source_partitions
from pipelines.orchestration.resources import DataStorage
from pipelines.orchestration.schedules import (
    ingest_job,
    refresh_job,
    refresh_schedule,
    source_refresh_schedule,
    warehouse_job,
)
from pipelines.orchestration.sms_source import sms_source_from_env
from pipelines.orchestration.warehouse_sensor import warehouse_sensor
from pipelines.sources import sources_from_env
from pipelines.warehouse.assets import build_sql_assets
from pipelines.warehouse.variables import warehouse_variables_from_env

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def build_definitions() -> dg.Definitions:
    sources = sources_from_env()
    partitions = source_partitions(sources) if sources else None
    if sources:
        orchestration = {
            "jobs": [ingest_job, warehouse_job],
            "schedules": [source_refresh_schedule([source.name for source in sources])],
            "sensors": [warehouse_sensor],
        }
    else:
        orchestration = {"jobs": [refresh_job], "schedules": [refresh_schedule()]}
    return dg.Definitions(
        assets=[build_sms_snapshot(partitions), *build_sql_assets(SQL_DIR), *DELIVERY_ASSETS],
        asset_checks=build_ingest_checks(partitions),
        **orchestration,
        resources={
            "sms": sms_source_from_env(),
            "storage": DataStorage(data_dir=os.environ.get("SMS_DATA_DIR") or "./data"),
            "warehouse_variables": warehouse_variables_from_env(),
        },
        executor=executor_from_env(),
    )


defs = build_definitions()
#: One partition per source of ``$SMS_SOURCES`` (None without a sources file).
SOURCE_PARTITIONS: dg.PartitionsDefinition | None = defs.resolve_assets_def(
    dg.AssetKey(["lake", "raw_pages"])
).partitions_def
