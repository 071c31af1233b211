"""The real simulator on a free port, and clients pointed at it with tiny backoffs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from pipelines.simulator import (
    DEMO_AK,
    DEMO_PROJECT_ID,
    DEMO_SK,
    DEMO_TOKEN,
    Faults,
    SimulatorConfig,
    SimulatorServer,
)
from pipelines.sms.client import ClientConfig, Page, SmsClient

StartSimulator = Callable[..., SimulatorServer]


@pytest.fixture
def start_simulator() -> Iterator[StartSimulator]:
    """``start_simulator(tasks=..., seed=..., **fault_settings)``; stopped after the test."""
    with ExitStack() as stack:

        def start(tasks: int = 500, seed: int = 7, **fault_settings: Any) -> SimulatorServer:
            server = SimulatorServer(
                SimulatorConfig(tasks=tasks, seed=seed),
                faults=Faults(**fault_settings),
                host="127.0.0.1",
                port=0,
            )
            return stack.enter_context(server)

        yield start


def token_config(sim: SimulatorServer, **overrides: Any) -> ClientConfig:
    settings: dict[str, Any] = {"token": DEMO_TOKEN, "backoff_s": 0.01, "timeout_s": 10.0}
    settings.update(overrides)
    return ClientConfig(sim.base_url, **settings)


def signing_config(sim: SimulatorServer, **overrides: Any) -> ClientConfig:
    settings: dict[str, Any] = {
        "access_key": DEMO_AK,
        "secret_key": DEMO_SK,
        "project_id": DEMO_PROJECT_ID,
        "backoff_s": 0.01,
        "timeout_s": 10.0,
    }
    settings.update(overrides)
    return ClientConfig(sim.base_url, **settings)


@pytest.fixture
def connect() -> Iterator[Callable[[ClientConfig], SmsClient]]:
    """Open clients that are closed after the test."""
    with ExitStack() as stack:
        yield lambda config: stack.enter_context(SmsClient(config))


class PageRecorder:
    """An ``on_page`` callback that keeps only ids, like a writer that must never see a repeat."""

    def __init__(self) -> None:
        self.pages = 0
        self.written: list[str] = []

    def __call__(self, page: Page, new_tasks: list[dict[str, Any]]) -> None:
        self.pages += 1
        self.written.extend(task["id"] for task in new_tasks)
