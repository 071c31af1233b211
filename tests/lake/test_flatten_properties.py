"""Properties over arbitrary damage: every task is stored whole or quarantined, never half."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lake_pages import SNAPSHOT_AT, SNAPSHOT_ID

from pipelines.lake.flatten import flatten_tasks
from pipelines.lake.schema import FLAT_TABLES, TABLES

FULL_TASK = json.loads((Path(__file__).parent.parent / "fixtures" / "full_task.json").read_text())

json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["42", "-7", "1.5e3", "1700000000000", "nan", ""]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def leaf_paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside the task (objects and list elements included)."""
    paths = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            paths += leaf_paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            paths += leaf_paths(inner, (*prefix, index))
    return paths


PATHS = leaf_paths(FULL_TASK)


@st.composite
def damaged_task(draw: st.DrawFn, number: int) -> dict[str, Any]:
    task = copy.deepcopy(FULL_TASK)
    task["id"] = f"t-{number}"
    for path in draw(st.lists(st.sampled_from(PATHS), max_size=3)):
        target: Any = task
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced a parent of this path
    if isinstance(task.get("id"), str) or draw(st.booleans()):
        task["id"] = f"t-{number}"  # readable ids stay distinct, as the listing guarantees
    return task


tasks_lists = st.integers(min_value=1, max_value=6).flatmap(
    lambda n: st.tuples(*(damaged_task(i) for i in range(n))).map(list)
)


def child_count(task: dict[str, Any], key: str) -> int:
    value = task.get(key)
    return (1 if value is not None else 0) if key.endswith("server") else len(value or [])


@settings(max_examples=100, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(tasks_lists)
def test_each_task_is_stored_whole_or_quarantined(tasks):
    batch = flatten_tasks(tasks, SNAPSHOT_ID, SNAPSHOT_AT)
    stored = batch["tasks"]["id"].to_pylist()
    assert len(stored) + batch.quarantined == len(tasks)
    assert not set(stored) & set(batch["quarantine"]["task_id"].to_pylist())
    for table in FLAT_TABLES:
        assert batch[table].schema.equals(TABLES[table]), table

    by_id = {task["id"]: task for task in tasks if isinstance(task.get("id"), str)}
    children = {"sub_tasks": "sub_tasks", "special_configs": "special_config",
                "source_servers": "source_server", "target_servers": "target_server"}  # fmt: skip
    for table, key in children.items():
        owners = batch[table]["task_id"].to_pylist()
        assert set(owners) <= set(stored), table
        for task_id in stored:
            assert owners.count(task_id) == child_count(by_id[task_id], key), (table, task_id)


@settings(max_examples=100, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(tasks_lists)
def test_a_stored_task_is_stored_the_same_whatever_its_neighbours(tasks):
    """Bad neighbours send a column down the careful path; it must agree with the fast one."""
    batch = flatten_tasks(tasks, SNAPSHOT_ID, SNAPSHOT_AT)
    stored = set(batch["tasks"]["id"].to_pylist())
    for task in tasks:
        if not isinstance(task.get("id"), str) or task["id"] not in stored:
            continue
        alone = flatten_tasks([task], SNAPSHOT_ID, SNAPSHOT_AT)
        for table in FLAT_TABLES[:-1]:
            key = "id" if table == "tasks" else "task_id"
            rows = [r for r in batch[table].to_pylist() if r[key] == task["id"]]
            assert rows == alone[table].to_pylist(), table
