"""The scale figure's Dagster deployment: deploy/dagster.yaml in a fresh DAGSTER_HOME, a real
``dagster-daemon run`` process, and a partition backfill submitted as an operator would.

Nothing here schedules or limits anything itself: the backfill puts one run per source in
the queue, the daemon's QueuedRunCoordinator dequeues them within the deployment's limits,
and the DefaultRunLauncher starts each in its own process. We only wait and read back.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import dagster as dg

REPO_ROOT = Path(__file__).resolve().parent.parent
DEPLOY_DIR = REPO_ROOT / "deploy"
INGEST_JOB = "sms_ingest_job"
RAW_PAGES = dg.AssetKey(["lake", "raw_pages"])
FANOUT_TAG = "bench/fanout"
READY_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 60.0
POLL_S = 1.0

Progress = Callable[[str], None]


class DeploymentError(RuntimeError):
    """The daemon, the backfill or a run did not do what the figure needs; says which."""


def dagster_command(name: str) -> str:
    """A Dagster console script next to this interpreter (the project's venv), else PATH."""
    script = Path(sys.executable).with_name(name)
    return str(script) if script.exists() else (shutil.which(name) or name)


@dataclass(frozen=True)
class RunFigures:
    """One partition run as the instance recorded it."""

    partition: str
    status: str
    queued_at: float  # when the backfill put it in the queue (epoch s)
    start_time: float | None
    end_time: float | None
    metadata: Mapping[str, object]  # of its lake/raw_pages materialization


class Deployment:
    """``with Deployment(home, env, log_dir) as deployment:`` a daemon serving deploy/."""

    def __init__(self, home: Path, env: Mapping[str, str], log_dir: Path) -> None:
        self.home = home.resolve()
        self.env = {**env, "DAGSTER_HOME": str(self.home)}
        self.log_dir = log_dir
        self.workspace = DEPLOY_DIR / "workspace.yaml"
        self._daemon: subprocess.Popen[bytes] | None = None
        self._instance: dg.DagsterInstance | None = None

    @property
    def instance(self) -> dg.DagsterInstance:
        if self._instance is None:
            self._instance = dg.DagsterInstance.from_config(str(self.home))
        return self._instance

    def __enter__(self) -> Deployment:
        self.home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEPLOY_DIR / "dagster.yaml", self.home / "dagster.yaml")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        # Create the SQLite files now: two processes creating them at once race (alembic).
        self.instance.get_required_daemon_types()
        with open(self.log_dir / "daemon.log", "ab") as log:
            # Its own session, so stopping it also stops its code server and run processes.
            self._daemon = subprocess.Popen(
                [dagster_command("dagster-daemon"), "run", "-w", str(self.workspace)],
                env=self.env,
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_daemon_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_daemon_ready(self) -> None:
        """Every daemon this instance needs has sent a heartbeat (queue, scheduler, ...)."""
        required = set(self.instance.get_required_daemon_types())
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self._daemon is not None
            if self._daemon.poll() is not None:
                raise DeploymentError(f"dagster-daemon exited: {self._log_tail('daemon.log')}")
            if required <= set(self.instance.get_daemon_heartbeats()):
                return
            time.sleep(POLL_S)
        raise DeploymentError(f"dagster-daemon not ready after {READY_TIMEOUT_S:.0f} s")

    def limits(self) -> dict[str, object]:
        """The run queue and pool limits this deployment runs under (from deploy/dagster.yaml)."""
        config = self.instance.get_concurrency_config()
        queue = config.run_queue_config
        return {
            "max_concurrent_runs": queue.max_concurrent_runs if queue else None,
            "tag_concurrency_limits": list(queue.tag_concurrency_limits) if queue else [],
            "pool_default_limit": config.pool_config.default_pool_limit,
            "pool_granularity": config.pool_config.pool_granularity.value
            if config.pool_config.pool_granularity
            else None,
        }

    def backfill(self, partitions: Sequence[str], label: str) -> float:
        """``dagster job backfill`` of the ingest job over ``partitions``; returns its seconds."""
        command = [
            dagster_command("dagster"),
            *("job", "backfill", "-w", str(self.workspace), "-j", INGEST_JOB),
            *("--partitions", ",".join(partitions)),
            *("--tags", json.dumps({FANOUT_TAG: label}), "--noprompt"),
        ]
        started = time.perf_counter()
        with open(self.log_dir / "backfill.log", "ab") as log:
            done = subprocess.run(
                command, env=self.env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        if done.returncode != 0:
            raise DeploymentError(f"backfill failed: {self._log_tail('backfill.log')}")
        return time.perf_counter() - started

    def wait_for_runs(
        self, label: str, expected: int, timeout_s: float, progress: Progress
    ) -> list[RunFigures]:
        """Wait until the ``label`` fan-out's ``expected`` runs have all finished."""
        run_filter = dg.RunsFilter(tags={FANOUT_TAG: label})
        deadline = time.monotonic() + timeout_s
        last_seen: tuple[int, int] = (-1, -1)
        while time.monotonic() < deadline:
            records = self.instance.get_run_records(run_filter)
            finished = [r for r in records if r.dagster_run.is_finished]
            if (len(records), len(finished)) != last_seen:
                last_seen = (len(records), len(finished))
                progress(f"{label}: {len(finished)}/{expected} runs finished")
            if len(records) >= expected and len(finished) == len(records):
                return [self._figures(record) for record in records]
            time.sleep(POLL_S)
        raise DeploymentError(f"{label}: runs not finished after {timeout_s:.0f} s")

    def wait_for_job(
        self, job_name: str, after: float, timeout_s: float, progress: Progress
    ) -> RunFigures | None:
        """The first ``job_name`` run queued after ``after`` (epoch s), once finished; None if
        none finished within ``timeout_s`` (e.g. the warehouse rebuild the sensor requests)."""
        progress(f"waiting for {job_name} (requested by its sensor)")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            records = self.instance.get_run_records(dg.RunsFilter(job_name=job_name))
            later = [r for r in records if r.create_timestamp.timestamp() >= after]
            finished = [r for r in later if r.dagster_run.is_finished]
            if finished:
                return self._figures(min(finished, key=lambda r: r.create_timestamp))
            time.sleep(POLL_S)
        return None

    def _figures(self, record: dg.RunRecord) -> RunFigures:
        run = record.dagster_run
        metadata: dict[str, object] = {}
        for entry in self.instance.all_logs(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ):
            materialization = entry.asset_materialization
            if materialization is not None and materialization.asset_key == RAW_PAGES:
                metadata = {
                    key: value.value
                    for key, value in materialization.metadata.items()
                    if isinstance(value.value, int | float | str | bool)
                }
        return RunFigures(
            partition=run.tags.get("dagster/partition", ""),
            status=run.status.value,
            queued_at=record.create_timestamp.timestamp(),
            start_time=record.start_time,
            end_time=record.end_time,
            metadata=metadata,
        )

    def _log_tail(self, name: str) -> str:
        try:
            return (self.log_dir / name).read_text(errors="replace")[-1500:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """SIGTERM to the daemon's session (daemon, code server, runs), SIGKILL if it lingers."""
        if self._instance is not None:
            self._instance.dispose()
            self._instance = None
        daemon, self._daemon = self._daemon, None
        if daemon is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(daemon.pid, sig)
            except ProcessLookupError:
                break
            try:
                daemon.wait(timeout=STOP_TIMEOUT_S)
                break
            except subprocess.TimeoutExpired:
                continue
        daemon.wait()
