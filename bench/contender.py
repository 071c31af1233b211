"""What every contender receives and returns, so the child runner can treat them alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# The API's offset range ends here (sms-api.md): page size 200 reaches at most 65,735 tasks.
MAX_OFFSET = 65_535


@dataclass(frozen=True)
class RunContext:
    """One contender run: where the API is, how to authenticate, where to write."""

    base_url: str
    token: str
    workdir: Path
    page_size: int = 200

    @property
    def tasks_url(self) -> str:
        return f"{self.base_url}/v3/tasks"


@dataclass
class ContenderRun:
    """The timed region's duration plus anything a contender wants reported alongside."""

    seconds: float
    details: dict[str, float | int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    """Task rows a contender wrote, read back from its own output after timing."""

    rows: int
    distinct_ids: int
