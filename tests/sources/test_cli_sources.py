"""`sms-analytics run` with SMS_SOURCES, as a user starts it: every source, or --source NAME."""

from __future__ import annotations

import os
import subprocess

import duckdb

from pipelines.lake.readers import list_snapshots
from pipelines.orchestration.sms_source import SOURCE_VARS
from tests.pipeline.conftest import command
from tests.sources.conftest import write_sources


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [command("sms-analytics"), "run", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_every_source_lands_a_failing_one_is_named_and_the_warehouse_builds_once(tmp_path):
    sources = write_sources(
        tmp_path / "sources.yaml",
        [
            "name: sim-a\nsimulator: {tasks: 50, seed: 3}",
            "name: broken\nregion: cn-north-4\ntoken_env: SMS_TEST_UNSET_TOKEN",
            "name: sim-b\nsimulator: {tasks: 30, seed: 8}",
        ],
    )
    env = {k: v for k, v in os.environ.items() if k not in (*SOURCE_VARS, "SMS_DATA_DIR")}
    env |= {"SMS_SOURCES": str(sources), "SMS_DATA_DIR": str(tmp_path / "data")}
    env.pop("DAGSTER_HOME", None)
    lake = tmp_path / "data" / "lake"

    everything = run_cli(env)

    assert everything.returncode == 1, everything.stderr[-2000:]
    assert everything.stderr.startswith("sms-analytics run: run failed: source broken: ")
    assert everything.stderr.rstrip().endswith(
        f"Bad settings: {sources}: source 'broken': token_env names SMS_TEST_UNSET_TOKEN, "
        "which is not set"
    )
    assert len(everything.stderr.strip().splitlines()) == 1
    assert "Traceback" not in everything.stdout + everything.stderr
    assert "│ broken │" in everything.stdout
    assert f"warehouse  {tmp_path / 'data' / 'warehouse.duckdb'}" in everything.stdout
    assert sorted(row.source for row in list_snapshots(lake)) == ["sim-a", "sim-b"]
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM lake.snapshots").fetchone()[0] == 2

    one = run_cli(env, "--source", "sim-b")

    assert one.returncode == 0, one.stderr[-2000:]
    assert sorted(row.source for row in list_snapshots(lake)) == ["sim-a", "sim-b", "sim-b"]

    unknown = run_cli(env, "--source", "gamma")
    assert (unknown.returncode, unknown.stderr) == (
        2,
        f"sms-analytics run: bad settings: {sources}: no source named 'gamma' "
        "(sources: sim-a, broken, sim-b)\n",
    )


def test_source_without_a_sources_file_is_a_usage_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in (*SOURCE_VARS, "SMS_DATA_DIR")}
    env["SMS_DATA_DIR"] = str(tmp_path / "data")
    done = run_cli(env, "--source", "sim-a")
    assert (done.returncode, done.stderr) == (
        2,
        "sms-analytics run: bad settings: --source needs SMS_SOURCES (a sources file)\n",
    )
