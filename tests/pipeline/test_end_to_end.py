"""The whole graph, as users start it: `sms-analytics demo`, `dagster asset materialize`."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import duckdb

from pipelines.lake.store import list_snapshots, read_table
from pipelines.runner import run_refresh
from pipelines.simulator import DEMO_TOKEN, SimulatorConfig, SimulatorServer
from tests.pipeline.conftest import command


def simulator_ids(tasks: int, seed: int) -> set[str]:
    """The task ids the built-in simulator serves for this size and seed."""
    with SimulatorServer(SimulatorConfig(tasks=tasks, seed=seed)) as sim:
        return set(sim.store.ids())


def mart_task_ids(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [row[0] for row in con.execute("SELECT task_id FROM mart_task_durations").fetchall()]


def test_demo_ingests_every_simulated_task_and_prints_where_results_are(clean_env, tmp_path):
    env = {**clean_env, "SMS_SIMULATOR_TASKS": "320", "SMS_SIMULATOR_SEED": "11"}
    done = subprocess.run(
        [command("sms-analytics"), "demo"], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = tmp_path / "data"
    assert "built-in simulator" in done.stdout
    for line in (
        f"warehouse  {data / 'warehouse.duckdb'}",
        f"exports    {data / 'exports'}",
        f"report     {data / 'report' / 'migration_report.html'}",
    ):
        assert line in done.stdout

    expected = simulator_ids(320, 11)
    lake_ids = read_table(data / "lake", "tasks").column("id").to_pylist()
    assert sorted(lake_ids) == sorted(expected)
    marts = mart_task_ids(data / "warehouse.duckdb")
    assert sorted(marts) == sorted(expected)
    (snapshot,) = list_snapshots(data / "lake")
    assert (snapshot.is_simulated, snapshot.source, snapshot.api_count) == (True, "simulator", 320)
    manifest = json.loads((data / "exports" / "manifest.json").read_text())
    assert manifest["is_simulated"] is True
    assert (data / "report" / "migration_report.html").is_file()


def test_headless_materialize_reads_the_configured_endpoint_not_the_simulator(clean_env, tmp_path):
    with SimulatorServer(SimulatorConfig(tasks=450, seed=5)) as sim:
        env = {
            **clean_env,
            "SMS_ENDPOINT": sim.base_url,
            "SMS_AUTH_TOKEN": DEMO_TOKEN,
            "SMS_PAGE_SIZE": "50",
        }
        done = subprocess.run(
            [command("dagster"), "asset", "materialize", "-m", "pipelines", "--select", "*"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        expected = set(sim.store.ids())
        served_pages = [r for r in sim.requests if r.status == 200]
    assert done.returncode == 0, done.stderr[-3000:]
    data = tmp_path / "data"
    assert sorted(read_table(data / "lake", "tasks").column("id").to_pylist()) == sorted(expected)
    (snapshot,) = list_snapshots(data / "lake")
    assert (snapshot.is_simulated, snapshot.source) == (False, "127.0.0.1")
    assert len(served_pages) >= 450 // 50
    assert sorted(mart_task_ids(data / "warehouse.duckdb")) == sorted(expected)


def test_scheduled_runs_build_a_history_of_snapshots(clean_env, monkeypatch, tmp_path):
    monkeypatch.setenv("SMS_SIMULATOR_TASKS", "200")
    first, second = run_refresh(), run_refresh()
    assert (first.success, second.success) == (True, True), (first.error, second.error)
    snapshots = list_snapshots(tmp_path / "data" / "lake")
    assert len(snapshots) == 2
    # Simulated runs step the simulator's clock by 30 minutes per earlier snapshot.
    assert snapshots[1].snapshot_at - snapshots[0].snapshot_at == timedelta(minutes=30)
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        per_snapshot = con.execute(
            "SELECT count(DISTINCT snapshot_id) FROM stg_tasks_history"
        ).fetchone()[0]
    assert per_snapshot == 2
