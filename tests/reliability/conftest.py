"""Shared fixtures: the real simulator on a free port and a data dir with a published run.

``published_template`` runs the whole refresh graph once per session (lake snapshot,
warehouse, exports, report); tests get a private copy of it, so each one starts from
"something good is already published" without paying for a run.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from pipelines.simulator import DEMO_TOKEN, Faults, SimulatorConfig, SimulatorServer

from .fault_matrix import CASES_BY_KEY, ObservedOutcome, save_outcomes
from .pipeline_runs import run_refresh_job, step_failures

StartSimulator = Callable[..., SimulatorServer]
BASELINE_TASKS = 400
BASELINE_SEED = 11


@pytest.fixture
def start_simulator() -> Iterator[StartSimulator]:
    """``start_simulator(tasks=..., seed=..., config=..., **faults)``; stopped after the test."""
    with ExitStack() as stack:

        def start(
            tasks: int = 500,
            seed: int = 7,
            config: SimulatorConfig | None = None,
            **fault_settings: Any,
        ) -> SimulatorServer:
            server = SimulatorServer(
                config or SimulatorConfig(tasks=tasks, seed=seed),
                faults=Faults(**fault_settings),
            )
            return stack.enter_context(server)

        yield start


@pytest.fixture(scope="session")
def published_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir after one successful refresh: snapshot, warehouse, exports, report."""
    data_dir = tmp_path_factory.mktemp("published") / "data"
    config = SimulatorConfig(tasks=BASELINE_TASKS, seed=BASELINE_SEED)
    with SimulatorServer(config) as sim:
        result = run_refresh_job(
            {
                "SMS_DATA_DIR": str(data_dir),
                "SMS_ENDPOINT": sim.base_url,
                "SMS_AUTH_TOKEN": DEMO_TOKEN,
            }
        )
    assert result.success, step_failures(result)
    for published in ("lake/snapshots", "warehouse.duckdb", "exports/manifest.json", "report"):
        assert (data_dir / published).exists(), f"the baseline run did not publish {published}"
    return data_dir


@pytest.fixture
def published_data_dir(published_template: Path, tmp_path: Path) -> Path:
    """A private copy of the published baseline for one test to run against."""
    data_dir = tmp_path / "data"
    shutil.copytree(published_template, data_dir)
    return data_dir


class OutcomeLog:
    """Fault outcomes observed in this session; written for the fault-matrix document."""

    def __init__(self) -> None:
        self.outcomes: dict[str, ObservedOutcome] = {}

    def record(self, outcome: ObservedOutcome) -> None:
        self.outcomes[outcome.key] = outcome

    @property
    def is_complete(self) -> bool:
        return set(self.outcomes) == set(CASES_BY_KEY)


@pytest.fixture(scope="session")
def outcome_log() -> Iterator[OutcomeLog]:
    log = OutcomeLog()
    yield log
    if log.is_complete:  # a partial run (-k) leaves the last complete record in place
        save_outcomes(list(log.outcomes.values()))
