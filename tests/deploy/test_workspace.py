"""deploy/workspace.yaml with a sources file, loaded the way the webserver and daemon load it.

The code location runs as a real gRPC code server subprocess. The schedule is ticked by the
daemon's own scheduler function (one iteration, no daemon loop): its runs land in the
deployment's run queue, where nothing dequeues them.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator

import dagster as dg
import dagster._daemon  # noqa: F401  (import order: the scheduler module needs it first)
import pytest
from dagster._core.remote_representation.external import RemoteRepository
from dagster._core.scheduler.instigation import TickStatus
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster._scheduler.scheduler import launch_scheduled_runs

from tests.deploy.conftest import DEPLOY_DIR, SOURCE_NAMES

LOCATION = "sms_analytics"
LAKE_KEYS = {
    "lake/raw_pages",
    "lake/tasks",
    "lake/sub_tasks",
    "lake/source_servers",
    "lake/target_servers",
    "lake/special_configs",
    "lake/quarantine",
    "lake/snapshots",
}


@pytest.fixture
def workspace(sources_env, deploy_instance) -> Iterator[WorkspaceProcessContext]:
    target = WorkspaceFileTarget(paths=[str(DEPLOY_DIR / "workspace.yaml")])
    with WorkspaceProcessContext(deploy_instance, target) as context:
        yield context


def repository(context: WorkspaceProcessContext) -> RemoteRepository:
    entry = context.create_request_context().get_code_location_entries()[LOCATION]
    assert entry.load_error is None, entry.load_error
    (repo,) = entry.code_location.get_repositories().values()
    return repo


def test_jobs_schedule_and_sensor_of_a_multi_source_deployment(workspace):
    repo = repository(workspace)
    assert {job.name for job in repo.get_all_jobs()} >= {"sms_ingest_job", "sms_warehouse_job"}
    assert "sms_refresh_job" not in {job.name for job in repo.get_all_jobs()}
    (schedule,) = repo.get_schedules()
    assert schedule.name == "sms_refresh_schedule"
    assert schedule.job_name == "sms_ingest_job"
    assert schedule.cron_schedule == "*/30 * * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert [(s.name, s.job_name) for s in repo.get_sensors()] == [
        ("sms_warehouse_sensor", "sms_warehouse_job")
    ]


def test_every_lake_asset_is_partitioned_by_source_in_file_order(workspace):
    repo = repository(workspace)
    nodes = {node.asset_key.to_user_string(): node for node in repo.get_asset_node_snaps()}
    for key in LAKE_KEYS:
        partitions = nodes[key].partitions.get_partitions_definition()
        assert partitions.get_partition_keys() == SOURCE_NAMES, key
    assert nodes["warehouse"].partitions is None
    assert nodes["lake/raw_pages"].pools == {"sms_api"}


def test_the_cron_comes_from_sms_schedule_cron(sources_env, deploy_instance, monkeypatch):
    monkeypatch.setenv("SMS_SCHEDULE_CRON", "5 * * * *")
    target = WorkspaceFileTarget(paths=[str(DEPLOY_DIR / "workspace.yaml")])
    with WorkspaceProcessContext(deploy_instance, target) as context:
        (schedule,) = repository(context).get_schedules()
    assert schedule.cron_schedule == "5 * * * *"


def test_a_schedule_tick_queues_one_ingest_run_per_source(workspace, deploy_instance):
    logger = logging.getLogger("test-scheduler")
    now = datetime.datetime.now(datetime.UTC)
    iteration_times: dict = {}
    # First iteration records the (default-running) schedule's state; the second is 31 minutes
    # later, so exactly one */30 tick falls between them.
    for end in (now, now + datetime.timedelta(minutes=31)):
        list(launch_scheduled_runs(workspace, logger, end, iteration_times))

    runs = deploy_instance.get_runs()
    assert sorted(run.tags["dagster/partition"] for run in runs) == sorted(SOURCE_NAMES)
    assert {run.job_name for run in runs} == {"sms_ingest_job"}
    assert {run.status for run in runs} == {dg.DagsterRunStatus.QUEUED}
    assert {run.tags["dagster/schedule_name"] for run in runs} == {"sms_refresh_schedule"}
    schedule = repository(workspace).get_schedule("sms_refresh_schedule")
    ticks = deploy_instance.get_ticks(schedule.get_remote_origin_id(), schedule.selector_id)
    (tick,) = [tick for tick in ticks if tick.status == TickStatus.SUCCESS]
    assert len(tick.run_ids) == len(SOURCE_NAMES)
