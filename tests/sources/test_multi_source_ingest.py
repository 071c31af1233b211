"""Several sources into one data dir, one partition run each: exact ids per source, checks
per partition, a failing source fails only its partition, and no credential leaks."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pyarrow.compute as pc

from pipelines.lake.readers import list_snapshots, read_table
from pipelines.orchestration.ingest_assets import build_sms_snapshot
from pipelines.orchestration.ingest_checks import build_ingest_checks
from pipelines.orchestration.partitions import source_partitions
from pipelines.orchestration.resources import DataStorage
from pipelines.orchestration.sms_source import SmsSource
from pipelines.simulator import SimulatorConfig, SimulatorServer
from pipelines.sources import load_sources
from tests.reliability.secret_scan import find_in_texts, find_secrets
from tests.sources.conftest import write_sources

SIMULATED = {"sim-a": (120, 3), "sim-b": (75, 8)}
CANARY_TOKEN = "canary-source-token-7d1e3f5a9b"
WRONG_TOKEN = "canary-wrong-source-token-2c4e6a8f"
CHECKS = {
    "count_reconciles",
    "task_ids_unique",
    "sub_task_progress_in_range",
    "sub_tasks_reference_tasks",
    "source_servers_reference_tasks",
    "target_servers_reference_tasks",
    "special_configs_reference_tasks",
    "quarantine_empty",
}


def simulator_ids(tasks: int, seed: int) -> set[str]:
    with SimulatorServer(SimulatorConfig(tasks=tasks, seed=seed)) as sim:
        return set(sim.store.ids())


def lake_ids_by_source(lake_root: Path) -> dict[str, set[str]]:
    source_of = {row.snapshot_id: row.source for row in list_snapshots(lake_root)}
    tasks = read_table(lake_root, "tasks")
    by_source: dict[str, set[str]] = {}
    for snapshot_id, source in source_of.items():
        mask = pc.equal(tasks.column("snapshot_id"), snapshot_id)
        by_source[source] = set(tasks.filter(mask).column("id").to_pylist())
    return by_source


def test_each_source_lands_in_its_partition_and_a_bad_one_fails_alone(
    no_sms_env, tmp_path, monkeypatch, capfd
):
    monkeypatch.setenv("ACME_TOKEN", CANARY_TOKEN)
    monkeypatch.setenv("BROKEN_TOKEN", WRONG_TOKEN)
    account = SimulatorConfig(tasks=60, seed=5, token=CANARY_TOKEN)
    (tmp_path / "dh").mkdir()  # Dagster's run and event storage, on disk: scanned below
    with (
        SimulatorServer(account) as sim,
        dg.instance_for_test(temp_dir=str(tmp_path / "dh")) as instance,
    ):
        path = write_sources(
            tmp_path / "sources.yaml",
            [
                *(
                    f"name: {name}\nsimulator: {{tasks: {n}, seed: {seed}}}"
                    for name, (n, seed) in SIMULATED.items()
                ),
                f"name: acme\nendpoint: {sim.base_url}\ntoken_env: ACME_TOKEN\npage_size: 25",
                f"name: broken\nendpoint: {sim.base_url}\ntoken_env: BROKEN_TOKEN",
            ],
        )
        partitions = source_partitions(load_sources(path))
        assets = [build_sms_snapshot(partitions), *build_ingest_checks(partitions)]
        resources = {
            "sms": SmsSource(sms_sources=str(path)),
            "storage": DataStorage(data_dir=str(tmp_path / "data")),
        }
        results = {
            name: dg.materialize(
                assets,
                partition_key=name,
                resources=resources,
                instance=instance,
                raise_on_error=False,
            )
            for name in ["sim-a", "sim-b", "acme", "broken"]
        }
        account_ids = set(sim.store.ids())
    captured = capfd.readouterr()
    lake = tmp_path / "data" / "lake"

    assert {name: result.success for name, result in results.items()} == {
        "sim-a": True,
        "sim-b": True,
        "acme": True,
        "broken": False,
    }
    assert lake_ids_by_source(lake) == {
        "sim-a": simulator_ids(*SIMULATED["sim-a"]),
        "sim-b": simulator_ids(*SIMULATED["sim-b"]),
        "acme": account_ids,
    }
    assert sorted(row.source for row in list_snapshots(lake)) == ["acme", "sim-a", "sim-b"]
    for name, expected_count in (("sim-a", 120), ("sim-b", 75), ("acme", 60)):
        evaluations = results[name].get_asset_check_evaluations()
        assert {e.check_name: e.passed for e in evaluations} == dict.fromkeys(CHECKS, True)
        assert {e.partition for e in evaluations} == {name}
        reconciled = next(e for e in evaluations if e.check_name == "count_reconciles")
        assert reconciled.metadata["api_count"].value == expected_count
        raw = next(
            m
            for m in results[name].asset_materializations_for_node("sms_snapshot")
            if m.asset_key == dg.AssetKey(["lake", "raw_pages"])
        )
        assert (raw.partition, raw.metadata["source"].value) == (name, name)
        assert raw.metadata["peak_rss_mb"].value > 0
    failure = next(e for e in results["broken"].all_events if e.is_step_failure)
    message = failure.step_failure_data.error.message
    assert "HTTP 401" in message and "APIGW.0301" in message
    assert results["broken"].get_asset_check_evaluations() == []

    metadata = [
        repr(m.metadata)
        for result in results.values()
        for m in result.asset_materializations_for_node("sms_snapshot")
    ]
    canaries = (CANARY_TOKEN, WRONG_TOKEN)
    assert find_in_texts([captured.out, captured.err, message, *metadata], canaries) == []
    assert find_secrets([tmp_path / "dh", tmp_path / "data"], canaries) == []
