"""A real simulator on a free loopback port per test, and a token-authenticated session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from pipelines.simulator import DEMO_TOKEN, SimulatorConfig, SimulatorServer

TASKS = 500


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatorConfig(tasks=TASKS, seed=7)) as server:
        yield server


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        http.headers["X-Auth-Token"] = DEMO_TOKEN
        yield http


class Api:
    """``GET /v3/tasks`` against one simulator, returning the raw response."""

    def __init__(self, sim: SimulatorServer, session: requests.Session) -> None:
        self.sim, self.session = sim, session

    def get(self, **params: Any) -> requests.Response:
        return self.session.get(f"{self.sim.base_url}/v3/tasks", params=params, timeout=10)

    def page(self, **params: Any) -> dict[str, Any]:
        response = self.get(**params)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def api(sim: SimulatorServer, session: requests.Session) -> Api:
    return Api(sim, session)
