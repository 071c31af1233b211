"""Deployment fixtures: a DAGSTER_HOME holding deploy/dagster.yaml, and a sources file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from pipelines.orchestration.sms_source import SOURCE_VARS

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = REPO_ROOT / "deploy"
VENV_BIN = REPO_ROOT / ".venv" / "bin"
#: The test sources file's partitions, in file order (the partition order).
SOURCE_NAMES = ["acme-prod", "globex-eu", "demo-sim"]
SOURCES_YAML = """\
sources:
  - name: acme-prod
    region: ap-southeast-3
    token_env: ACME_SMS_TOKEN
  - name: globex-eu
    region: cn-north-4
    project_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
    access_key_env: GLOBEX_AK
    secret_key_env: GLOBEX_SK
    filters: {state: RUNNING}
  - name: demo-sim
    simulator: {tasks: 300, seed: 7}
"""
#: A cron that does not fire while a test runs (the schedule must not launch anything).
QUIET_CRON = "0 0 1 1 *"


def command(name: str) -> str:
    """A console script of this project's virtualenv (falls back to PATH)."""
    path = VENV_BIN / name
    return str(path) if path.exists() else name


@pytest.fixture
def dagster_home(tmp_path: Path) -> Path:
    """A fresh DAGSTER_HOME with deploy/dagster.yaml, as `make serve` prepares it."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(DEPLOY_DIR / "dagster.yaml", home / "dagster.yaml")
    return home


@pytest.fixture
def deploy_instance(dagster_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    try:
        yield instance
    finally:
        instance.dispose()


@pytest.fixture
def sources_env(
    tmp_path: Path, dagster_home: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """os.environ for a multi-source deployment of the test sources file (no credentials set:
    loading definitions and ticking the schedule must not need them)."""
    for name in (*SOURCE_VARS, "SMS_DATA_DIR", "SMS_SCHEDULE_CRON", "SMS_EXECUTOR"):
        monkeypatch.delenv(name, raising=False)
    sources = tmp_path / "sources.yaml"
    sources.write_text(SOURCES_YAML)
    monkeypatch.setenv("SMS_SOURCES", str(sources))
    monkeypatch.setenv("SMS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    return {"SMS_SOURCES": str(sources), "SMS_DATA_DIR": str(tmp_path / "data")}
