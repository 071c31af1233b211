"""Helpers of the lake tests: a Page stand-in and fixed snapshot identity."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

SNAPSHOT_AT = datetime(2024, 5, 1, 12, 30, 0, tzinfo=UTC)
SNAPSHOT_ID = "20240501T123000Z-a1b2c3"


@dataclass(frozen=True)
class Page:
    """Stand-in with exactly the fields of the client's ``Page`` (the lake's ``PageLike``)."""

    params: dict[str, Any]
    received_at: datetime
    request_id: str | None
    body: bytes
    count: int
    tasks: list[Any]


def make_page(tasks: list[Any], *, offset: int = 0, count: int | None = None) -> Page:
    """A page whose body is the JSON the API would send for ``tasks``."""
    total = len(tasks) if count is None else count
    body = orjson.dumps({"count": total, "tasks": tasks})
    return Page(
        params={"limit": 200, "offset": offset},
        received_at=SNAPSHOT_AT,
        request_id=f"req-{offset}",
        body=body,
        count=total,
        tasks=orjson.loads(body)["tasks"],
    )


def task_with_id(base: dict[str, Any], task_id: str) -> dict[str, Any]:
    """A deep copy of ``base`` under another id."""
    task = copy.deepcopy(base)
    task["id"] = task_id
    return task
