"""An analyst querying the warehouse while three scheduled runs publish sees no lock error
and never a half-built state: every answer is one warehouse's consistent view."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pipelines.lake.store import list_snapshots
from pipelines.simulator import DEMO_TOKEN

from . import analyst_reader
from .conftest import StartSimulator
from .pipeline_runs import run_refresh_job, step_failures
from .published_state import warehouse_view

NEW_TASKS_PER_RUN = 25


def test_reader_sees_consistent_warehouses_while_three_runs_publish(
    start_simulator: StartSimulator, published_data_dir: Path, tmp_path: Path
) -> None:
    sim = start_simulator(tasks=800, seed=41)
    env = {
        "SMS_ENDPOINT": sim.base_url,
        "SMS_AUTH_TOKEN": DEMO_TOKEN,
        "SMS_DATA_DIR": str(published_data_dir),
    }
    warehouse = published_data_dir / "warehouse.duckdb"
    samples, stop = tmp_path / "samples.jsonl", tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, analyst_reader.__file__, str(warehouse), str(samples), str(stop)],
        env={"PATH": os.environ.get("PATH", "")},
    )
    baseline_id, baseline_count, _ = warehouse_view(warehouse)
    published = {baseline_id: baseline_count}  # snapshot id -> task count, per warehouse
    try:
        for _ in range(3):
            sim.store.add_tasks(NEW_TASKS_PER_RUN)  # each run sees a different account
            result = run_refresh_job(env)
            assert result.success, step_failures(result)
            snapshot_id, task_count, _ = warehouse_view(warehouse)
            published[snapshot_id] = task_count
    finally:
        stop.touch()
        reader.wait(timeout=60)

    assert reader.returncode == 0
    answers = [json.loads(line) for line in samples.read_text().splitlines()]
    errors = [answer["error"] for answer in answers if "error" in answer]
    assert errors == []
    assert answers, "the analyst never got an answer"
    for answer in answers:
        assert answer["mart_rows"] == answer["task_count"]
        assert answer["mart_is_of_latest"] is True
        assert published[answer["snapshot_id"]] == answer["task_count"]
    assert answers[-1]["snapshot_id"] == list_snapshots(published_data_dir / "lake")[-1].snapshot_id
    assert answers[-1]["task_count"] == len(sim.store.ids()) == 800 + 3 * NEW_TASKS_PER_RUN
