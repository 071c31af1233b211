"""Assembles the Dagster definitions; nothing is defined here."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.delivery.assets import DELIVERY_ASSETS
from pipelines.orchestration.ingest_assets import sms_snapshot
from pipelines.orchestration.ingest_checks import INGEST_CHECKS
from pipelines.orchestration.resources import DataStorage
from pipelines.orchestration.schedules import refresh_job, refresh_schedule
from pipelines.orchestration.sms_source import sms_source_from_env
from pipelines.warehouse.assets import build_sql_assets
from pipelines.warehouse.variables import warehouse_variables_from_env

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def build_definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=[sms_snapshot, *build_sql_assets(SQL_DIR), *DELIVERY_ASSETS],
        asset_checks=INGEST_CHECKS,
        jobs=[refresh_job],
        schedules=[refresh_schedule()],
        resources={
            "sms": sms_source_from_env(),
            "storage": DataStorage(data_dir=os.environ.get("SMS_DATA_DIR") or "./data"),
            "warehouse_variables": warehouse_variables_from_env(),
        },
        executor=dg.in_process_executor,
    )


defs = build_definitions()
