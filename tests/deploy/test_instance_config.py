"""deploy/dagster.yaml loaded into a real DagsterInstance says what docs/deployment.md says."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._config import validate_config
from dagster._core.instance.config import PoolGranularity, dagster_instance_config_schema
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.scheduler import DagsterDaemonScheduler
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.schedules import SqliteScheduleStorage

from tests.deploy.conftest import REPO_ROOT

DOCS = REPO_ROOT / "docs" / "deployment.md"
ONE_WAREHOUSE_BUILD = {"key": "dagster/sensor_name", "value": "sms_warehouse_sensor", "limit": 1}
PER_SOURCE_LIMIT = {
    "key": "dagster/partition",
    "value": {"applyLimitPerUniqueValue": True},
    "limit": 1,
}


def documented_settings() -> dict[str, str]:
    """The "at a glance" table of docs/deployment.md: setting -> value column."""
    rows = re.findall(r"^\| `([a-z_.]+)` \| (.+?) \| .*\|$", DOCS.read_text(), re.MULTILINE)
    return dict(rows)


def test_the_run_queue_limits_runs_per_host_and_one_run_per_source(deploy_instance):
    assert isinstance(deploy_instance.run_coordinator, QueuedRunCoordinator)
    queue = deploy_instance.get_concurrency_config().run_queue_config
    assert queue.max_concurrent_runs == 6
    assert queue.tag_concurrency_limits == [PER_SOURCE_LIMIT, ONE_WAREHOUSE_BUILD]
    assert deploy_instance.run_coordinator.dequeue_interval_seconds == 2


def test_the_sms_api_pool_caps_concurrent_ingests_at_run_granularity(deploy_instance):
    pools = deploy_instance.get_concurrency_config().pool_config
    assert pools.default_pool_limit == 4
    assert pools.pool_granularity is PoolGranularity.RUN
    assert deploy_instance.event_log_storage.supports_global_concurrency_limits


def test_an_unconfigured_sms_api_pool_gets_the_default_limit_of_4(deploy_instance):
    storage = deploy_instance.event_log_storage
    storage.initialize_concurrency_limit_to_default("sms_api")
    info = deploy_instance.event_log_storage.get_concurrency_info("sms_api")
    assert info.slot_count == 4


def test_storage_is_sqlite_under_dagster_home(deploy_instance, dagster_home: Path):
    assert isinstance(deploy_instance.run_storage, SqliteRunStorage)
    assert isinstance(deploy_instance.schedule_storage, SqliteScheduleStorage)
    assert (dagster_home / "history" / "runs.db").is_file()
    assert (dagster_home / "schedules" / "schedules.db").is_file()


def test_daemon_runs_schedules_monitoring_retries_and_automation(deploy_instance):
    assert isinstance(deploy_instance.scheduler, DagsterDaemonScheduler)
    assert deploy_instance.run_monitoring_enabled
    assert deploy_instance.run_monitoring_start_timeout_seconds == 180
    assert deploy_instance.run_monitoring_max_runtime_seconds == 10800
    assert deploy_instance.run_retries_enabled
    assert deploy_instance.run_retries_max_retries == 1
    assert deploy_instance.run_retries_retry_on_asset_or_op_failure is False
    assert deploy_instance.auto_materialize_enabled
    assert set(deploy_instance.get_required_daemon_types()) == {
        "SENSOR",
        "BACKFILL",
        "SCHEDULER",
        "QUEUED_RUN_COORDINATOR",
        "MONITORING",
        "EVENT_LOG_CONSUMER",
        "ASSET",
        "FRESHNESS_DAEMON",  # Dagster's default
    }


@pytest.mark.parametrize(
    ("setting", "documented"),
    [
        ("concurrency.runs.max_concurrent_runs", "`6`"),
        (
            "concurrency.runs.tag_concurrency_limits",
            "`dagster/partition`, `applyLimitPerUniqueValue: true`, `limit: 1`; "
            "`dagster/sensor_name: sms_warehouse_sensor`, `limit: 1`",
        ),
        ("concurrency.pools.default_limit", "`4`"),
        ("concurrency.pools.granularity", "`run`"),
        ("run_coordinator", "`QueuedRunCoordinator`"),
        ("run_coordinator.config.dequeue_interval_seconds", "`2`"),
        ("run_monitoring.start_timeout_seconds", "`180`"),
        ("run_monitoring.max_runtime_seconds", "`10800`"),
        ("run_retries.max_retries", "`1`, `retry_on_asset_or_op_failure: false`"),
        ("scheduler", "`DagsterDaemonScheduler`"),
    ],
)
def test_the_docs_table_shows_the_values_the_instance_has(setting: str, documented: str):
    # The instance-side values are asserted by the tests above; this pins the docs to them.
    assert documented_settings()[setting] == documented


def test_the_postgres_block_in_the_docs_is_valid_instance_config():
    """Schema-checked as Dagster checks dagster.yaml (no PostgreSQL server needed)."""
    block = re.search(r"```yaml\n(storage:\n  postgres:.*?)```", DOCS.read_text(), re.DOTALL)
    assert block is not None
    result = validate_config(dagster_instance_config_schema(), yaml.safe_load(block.group(1)))
    assert result.success, result.errors


def test_deploy_yaml_is_what_dagster_reads_from_dagster_home(dagster_home: Path):
    # DagsterInstance.get() is what the webserver, daemon and run processes call.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(dagster_home))
        instance = dg.DagsterInstance.get()
        try:
            assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 6
        finally:
            instance.dispose()
