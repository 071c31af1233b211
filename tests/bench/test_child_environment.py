"""Contender children get the environment their own tools would: Arrow's pool included."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench import launch
from pipelines.lake.allocator import POOL_ENV

ARROW_POOL = "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"


def arrow_pool_in_child() -> str:
    env = launch.child_environment()
    done = subprocess.run(
        [sys.executable, "-c", ARROW_POOL], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_pool_pipelines_picked_is_not_passed_on(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(launch, "USER_POOL", None)
    monkeypatch.setenv(POOL_ENV, "system")  # what importing pipelines did in this process
    assert arrow_pool_in_child() == "mimalloc"  # pyarrow's own default, for naive and dlt


def test_a_pool_the_user_chose_is_passed_on(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(launch, "USER_POOL", "jemalloc")
    monkeypatch.setenv(POOL_ENV, "jemalloc")
    assert arrow_pool_in_child() == "jemalloc"
