"""The Dagster graph as `dagster dev` shows it, and how the ingest asset fails."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget

from pipelines.lake.store import list_snapshots
from pipelines.orchestration.ingest_assets import sms_snapshot
from pipelines.orchestration.ingest_checks import INGEST_CHECKS
from pipelines.orchestration.resources import DataStorage
from pipelines.orchestration.schedules import DEFAULT_CRON, refresh_schedule
from pipelines.orchestration.sms_source import SmsSource
from pipelines.simulator import DEMO_TOKEN, SimulatorConfig, SimulatorServer

REPO_ROOT = Path(__file__).resolve().parents[2]
LAKE_TABLES = [
    "raw_pages",
    "tasks",
    "sub_tasks",
    "source_servers",
    "target_servers",
    "special_configs",
    "quarantine",
    "snapshots",
]
MARTS = [
    "mart_daily_burndown",
    "mart_eta_accuracy",
    "mart_eta_bias",
    "mart_failures",
    "mart_hourly_concurrency",
    "mart_outcomes",
    "mart_phase_durations",
    "mart_stalled_tasks",
    "mart_state_transitions",
    "mart_task_durations",
    "mart_task_progress_history",
    "mart_throughput",
    "mart_throughput_summary",
]


def test_workspace_loads_as_the_webserver_does_with_the_whole_asset_graph(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    with (
        dg.instance_for_test() as instance,
        WorkspaceProcessContext(instance, WorkspaceFileTarget(paths=["workspace.yaml"])) as ctx,
    ):
        (entry,) = ctx.create_request_context().get_code_location_entries().values()
        assert entry.load_error is None
        (repo,) = entry.code_location.get_repositories().values()
        nodes = {node.asset_key.to_user_string(): node for node in repo.get_asset_node_snaps()}
        check_names = {check.name for check in repo.get_asset_check_node_snaps()}
        schedules = {schedule.name: schedule for schedule in repo.get_schedules()}
        jobs = {job.name for job in repo.get_all_jobs()}

    lake = {f"lake/{table}" for table in LAKE_TABLES}
    staging = {key for key in nodes if key.startswith("stg_")}
    assert lake <= set(nodes)
    assert set(MARTS) <= set(nodes)
    assert {"warehouse", "exports", "migration_report"} <= set(nodes)
    assert len(nodes) == len(lake) + len(staging) + len(MARTS) + 3
    for key, node in nodes.items():
        assert node.description, f"{key} has no description"
        assert node.group_name in {"lake", "staging", "marts", "warehouse", "delivery"}, key
        assert node.owners == ["team:sms-analytics"], key
        assert any(tag.startswith("dagster/kind/") for tag in node.tags), key
    assert nodes["lake/tasks"].tags.get("dagster/kind/parquet") == ""
    assert {
        parent.parent_asset_key.to_user_string()
        for parent in nodes["stg_tasks_history"].parent_edges
    } >= {"lake/tasks"}
    assert {
        parent.parent_asset_key.to_user_string() for parent in nodes["exports"].parent_edges
    } == {"warehouse"}
    assert {
        "count_reconciles",
        "task_ids_unique",
        "sub_task_progress_in_range",
        "sub_tasks_reference_tasks",
        "source_servers_reference_tasks",
        "target_servers_reference_tasks",
        "special_configs_reference_tasks",
        "quarantine_empty",
    } <= check_names
    assert schedules["sms_refresh_schedule"].cron_schedule == DEFAULT_CRON
    assert schedules["sms_refresh_schedule"].job_name == "sms_refresh_job"
    assert "sms_refresh_job" in jobs


def test_schedule_cron_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("SMS_SCHEDULE_CRON", "0 * * * *")
    assert refresh_schedule().cron_schedule == "0 * * * *"
    monkeypatch.delenv("SMS_SCHEDULE_CRON")
    assert refresh_schedule().cron_schedule == "*/30 * * * *"


def test_wrong_token_fails_once_without_retries_and_without_the_secret(tmp_path):
    with SimulatorServer(SimulatorConfig(tasks=50, seed=3)) as sim:
        result = dg.materialize(
            [sms_snapshot],
            resources={
                "sms": SmsSource(sms_endpoint=sim.base_url, sms_auth_token="wrong-canary-token"),
                "storage": DataStorage(data_dir=str(tmp_path)),
            },
            raise_on_error=False,
        )
        requests_made = len(sim.requests)
    assert not result.success
    failure = next(event for event in result.all_events if event.is_step_failure)
    message = failure.step_failure_data.error.message
    assert "APIGW.0301" in message and "401" in message
    assert "wrong-canary-token" not in message
    assert not any(event.event_type_value == "STEP_UP_FOR_RETRY" for event in result.all_events)
    assert requests_made == 1
    assert list_snapshots(tmp_path / "lake") == []


def test_bad_settings_fail_before_any_request(tmp_path):
    with SimulatorServer(SimulatorConfig(tasks=10, seed=3)) as sim:
        result = dg.materialize(
            [sms_snapshot],
            resources={
                "sms": SmsSource(
                    sms_endpoint=sim.base_url, sms_auth_token=DEMO_TOKEN, sms_page_size="500"
                ),
                "storage": DataStorage(data_dir=str(tmp_path)),
            },
            raise_on_error=False,
        )
        assert sim.requests == []
    failure = next(event for event in result.all_events if event.is_step_failure)
    assert failure.step_failure_data.error.message.strip().endswith(
        "Bad settings: SMS_PAGE_SIZE must be between 1 and 200, got 500"
    )


def test_ingest_materializations_carry_listing_metadata(tmp_path):
    with SimulatorServer(SimulatorConfig(tasks=230, seed=4)) as sim:
        sim.faults.throttle_burst = 2
        sim.faults.retry_after_s = 0
        result = dg.materialize(
            [sms_snapshot, *INGEST_CHECKS],
            resources={
                "sms": SmsSource(
                    sms_endpoint=sim.base_url,
                    sms_auth_token=DEMO_TOKEN,
                    sms_page_size="100",
                    sms_retry_backoff_s="0.01",
                ),
                "storage": DataStorage(data_dir=str(tmp_path)),
            },
        )
    raw = result.asset_materializations_for_node("sms_snapshot")
    by_key = {mat.asset_key.to_user_string(): mat.metadata for mat in raw}
    pages = by_key["lake/raw_pages"]
    assert pages["api_count"].value == 230
    assert pages["distinct_ids"].value == 230
    assert pages["throttled"].value == 2
    assert pages["is_simulated"].value is False
    assert by_key["lake/tasks"]["dagster/row_count"].value == 230
    assert by_key["lake/snapshots"]["dagster/row_count"].value == 1
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {
        "count_reconciles": True,
        "task_ids_unique": True,
        "sub_task_progress_in_range": True,
        "sub_tasks_reference_tasks": True,
        "source_servers_reference_tasks": True,
        "target_servers_reference_tasks": True,
        "special_configs_reference_tasks": True,
        "quarantine_empty": True,
    }
