"""The SMS simulator in its own process, shared by every contender of one (N, latency) cell.

Running it out of process keeps its CPU and memory out of the contenders' figures;
readiness is proven by polling a real request rather than by sleeping.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import requests

READY_TIMEOUT_S = 180.0


class SimulatorStartError(RuntimeError):
    """The simulator process exited or never answered; the message carries its log tail."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def simulator_command() -> list[str]:
    """The installed ``sms-simulator`` script next to this interpreter, else ``python -m``."""
    script = Path(sys.executable).with_name("sms-simulator")
    if script.exists():
        return [str(script)]
    found = shutil.which("sms-simulator")
    return [found] if found else [sys.executable, "-m", "pipelines.simulator.cli"]


@dataclass
class SimulatorProcess:
    """``with SimulatorProcess(tasks, latency_ms, token, log_path) as sim: sim.base_url``."""

    tasks: int
    latency_ms: int
    token: str
    log_path: Path
    seed: int = 7
    base_url: str = ""
    count: int = -1
    _process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> SimulatorProcess:
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        command = [
            *simulator_command(),
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--tasks", str(self.tasks), "--seed", str(self.seed)),
            *("--latency-ms", str(self.latency_ms)),
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            self.count = self._wait_ready()
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

    def _wait_ready(self) -> int:
        """Poll ``GET /v3/tasks?limit=1`` until it answers 200; return the task count."""
        assert self._process is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise SimulatorStartError(
                    f"simulator exited with code {self._process.returncode}: {self._log_tail()}"
                )
            try:
                response = requests.get(
                    f"{self.base_url}/v3/tasks",
                    params={"limit": 1},
                    headers={"X-Auth-Token": self.token},
                    timeout=5 + self.latency_ms / 1000,
                )
            except requests.ConnectionError:
                time.sleep(0.2)
                continue
            if response.status_code == 200:
                return int(response.json()["count"])
            raise SimulatorStartError(
                f"simulator answered {response.status_code} to the readiness probe: "
                f"{response.text[:200]}"
            )
        raise SimulatorStartError(
            f"simulator not ready after {READY_TIMEOUT_S:.0f} s: {self._log_tail()}"
        )

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-1000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
