"""The refresh job and its schedule: the whole graph, every 30 minutes by default."""

from __future__ import annotations

import os

import dagster as dg

DEFAULT_CRON = "*/30 * * * *"

refresh_job = dg.define_asset_job(
    "sms_refresh_job",
    selection=dg.AssetSelection.all(),
    description="Ingest a snapshot of every SMS task, rebuild the warehouse, exports and report.",
)


def refresh_schedule(cron: str | None = None) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="sms_refresh_schedule",
        job=refresh_job,
        cron_schedule=cron or os.environ.get("SMS_SCHEDULE_CRON") or DEFAULT_CRON,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Refreshes everything; cron from SMS_SCHEDULE_CRON (default every 30 min).",
    )
