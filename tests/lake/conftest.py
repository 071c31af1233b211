"""Fixtures of the lake tests: the seed's tasks and a fully populated task."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def seed_tasks() -> list[dict[str, Any]]:
    """The 3 example tasks of the API page (/work/shared/seeds/ListTasks.txt)."""
    return json.loads((FIXTURES / "seed_tasks.json").read_text())


@pytest.fixture
def full_task() -> dict[str, Any]:
    """A task with every documented field and nested object populated."""
    return json.loads((FIXTURES / "full_task.json").read_text())
