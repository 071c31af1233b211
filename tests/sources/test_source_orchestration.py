"""With SMS_SOURCES: partitions, jobs, the per-source schedule and the warehouse sensor."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.definitions import build_definitions
from pipelines.orchestration.ingest_assets import RAW_PAGES
from pipelines.orchestration.warehouse_sensor import warehouse_sensor
from tests.sources.conftest import write_sources

NAMES = ["zeta", "acme-prod", "beta.eu"]  # deliberately not sorted: file order wins


@pytest.fixture
def sources_defs(no_sms_env, tmp_path, monkeypatch) -> dg.Definitions:
    path = write_sources(
        tmp_path / "sources.yaml",
        [
            "name: zeta\nsimulator: {tasks: 10}",
            "name: acme-prod\nregion: ap-southeast-3\ntoken_env: ACME_TOKEN",
            "name: beta.eu\nsimulator: {seed: 3}",
        ],
    )
    monkeypatch.setenv("SMS_SOURCES", str(path))
    monkeypatch.setenv("SMS_SCHEDULE_CRON", "15 * * * *")
    return build_definitions()


def test_partitions_are_the_source_names_in_file_order(sources_defs):
    ingest = sources_defs.resolve_assets_def(RAW_PAGES)
    assert ingest.partitions_def.get_partition_keys() == NAMES
    assert ingest.op.pool == "sms_api"
    job = sources_defs.resolve_job_def("sms_ingest_job")
    assert job.partitions_def.get_partition_keys() == NAMES
    checks = {
        key.name for key in job.asset_layer.asset_graph.asset_check_keys
    }  # every ingest check runs with its partition
    assert "count_reconciles" in checks and "quarantine_empty" in checks


def test_jobs_split_ingest_from_the_unpartitioned_warehouse(sources_defs):
    jobs = {job.name for job in sources_defs.resolve_all_job_defs()} - {"__ASSET_JOB"}
    assert jobs == {"sms_ingest_job", "sms_warehouse_job"}
    warehouse = sources_defs.resolve_job_def("sms_warehouse_job")
    assert warehouse.partitions_def is None
    keys = {key.to_user_string() for key in warehouse.asset_layer.executable_asset_keys}
    assert {"warehouse", "exports", "migration_report", "stg_tasks", "mart_outcomes"} <= keys
    assert not any(key.startswith("lake/") for key in keys)


def test_schedule_requests_exactly_one_ingest_run_per_source(sources_defs):
    schedule = sources_defs.resolve_schedule_def("sms_refresh_schedule")
    assert (schedule.job_name, schedule.cron_schedule) == ("sms_ingest_job", "15 * * * *")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    repository = sources_defs.get_repository_def()
    with dg.build_schedule_context(repository_def=repository) as context:
        requests = schedule.evaluate_tick(context).run_requests
    assert [(r.partition_key, r.run_key) for r in requests] == [(n, n) for n in NAMES]


def test_without_a_sources_file_nothing_is_partitioned(no_sms_env):
    defs = build_definitions()
    assert defs.resolve_assets_def(RAW_PAGES).partitions_def is None
    assert defs.resolve_schedule_def("sms_refresh_schedule").job_name == "sms_refresh_job"
    assert {job.name for job in defs.resolve_all_job_defs()} - {"__ASSET_JOB"} == {
        "sms_refresh_job"
    }


def _commit(instance: dg.DagsterInstance, source: str) -> int:
    """Record a lake/snapshots materialization of ``source``; its storage id."""
    instance.report_runless_asset_event(
        dg.AssetMaterialization(asset_key=["lake", "snapshots"], partition=source)
    )
    return (
        instance.fetch_materializations(dg.AssetKey(["lake", "snapshots"]), limit=1)
        .records[0]
        .storage_id
    )


def _evaluate(instance: dg.DagsterInstance, cursor: str | None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    return warehouse_sensor(context), context.cursor


def test_warehouse_sensor_builds_once_after_the_ingest_runs_finish():
    with dg.instance_for_test() as instance:
        result, cursor = _evaluate(instance, None)
        assert result.skip_message == "no source has committed a snapshot yet"

        _commit(instance, "zeta")
        latest = _commit(instance, "acme-prod")
        in_flight = instance.add_run(
            dg.DagsterRun(
                job_name="sms_ingest_job",
                run_id="0b7c6f1e-0000-4000-8000-000000000001",
                status=dg.DagsterRunStatus.STARTED,
                tags={"dagster/partition": "beta.eu"},
            )
        )
        result, cursor = _evaluate(instance, None)
        assert result.skip_message == "waiting for 1 ingest run(s) to finish"
        assert cursor is None

        instance.report_run_canceled(in_flight)  # the last ingest run ends
        result, cursor = _evaluate(instance, None)
        assert isinstance(result, dg.RunRequest)
        assert (result.run_key, cursor) == (f"snapshots-{latest}", str(latest))

        result, cursor = _evaluate(instance, cursor)
        assert result.skip_message == "no new snapshot since the last warehouse build was requested"
