"""The lake on object storage: exact snapshots, the commit object last, leftovers removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from pipelines.ingest import ingest_snapshot
from pipelines.lake.readers import committed_ids, list_snapshots, read_table
from pipelines.orchestration.ingest_checks import latest_snapshot
from pipelines.orchestration.resources import DataStorage
from pipelines.settings import load_source_settings
from pipelines.simulator import SimulatorConfig, SimulatorServer
from pipelines.storage.remote_lake import remove_uncommitted

from .conftest import Bucket
from .refusing_proxy import refusing_proxy

TASKS, SEED = 240, 3


def simulator_ids(tasks: int = TASKS, seed: int = SEED) -> set[str]:
    with SimulatorServer(SimulatorConfig(tasks=tasks, seed=seed)) as sim:
        return set(sim.store.ids())


def simulated_settings(page_size: int = 50):
    return load_source_settings(
        {
            "SMS_SIMULATOR_TASKS": str(TASKS),
            "SMS_SIMULATOR_SEED": str(SEED),
            "SMS_PAGE_SIZE": str(page_size),
        }
    )


def test_a_snapshot_lands_on_s3_with_every_task_and_nothing_left_locally(s3_env: Bucket):
    lake = DataStorage(data_dir=s3_env.data_dir).lake_root

    outcome = ingest_snapshot(simulated_settings(), lake)

    assert sorted(read_table(lake, "tasks").column("id").to_pylist()) == sorted(simulator_ids())
    assert committed_ids(lake) == {outcome.snapshot_id}
    (row,) = list_snapshots(lake)
    assert (row.source, row.is_simulated, row.api_count, row.task_count, row.pages) == (
        "simulator",
        True,
        TASKS,
        TASKS,
        6,  # five pages of 50 and the closing re-read of the head
    )
    date = f"snapshot_date={outcome.snapshot_at:%Y-%m-%d}"
    keys = s3_env.keys("lake")
    table_keys = {k for k in keys if not k.startswith("lake/raw/")}
    assert table_keys == {
        f"lake/{table}/source=simulator/{date}/{outcome.snapshot_id}.parquet"
        for table in (
            "tasks",
            "sub_tasks",
            "source_servers",
            "target_servers",
            "special_configs",
            "quarantine",
            "snapshots",
        )
    }
    raw = f"lake/raw/source=simulator/{date}/snapshot_id={outcome.snapshot_id}/"
    assert {k for k in keys if k.startswith("lake/raw/")} == {
        raw + "commit.json",
        raw + "pages.jsonl",
        *(raw + f"page-{n:06d}.json.zst" for n in range(1, row.pages + 1)),
    }
    assert not any(".staging" in key for key in keys)


def test_the_second_simulated_run_continues_the_simulator_clock_from_the_bucket(s3_env: Bucket):
    lake = DataStorage(data_dir=s3_env.data_dir).lake_root

    first = ingest_snapshot(simulated_settings(), lake)
    second = ingest_snapshot(simulated_settings(), lake)

    assert second.snapshot_at - first.snapshot_at == timedelta(minutes=30)
    assert [row.snapshot_id for row in list_snapshots(lake)] == [
        first.snapshot_id,
        second.snapshot_id,
    ]


def test_a_refused_commit_write_leaves_the_committed_lake_as_it_was(
    s3_env: Bucket, monkeypatch: pytest.MonkeyPatch
):
    """The bucket refuses the commit object: the run fails, readers see the old snapshot only."""
    storage = DataStorage(data_dir=s3_env.data_dir)
    committed = ingest_snapshot(simulated_settings(), storage.lake_root)
    before = s3_env.keys()

    with refusing_proxy(s3_env.endpoint, refuse=("/lake/snapshots/",)) as (proxy, state):
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy)
        through_proxy = DataStorage(data_dir=s3_env.data_dir).lake_root
        with pytest.raises(OSError, match="ACCESS_DENIED|AccessDenied|Access Denied"):
            ingest_snapshot(simulated_settings(), through_proxy)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_env.endpoint)

    assert state.refused and all("/lake/snapshots/" in request for request in state.refused)
    lake = DataStorage(data_dir=s3_env.data_dir).lake_root
    leftovers = sorted(set(s3_env.keys()) - set(before))
    assert leftovers, "the raw pages and table files of the failed run were uploaded first"
    assert not any(key.startswith("lake/snapshots/") for key in leftovers)
    assert committed_ids(lake) == {committed.snapshot_id}
    assert set(read_table(lake, "tasks").column("snapshot_id").to_pylist()) == {
        committed.snapshot_id
    }
    assert latest_snapshot(lake).row.snapshot_id == committed.snapshot_id

    # Within the grace period the leftovers may be a live upload: kept.
    assert remove_uncommitted(lake, source="simulator") == []
    # Past it, the next run's sweep removes exactly them.
    removed = remove_uncommitted(lake, source="simulator", grace=timedelta(0))
    assert sorted(f"lake/{key}" for key in removed) == leftovers
    assert s3_env.keys() == before


KILLED_WRITER = """
import sys
from pipelines.ingest import ingest_snapshot
from pipelines.orchestration.resources import DataStorage
from tests.storage.test_lake_on_s3 import simulated_settings
ingest_snapshot(simulated_settings(), DataStorage(data_dir=sys.argv[1]).lake_root)
"""


def test_a_run_killed_before_its_commit_object_leaves_no_visible_snapshot(
    s3_env: Bucket, tmp_path: Path
):
    """SIGKILL while the commit object is being written: nothing new is visible, ever."""
    lake = DataStorage(data_dir=s3_env.data_dir).lake_root
    committed = ingest_snapshot(simulated_settings(), lake)
    before = s3_env.keys()

    with refusing_proxy(s3_env.endpoint, hold=("/lake/snapshots/",)) as (proxy, state):
        env = {**os.environ, "AWS_ENDPOINT_URL": proxy, "SMS_CACHE_DIR": str(tmp_path / "c")}
        writer = subprocess.Popen(
            [sys.executable, "-c", KILLED_WRITER, s3_env.data_dir],
            env=env,
            cwd=Path(__file__).resolve().parents[2],
        )
        try:
            assert state.held.wait(timeout=120), "the writer never reached its commit object"
            writer.send_signal(signal.SIGKILL)
        finally:
            writer.wait(timeout=60)
    assert writer.returncode == -signal.SIGKILL

    leftovers = sorted(set(s3_env.keys()) - set(before))
    assert leftovers and not any(key.startswith("lake/snapshots/") for key in leftovers)
    assert [row.snapshot_id for row in list_snapshots(lake)] == [committed.snapshot_id]
    assert set(read_table(lake, "sub_tasks").column("snapshot_id").to_pylist()) == {
        committed.snapshot_id
    }
    removed = remove_uncommitted(lake, source="simulator", grace=timedelta(0))
    assert sorted(f"lake/{key}" for key in removed) == leftovers
