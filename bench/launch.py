"""Start one contender run in a fresh child process and collect its JSON result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.child import RESULT_PREFIX, TOKEN_ENV
from pipelines.lake.allocator import POOL_ENV, USER_POOL

CHILD_TIMEOUT_S = 900.0


class ContenderFailed(RuntimeError):
    """A contender's process failed; the message carries its exit code and stderr tail."""


@dataclass(frozen=True)
class ChildResult:
    contender: str
    seconds: float
    process_s: float  # the child's whole life: interpreter start, imports, work, read-back
    peak_rss_mb: float
    rows: int
    distinct_ids: int
    details: dict[str, float | int | str] = field(default_factory=dict)


def child_environment() -> dict[str, str]:
    """This environment, with the repo importable and bytecode caching back on.

    With ``PYTHONDONTWRITEBYTECODE`` set, every run would recompile each lazily imported
    module from source inside its timed region — seconds that no installed deployment pays.
    Arrow's pool goes back to what the user chose: importing ``pipelines`` here set ours,
    which the other contenders must not inherit (our children set it again themselves).
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if USER_POOL is None:
        env.pop(POOL_ENV, None)
    repo_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (repo_root, env.get("PYTHONPATH")) if p)
    return env


def run_child(
    contender: str,
    base_url: str,
    token: str,
    workdir: Path,
    log_path: Path,
    page_size: int = 200,
    timeout_s: float = CHILD_TIMEOUT_S,
) -> ChildResult:
    """Run ``python -m bench.child`` once; its stderr goes to ``log_path``."""
    command = [
        sys.executable,
        *("-m", "bench.child", contender),
        *("--base-url", base_url, "--workdir", str(workdir), "--page-size", str(page_size)),
    ]
    env = child_environment()
    env[TOKEN_ENV] = token
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(log_path, "ab") as log:
        try:
            done = subprocess.run(
                command, env=env, stdout=subprocess.PIPE, stderr=log, timeout=timeout_s
            )
        except subprocess.TimeoutExpired:
            raise ContenderFailed(f"{contender} did not finish within {timeout_s:.0f} s") from None
    process_s = time.perf_counter() - started
    lines = [ln for ln in done.stdout.decode(errors="replace").splitlines() if ln.strip()]
    if done.returncode != 0 or not lines or not lines[-1].startswith(RESULT_PREFIX):
        tail = log_path.read_text(errors="replace")[-1500:]
        raise ContenderFailed(f"{contender} exited with code {done.returncode}: {tail}")
    payload = json.loads(lines[-1][len(RESULT_PREFIX) :])
    return ChildResult(
        contender=contender,
        seconds=float(payload["seconds"]),
        process_s=process_s,
        peak_rss_mb=float(payload["peak_rss_mb"]),
        rows=int(payload["rows"]),
        distinct_ids=int(payload["distinct_ids"]),
        details=dict(payload.get("details") or {}),
    )
