"""The account's task list: ordered, filterable, with each task pre-serialised.

Listing order is newest ``create_date`` first, then ``id``. Each task's JSON
bytes are built once with orjson and reused until the task changes, so a page
is a slice plus a ``b",".join`` — a few ms even for 65,735+ tasks.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from .data import TaskFactory
from .plan import TaskPlan, render


@dataclass(frozen=True)
class TaskFilter:
    """The listing filters of ``GET /v3/tasks``; ``None`` means not filtered."""

    state: str | None = None
    name: str | None = None
    id: str | None = None
    source_server_id: str | None = None
    enterprise_project_id: str | None = None

    def matches(self, task: dict[str, Any]) -> bool:
        if self.state is not None and task["state"] != self.state:
            return False
        if self.id is not None and task["id"] != self.id:
            return False
        if self.name is not None and self.name not in task["name"]:
            return False
        if self.enterprise_project_id is not None and (
            task["enterprise_project_id"] != self.enterprise_project_id
        ):
            return False
        if self.source_server_id is not None:
            source = task["source_server"]
            if source is None or source["id"] != self.source_server_id:
                return False
        return True

    @property
    def is_empty(self) -> bool:
        return self == NO_FILTER


NO_FILTER = TaskFilter()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building 100k+ nested dicts triggers the cyclic GC over and over; none are cyclic."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _sort_key(task: dict[str, Any]) -> tuple[int, str]:
    return (-task["create_date"], task["id"])


class TaskStore:
    """Thread-safe ordered task list with a JSON byte cache and live plans."""

    def __init__(self, factory: TaskFactory, now: Callable[[], int], initial: int = 0) -> None:
        self.factory = factory
        self._now = now
        self._lock = threading.RLock()
        self._tasks: list[dict[str, Any]] = []
        self._json: dict[str, bytes] = {}
        self._live: dict[str, TaskPlan] = {}
        self._filtered: dict[TaskFilter, list[dict[str, Any]]] = {}
        self.version = 0
        with _gc_paused():
            self._insert(factory.initial(initial, now()))

    # --- reading -----------------------------------------------------------------
    def count(self) -> int:
        with self._lock:
            return len(self._tasks)

    def ids(self) -> list[str]:
        """Task ids in listing order, unfiltered."""
        with self._lock:
            return [task["id"] for task in self._tasks]

    def tasks(self) -> list[dict[str, Any]]:
        """Copies of the tasks exactly as served (decoded from the cached JSON)."""
        with self._lock:
            return [orjson.loads(self._blob(task)) for task in self._tasks]

    def page(self, task_filter: TaskFilter, offset: int, limit: int) -> tuple[int, bytes]:
        """``count`` of matching tasks and the JSON bytes of ``tasks[offset:offset+limit]``."""
        with self._lock:
            matching = self._matching(task_filter)
            chosen = matching[offset : offset + limit]
            return len(matching), b"[" + b",".join(self._blob(t) for t in chosen) + b"]"

    def _matching(self, task_filter: TaskFilter) -> list[dict[str, Any]]:
        if task_filter.is_empty:
            return self._tasks
        cached = self._filtered.get(task_filter)
        if cached is None:
            cached = [task for task in self._tasks if task_filter.matches(task)]
            if len(self._filtered) > 256:
                self._filtered.clear()
            self._filtered[task_filter] = cached
        return cached

    def _blob(self, task: dict[str, Any]) -> bytes:
        blob = self._json.get(task["id"])
        if blob is None:
            blob = orjson.dumps(task)
            self._json[task["id"]] = blob
        return blob

    # --- changing ----------------------------------------------------------------
    def add_tasks(self, n: int) -> list[str]:
        """Create ``n`` READY tasks newer than every existing one; return their ids."""
        if n <= 0:
            return []
        with self._lock:
            after = max(self._now(), self._tasks[0]["create_date"] if self._tasks else 0)
            plans = self.factory.new_arrivals(n, after, after + n * 1000)
            return self._insert(plans)

    def add_arrivals(self, n: int, after_ms: int, until_ms: int) -> list[str]:
        """Tasks created in the simulated interval ``(after_ms, until_ms]``."""
        with self._lock:
            return self._insert(self.factory.new_arrivals(n, after_ms, until_ms))

    def remove_tasks(self, n: int) -> list[str]:
        """Delete the ``n`` newest tasks (at the head of the listing); return their ids."""
        with self._lock:
            removed, self._tasks = self._tasks[:n], self._tasks[n:]
            for task in removed:
                self._json.pop(task["id"], None)
                self._live.pop(task["id"], None)
            self._changed()
            return [task["id"] for task in removed]

    def rerender_live(self, now_ms: int) -> int:
        """Re-render every task that can still change; return how many changed."""
        with self._lock:
            index = {task["id"]: i for i, task in enumerate(self._tasks)}
            changed = 0
            for task_id, plan in list(self._live.items()):
                fresh = render(plan, now_ms)
                position = index[task_id]
                if fresh != self._tasks[position]:
                    self._tasks[position] = fresh
                    self._json.pop(task_id, None)
                    changed += 1
                if not plan.is_live(now_ms):
                    del self._live[task_id]
            self._changed()
            return changed

    def live_count(self) -> int:
        with self._lock:
            return len(self._live)

    def _insert(self, plans: list[TaskPlan]) -> list[str]:
        now_ms = self._now()
        fresh = [render(plan, now_ms) for plan in plans]
        for plan in plans:
            if plan.is_live(now_ms) or (plan.start_ms is not None and plan.start_ms > now_ms):
                self._live[plan.static["id"]] = plan
        fresh.sort(key=_sort_key)
        if self._tasks and fresh and _sort_key(fresh[-1]) > _sort_key(self._tasks[0]):
            self._tasks = self._tasks + fresh
            self._tasks.sort(key=_sort_key)
        else:
            self._tasks = fresh + self._tasks
        self._changed()
        return [task["id"] for task in fresh]

    def _changed(self) -> None:
        self.version += 1
        self._filtered.clear()


def new_store(tasks: int, seed: int, now: Callable[[], int]) -> TaskStore:
    """A store holding ``tasks`` generated tasks, deterministic from ``seed``."""
    return TaskStore(TaskFactory(np.random.default_rng(seed)), now, initial=tasks)
