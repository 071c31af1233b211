"""A bad setting is one clear error before any request: in the settings and through the CLI.

Each case pairs an otherwise valid environment (pointing at a live simulator) with one
mistake. The settings layer must raise ``SettingsError`` naming the variable, and
``sms-analytics run`` must print exactly one line (on stderr, like every CLI error), exit
non-zero, show no traceback and send no request (the simulator's request log stays empty).
Secrets never appear.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.delivery.cli import main
from pipelines.settings import SettingsError, ensure_writable_dir, load_source_settings
from pipelines.simulator import DEMO_TOKEN, SimulatorServer

from .conftest import StartSimulator
from .pipeline_runs import PIPELINE_VARS

CANARY_AK = "CANARYAKBADSETTINGS0001"
CANARY_TOKEN = "canary-token-bad-settings-0001"


@dataclass(frozen=True)
class BadSetting:
    key: str
    env: Callable[[SimulatorServer, Path], dict[str, str]]
    phrase: str  # what the one line must say


def _valid(sim: SimulatorServer, data_dir: Path) -> dict[str, str]:
    return {
        "SMS_ENDPOINT": sim.base_url,
        "SMS_AUTH_TOKEN": DEMO_TOKEN,
        "SMS_DATA_DIR": str(data_dir),
    }


def _blocked_data_dir(data_dir: Path) -> Path:
    """A data dir that cannot be created: a regular file sits where a parent should be.

    (Permission bits do not stop root, who runs CI containers; a file in the way does.)
    """
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    blocker = data_dir.parent / "not-a-directory"
    blocker.write_text("")
    return blocker / "data"


BAD_SETTINGS = (
    BadSetting(
        "page_size_500",
        lambda sim, d: {**_valid(sim, d), "SMS_PAGE_SIZE": "500"},
        "SMS_PAGE_SIZE must be between 1 and 200, got 500",
    ),
    BadSetting(
        "negative_concurrency",
        lambda sim, d: {**_valid(sim, d), "SMS_CONCURRENCY": "-4"},
        "SMS_CONCURRENCY must be between 1 and 64, got -4",
    ),
    BadSetting(
        "endpoint_not_http",
        lambda sim, d: {**_valid(sim, d), "SMS_ENDPOINT": "ftp://sms.example.com"},
        "SMS_ENDPOINT must be an http(s) URL",
    ),
    BadSetting(
        "endpoint_without_scheme",
        lambda sim, d: {**_valid(sim, d), "SMS_ENDPOINT": "sms.cn-north-4.myhuaweicloud.com"},
        "SMS_ENDPOINT must be an http(s) URL",
    ),
    BadSetting(
        "ak_without_sk",
        lambda sim, d: {
            **_valid(sim, d),
            "SMS_AUTH_TOKEN": "",
            "CLOUD_SDK_AK": CANARY_AK,
            "SMS_PROJECT_ID": "p1",
        },
        "CLOUD_SDK_AK is set but CLOUD_SDK_SK is not",
    ),
    BadSetting(
        "unknown_region",
        lambda sim, d: {
            "SMS_REGION": "mars-north-1",
            "SMS_AUTH_TOKEN": CANARY_TOKEN,
            "SMS_DATA_DIR": str(d),
        },
        "SMS_REGION 'mars-north-1' is not a known region",
    ),
    BadSetting(
        "unwritable_data_dir",
        lambda sim, d: {**_valid(sim, d), "SMS_DATA_DIR": str(_blocked_data_dir(d))},
        "is not writable",
    ),
)
IDS = [case.key for case in BAD_SETTINGS]


def _settings_error(env: dict[str, str]) -> SettingsError:
    with pytest.raises(SettingsError) as raised:
        load_source_settings(env)
        ensure_writable_dir(Path(env["SMS_DATA_DIR"]))
    return raised.value


@pytest.mark.parametrize("case", BAD_SETTINGS, ids=IDS)
def test_settings_reject_with_one_clear_sentence(
    case: BadSetting, start_simulator: StartSimulator, tmp_path: Path
) -> None:
    sim = start_simulator(tasks=50)
    error = _settings_error(case.env(sim, tmp_path / "data"))

    message = str(error)
    assert case.phrase in message
    assert "\n" not in message
    for secret in (CANARY_AK, CANARY_TOKEN, DEMO_TOKEN):
        assert secret not in message
    assert sim.requests == []


@pytest.mark.parametrize("case", BAD_SETTINGS, ids=IDS)
def test_cli_run_prints_one_line_and_sends_nothing(
    case: BadSetting,
    start_simulator: StartSimulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    sim = start_simulator(tasks=50)
    for name in PIPELINE_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in case.env(sim, tmp_path / "data").items():
        monkeypatch.setenv(name, value)

    code = main(["run"])

    out, err = capfd.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0
    assert (len(lines), out) == (1, ""), out + err
    assert case.phrase in lines[0]
    assert "Traceback" not in out + err
    for secret in (CANARY_AK, CANARY_TOKEN, DEMO_TOKEN):
        assert secret not in out + err
    assert sim.requests == []


def test_installed_cli_entry_point_reports_bad_setting_without_traceback(
    start_simulator: StartSimulator, tmp_path: Path
) -> None:
    """The real console script in a fresh process: one line on stderr, non-zero exit."""
    sim = start_simulator(tasks=50)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    env.update(_valid(sim, tmp_path / "data"))
    env["SMS_PAGE_SIZE"] = "500"
    script = Path(sys.executable).with_name("sms-analytics")

    done = subprocess.run(
        [str(script), "run"], env=env, capture_output=True, text=True, timeout=120
    )

    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0
    assert (len(lines), done.stdout) == (1, ""), done.stdout + done.stderr
    assert "SMS_PAGE_SIZE must be between 1 and 200, got 500" in lines[0]
    assert "Traceback" not in done.stdout + done.stderr
    assert sim.requests == []
