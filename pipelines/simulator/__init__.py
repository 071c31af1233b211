"""The built-in Huawei Cloud SMS API simulator (``GET /v3/tasks``) for tests and demos."""

from .app import RequestRecord
from .clock import SimClock
from .config import (
    DEFAULT_START_TIME,
    DEMO_AK,
    DEMO_PROJECT_ID,
    DEMO_SK,
    DEMO_TOKEN,
    SimulatorConfig,
)
from .faults import Faults
from .server import SimulatorServer
from .store import TaskFilter, TaskStore

__all__ = [
    "DEFAULT_START_TIME",
    "DEMO_AK",
    "DEMO_PROJECT_ID",
    "DEMO_SK",
    "DEMO_TOKEN",
    "Faults",
    "RequestRecord",
    "SimClock",
    "SimulatorConfig",
    "SimulatorServer",
    "TaskFilter",
    "TaskStore",
]
