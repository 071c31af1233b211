"""Jobs and the refresh schedule.

Single source: ``sms_refresh_job`` (the whole graph) every 30 minutes by default.
Many sources (``SMS_SOURCES``): ``sms_ingest_job`` (the lake assets, one run per source
partition) and ``sms_warehouse_job`` (models, warehouse, exports, report); the schedule
requests one ingest run per source, and :mod:`pipelines.orchestration.warehouse_sensor`
rebuilds the warehouse once they have landed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import dagster as dg

from pipelines.orchestration.ingest_assets import LAKE_GROUP

DEFAULT_CRON = "*/30 * * * *"
SCHEDULE_NAME = "sms_refresh_schedule"
INGEST_JOB = "sms_ingest_job"
WAREHOUSE_JOB = "sms_warehouse_job"

refresh_job = dg.define_asset_job(
    "sms_refresh_job",
    selection=dg.AssetSelection.all(),
    description="Ingest a snapshot of every SMS task, rebuild the warehouse, exports and report.",
)

ingest_job = dg.define_asset_job(
    INGEST_JOB,
    selection=dg.AssetSelection.groups(LAKE_GROUP),
    description="Ingest one source (partition): list every task and publish one lake snapshot.",
)

warehouse_job = dg.define_asset_job(
    WAREHOUSE_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(LAKE_GROUP),
    description="Rebuild the warehouse from every source's snapshots, then exports and report.",
)


def _cron(cron: str | None) -> str:
    return cron or os.environ.get("SMS_SCHEDULE_CRON") or DEFAULT_CRON


def refresh_schedule(cron: str | None = None) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name=SCHEDULE_NAME,
        job=refresh_job,
        cron_schedule=_cron(cron),
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Refreshes everything; cron from SMS_SCHEDULE_CRON (default every 30 min).",
    )


def source_refresh_schedule(
    sources: Sequence[str], cron: str | None = None
) -> dg.ScheduleDefinition:
    """One ingest run per source at every tick; each runs, fails and retries on its own."""

    @dg.schedule(
        name=SCHEDULE_NAME,
        job=ingest_job,
        cron_schedule=_cron(cron),
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="One sms_ingest_job run per source (partition); cron from "
        "SMS_SCHEDULE_CRON (default every 30 min). sms_warehouse_sensor rebuilds afterwards.",
    )
    def _per_source(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
        return [dg.RunRequest(run_key=name, partition_key=name) for name in sources]

    return _per_source
