"""`sms-simulator` starts, serves real requests, and exits 0 on SIGTERM / Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import requests

from pipelines.simulator import DEMO_SK, DEMO_TOKEN


def start_cli(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    """Start the CLI on a free port; return the process, its base URL and its banner."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.simulator.cli", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    banner = ""
    while "Press Ctrl-C" not in banner:
        line = process.stdout.readline()
        assert line, banner + (process.stderr.read() if process.stderr else "")
        banner += line
    match = re.search(r"(http://127\.0\.0\.1:\d+)/v3/tasks", banner)
    assert match, banner
    return process, match.group(1), banner


def test_cli_serves_tasks_and_stops_cleanly() -> None:
    process, base_url, banner = start_cli("--tasks", "40", "--seed", "3", "--throttle-burst", "1")
    try:
        url = f"{base_url}/v3/tasks"
        headers = {"X-Auth-Token": DEMO_TOKEN}
        assert requests.get(url, headers=headers, timeout=10).status_code == 429
        page = requests.get(url, params={"limit": 5}, headers=headers, timeout=10).json()
        assert page["count"] == 40 and len(page["tasks"]) == 5
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert DEMO_SK not in banner + out
    assert "the documented demo SK" in banner
    assert "stopped." in out


def test_cli_sigint_exits_zero_and_custom_sk_is_not_printed() -> None:
    process, _, banner = start_cli("--tasks", "3", "--sk", "my-private-sk")
    try:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)  # generous: CI machines can be loaded
    finally:
        process.kill()  # no-op once it exited; never leave a server behind
    assert process.returncode == 0, err
    assert "my-private-sk" not in banner + out + err
    assert "custom (not shown)" in banner


def test_cli_rejects_bad_arguments_without_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.simulator.cli", "--tasks", "-5"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2
    assert "--tasks must be >= 0" in result.stderr
    assert "Traceback" not in result.stderr
