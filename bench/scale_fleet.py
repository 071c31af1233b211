"""A fleet of simulator processes, one per source, and the sources file that points at them.

Each source is a separate SMS account in the scale figure: its own simulator process on a
loopback port (its own seed, so accounts differ), reached through ``endpoint:`` with a token
read from an environment variable named in the file, exactly as a real deployment would.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from bench.simulator_process import SimulatorProcess

#: The environment variable the sources file names for every simulated account's token.
TOKEN_ENV = "BENCH_SMS_TOKEN"
START_WORKERS = 4  # simulators generating their data at once (2 cores: more only thrash)


def source_name(index: int) -> str:
    """``sim-01`` ...: the partition key and lake partition of the ``index``-th source."""
    return f"sim-{index + 1:02d}"


@dataclass(frozen=True)
class FleetSource:
    name: str
    base_url: str
    count: int


def sources_yaml(sources: Sequence[FleetSource], page_size: int, concurrency: int) -> str:
    """The ``SMS_SOURCES`` file for ``sources`` (token by variable name, never by value)."""
    lines = ["sources:"]
    for source in sources:
        lines += [
            f"  - name: {source.name}",
            f"    endpoint: {source.base_url}",
            f"    token_env: {TOKEN_ENV}",
            f"    page_size: {page_size}",
            f"    concurrency: {concurrency}",
        ]
    return "\n".join(lines) + "\n"


class SimulatorFleet:
    """``with SimulatorFleet(n, tasks, token, workdir) as fleet: fleet.sources``."""

    def __init__(
        self, size: int, tasks: int, token: str, workdir: Path, latency_ms: int = 0
    ) -> None:
        self._processes = [
            SimulatorProcess(
                tasks=tasks,
                latency_ms=latency_ms,
                token=token,
                log_path=workdir / f"{source_name(i)}.log",
                seed=7 + i,
            )
            for i in range(size)
        ]
        self._stack = ExitStack()
        self.sources: list[FleetSource] = []

    def __enter__(self) -> SimulatorFleet:
        for simulator in self._processes:  # stop() is a no-op on one that never started
            self._stack.callback(simulator.stop)
        try:
            with ThreadPoolExecutor(START_WORKERS) as pool:
                started = list(pool.map(SimulatorProcess.__enter__, self._processes))
        except BaseException:
            self._stack.close()
            raise
        self.sources = [
            FleetSource(source_name(i), sim.base_url, sim.count) for i, sim in enumerate(started)
        ]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()
