"""Fixtures of the many-sources tests: an environment without SMS settings, a sources file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.orchestration.sms_source import SOURCE_VARS


@pytest.fixture
def no_sms_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*SOURCE_VARS, "SMS_DATA_DIR", "SMS_SCHEDULE_CRON"):
        monkeypatch.delenv(name, raising=False)


def write_sources(path: Path, entries: list[str]) -> Path:
    """A sources.yaml of ``entries`` (each the YAML body of one list item)."""
    items = ["  - " + "\n    ".join(entry.strip().splitlines()) for entry in entries]
    path.write_text("sources:\n" + "\n".join(items) + "\n")
    return path
