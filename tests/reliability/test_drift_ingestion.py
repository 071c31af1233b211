"""Drifted records served over HTTP: a full ingestion stores or quarantines every one.

The simulator has no drift fault, so these tests replace the JSON it serves for a few
tasks (its per-task byte cache, ``store._json``): the bytes on the wire are exactly what
a drifted API would send, and everything from the socket on is the real pipeline.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from pipelines.ingest import ingest_snapshot
from pipelines.lake.store import list_snapshots, read_table
from pipelines.settings import load_source_settings
from pipelines.simulator import DEMO_TOKEN, SimulatorServer
from pipelines.sms.errors import SmsApiError

from .conftest import StartSimulator
from .tree_state import tree_digest

HUGE_NAME = "大" * 1_000_000


def serve_drifted(sim: SimulatorServer, task_id: str, drifted: dict[str, Any]) -> None:
    """From now on the simulator sends ``drifted`` in place of task ``task_id``."""
    sim.store._json[task_id] = orjson.dumps(drifted)


def _settings(sim: SimulatorServer, **extra: str):
    return load_source_settings(
        {"SMS_ENDPOINT": sim.base_url, "SMS_AUTH_TOKEN": DEMO_TOKEN, "SMS_PAGE_SIZE": "50", **extra}
    )


def test_drifted_tasks_are_stored_or_quarantined_never_lost(
    start_simulator: StartSimulator, tmp_path: Path
) -> None:
    sim = start_simulator(tasks=300, seed=13)
    tasks = {task["id"]: task for task in sim.store.tasks()}
    ids = sim.store.ids()
    new_field = next(task_id for task_id in ids[5:] if tasks[task_id]["sub_tasks"])
    missing, as_strings, bad_progress, huge, bad_type = [i for i in ids[5:12] if i != new_field][:5]

    drifted = copy.deepcopy(tasks[new_field])
    drifted["x_region_hint"] = {"zone": "az1"}
    drifted["sub_tasks"] = [{**sub, "x_retry": 1} for sub in drifted["sub_tasks"]]
    serve_drifted(sim, new_field, drifted)
    serve_drifted(
        sim,
        missing,
        {k: v for k, v in tasks[missing].items() if k not in ("migrate_speed", "clone_server")},
    )
    serve_drifted(
        sim,
        as_strings,
        {
            **tasks[as_strings],
            "priority": "2",
            "create_date": str(tasks[as_strings]["create_date"]),
        },
    )
    drifted = copy.deepcopy(tasks[bad_progress])
    drifted["sub_tasks"] = [{"id": 1, "name": "SSL_CONFIG", "progress": "half"}]
    serve_drifted(sim, bad_progress, drifted)
    serve_drifted(sim, huge, {**tasks[huge], "name": HUGE_NAME})
    serve_drifted(sim, bad_type, {**tasks[bad_type], "speed_limit": True})

    outcome = ingest_snapshot(_settings(sim), tmp_path / "lake")

    lake = tmp_path / "lake"
    stored = read_table(lake, "tasks", outcome.snapshot_id).to_pylist()
    quarantine = read_table(lake, "quarantine", outcome.snapshot_id).to_pylist()
    stored_ids = [row["id"] for row in stored]
    assert len(stored_ids) + len(quarantine) == len(ids) == 300
    assert set(stored_ids) | {row["task_id"] for row in quarantine} == set(ids)
    assert {(row["task_id"], row["field"]) for row in quarantine} == {
        (bad_progress, "sub_tasks[0].progress"),
        (bad_type, "speed_limit"),
    }
    assert all(row["reason"] for row in quarantine)
    by_id = {row["id"]: row for row in stored}
    assert orjson.loads(by_id[new_field]["extra"]) == {"x_region_hint": {"zone": "az1"}}
    assert {"tasks.x_region_hint", "sub_tasks.x_retry"} <= set(outcome.unknown_fields)
    assert by_id[missing]["migrate_speed"] is None
    assert by_id[missing]["clone_server_vm_id"] is None
    assert by_id[as_strings]["priority"] == 2
    assert by_id[huge]["name"] == HUGE_NAME
    snapshot = list_snapshots(lake)[-1]
    assert (snapshot.api_count, snapshot.task_count) == (300, 300)


def test_a_task_id_of_the_wrong_type_fails_the_run_clearly_and_changes_nothing(
    start_simulator: StartSimulator, tmp_path: Path
) -> None:
    """The client refuses a page whose task has no string id (it cannot be deduplicated
    or reconciled); the run fails saying so and the lake is untouched."""
    sim = start_simulator(tasks=120, seed=13)
    lake = tmp_path / "lake"
    ingest_snapshot(_settings(sim), lake)
    before = tree_digest(lake)
    victim = sim.store.ids()[60]
    serve_drifted(sim, victim, {**sim.store.tasks()[60], "id": 60})

    with pytest.raises(SmsApiError, match="a task is not an object with a string id"):
        ingest_snapshot(_settings(sim, SMS_MAX_RETRIES="1"), lake)

    assert tree_digest(lake) == before
