"""Rebuild the warehouse once the sources' ingest runs have landed (many-sources mode).

The schedule fans out one ingest run per source; rebuilding after each would rebuild N
times. This sensor waits until no ingest run is queued or running, then requests one
``sms_warehouse_job`` run if any source committed a snapshot since the last request. A
source that fails never blocks the others' data from reaching the warehouse.
"""

from __future__ import annotations

import dagster as dg

from pipelines.orchestration.ingest_assets import lake_key
from pipelines.orchestration.schedules import INGEST_JOB, WAREHOUSE_JOB

SENSOR_NAME = "sms_warehouse_sensor"
COMMIT_KEY = lake_key("snapshots")
ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def _ingests_in_flight(instance: dg.DagsterInstance) -> int:
    """Runs that may still commit a snapshot: the ingest job, or any run selecting the lake."""
    runs = instance.get_runs(dg.RunsFilter(statuses=ACTIVE))
    return sum(
        1 for run in runs if run.job_name == INGEST_JOB or COMMIT_KEY in (run.asset_selection or ())
    )


@dg.sensor(
    name=SENSOR_NAME,
    job_name=WAREHOUSE_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests one sms_warehouse_job run after new snapshots landed and no "
    "ingest run is queued or running.",
)
def warehouse_sensor(context: dg.SensorEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    records = context.instance.fetch_materializations(COMMIT_KEY, limit=1).records
    if not records:
        return dg.SkipReason("no source has committed a snapshot yet")
    latest = records[0].storage_id
    if context.cursor and latest <= int(context.cursor):
        return dg.SkipReason("no new snapshot since the last warehouse build was requested")
    in_flight = _ingests_in_flight(context.instance)
    if in_flight:
        return dg.SkipReason(f"waiting for {in_flight} ingest run(s) to finish")
    context.update_cursor(str(latest))
    return dg.RunRequest(run_key=f"snapshots-{latest}")
