"""End-to-end fixtures: a data dir, and an environment without any real endpoint."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.orchestration.sms_source import SOURCE_VARS

VENV_BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, str]]:
    """os.environ without SMS settings, with SMS_DATA_DIR in tmp; also returned for subprocesses."""
    for name in (*SOURCE_VARS, "SMS_DATA_DIR", "SMS_SCHEDULE_CRON"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    yield dict(os.environ)


def command(name: str) -> str:
    """A console script of this project's virtualenv (falls back to PATH)."""
    path = VENV_BIN / name
    return str(path) if path.exists() else name
