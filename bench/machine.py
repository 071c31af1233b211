"""Where and when a benchmark ran: numbers mean little without the machine behind them."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class MachineInfo:
    cpu_model: str
    cores: int
    ram_gb: float
    python: str
    platform: str
    date: str
    git_commit: str
    git_dirty: bool
    load_average_1m: float  # at the start: other work on the machine skews every figure

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def cpu_model() -> str:
    """The CPU's marketing name from /proc/cpuinfo (Linux), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def ram_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def describe_machine(repo: Path) -> MachineInfo:
    return MachineInfo(
        cpu_model=cpu_model(),
        cores=os.cpu_count() or 1,
        ram_gb=ram_gb(),
        python=platform.python_version(),
        platform=platform.platform(terse=True),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        git_commit=_git(repo, "rev-parse", "--short=12", "HEAD") or "unknown",
        git_dirty=bool(_git(repo, "status", "--porcelain")),
        load_average_1m=round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else -1.0,
    )
