"""`make serve` for real: deploy/serve.sh starts the daemon and the webserver on a free loopback
port; GraphQL shows the schedule, the sensor, the source partitions and healthy daemons.

The schedule's cron is set so it cannot fire during the test, and the warehouse sensor skips
while nothing is ingested, so nothing is launched. Bounded in time; always stopped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bench.simulator_process import free_port
from tests.deploy.conftest import DEPLOY_DIR, QUIET_CRON, REPO_ROOT, SOURCE_NAMES

START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 60.0

REPOSITORY_QUERY = """
{
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes {
        name
        location { name }
        schedules { name cronSchedule executionTimezone pipelineName scheduleState { status } }
        sensors { name sensorState { status } targets { pipelineName } }
        partitionSets {
          pipelineName
          partitionsOrError { ... on Partitions { results { name } } }
        }
      }
    }
  }
}
"""
DAEMON_QUERY = """
{ instance { daemonHealth { allDaemonStatuses { daemonType required healthy } } } }
"""


class Served:
    def __init__(self, base_url: str, home: Path, process: subprocess.Popen[bytes]) -> None:
        self.base_url = base_url
        self.home = home
        self.process = process

    def graphql(self, query: str) -> dict:
        response = requests.post(f"{self.base_url}/graphql", json={"query": query}, timeout=30)
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C to the script's session (script, daemon, webserver, code servers), then KILL."""
    for sig in (signal.SIGINT, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_until_up(served: Served, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            pytest.fail(f"serve.sh exited {served.process.returncode}: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{served.base_url}/server_info", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(f"webserver not up after {START_TIMEOUT_S:.0f} s: {log.read_text()[-2000:]}")


def _start_serve(home: Path, log: Path) -> Served:
    """``deploy/serve.sh`` in its own session on a free loopback port, output to ``log``."""
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SMS_SCHEDULE_CRON": QUIET_CRON,
        "SMS_WEBSERVER_PORT": str(port),
    }
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(DEPLOY_DIR / "serve.sh")],
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Served(f"http://127.0.0.1:{port}", home, process)


@pytest.fixture
def served(sources_env, tmp_path: Path) -> Iterator[Served]:
    log = tmp_path / "serve.log"
    # An empty home: serve.sh links deploy/dagster.yaml into it.
    served = _start_serve(tmp_path / "serve_home", log)
    try:
        _wait_until_up(served, log)
        yield served
    finally:
        _stop(served.process)


def _wait_for_healthy_daemons(served: Served) -> list[dict]:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        statuses = served.graphql(DAEMON_QUERY)["instance"]["daemonHealth"]["allDaemonStatuses"]
        required = [status for status in statuses if status["required"]]
        if all(status["healthy"] for status in required) or time.monotonic() > deadline:
            return required
        time.sleep(1)


def test_serve_runs_the_webserver_and_daemon_with_the_documented_deployment(served):
    assert (served.home / "dagster.yaml").resolve() == DEPLOY_DIR / "dagster.yaml"

    (repo,) = served.graphql(REPOSITORY_QUERY)["repositoriesOrError"]["nodes"]
    assert repo["location"]["name"] == "sms_analytics"
    assert repo["schedules"] == [
        {
            "name": "sms_refresh_schedule",
            "cronSchedule": QUIET_CRON,
            "executionTimezone": "UTC",
            "pipelineName": "sms_ingest_job",
            "scheduleState": {"status": "RUNNING"},
        }
    ]
    assert repo["sensors"] == [
        {
            "name": "sms_warehouse_sensor",
            "sensorState": {"status": "RUNNING"},
            "targets": [{"pipelineName": "sms_warehouse_job"}],
        }
    ]
    (ingest_partitions,) = [
        partition_set
        for partition_set in repo["partitionSets"]
        if partition_set["pipelineName"] == "sms_ingest_job"
    ]
    names = [p["name"] for p in ingest_partitions["partitionsOrError"]["results"]]
    assert names == SOURCE_NAMES

    required = _wait_for_healthy_daemons(served)
    assert {status["daemonType"] for status in required} >= {
        "SCHEDULER",
        "SENSOR",
        "QUEUED_RUN_COORDINATOR",
        "BACKFILL",
        "MONITORING",
    }
    assert [status for status in required if not status["healthy"]] == []


def test_nothing_is_left_running_after_serve_stops(sources_env, tmp_path: Path):
    log = tmp_path / "serve.log"
    served = _start_serve(tmp_path / "home", log)
    process = served.process
    try:
        _wait_until_up(served, log)
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=STOP_TIMEOUT_S)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while _session_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _session_members(process.pid) == []
    finally:
        _stop(process)


def _session_members(session_id: int) -> list[int]:
    """Live processes of the session serve.sh started (it leads its own session)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session_id and fields[0] != "Z":  # session id; not a zombie
            members.append(int(entry.name))
    return members
