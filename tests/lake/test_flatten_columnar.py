"""The columnar fast path stores exactly what the validating path stores, or steps aside."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lake_pages import SNAPSHOT_AT, SNAPSHOT_ID
from test_flatten_properties import tasks_lists

from pipelines.lake.columnar import columnar_tables
from pipelines.lake.flatten import flatten_tasks
from pipelines.lake.schema import FLAT_TABLES

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FULL_TASK = json.loads((FIXTURES / "full_task.json").read_text())


def assert_same_as_validated(tasks: list[Any]) -> None:
    fast = flatten_tasks(copy.deepcopy(tasks), SNAPSHOT_ID, SNAPSHOT_AT)
    slow = flatten_tasks(copy.deepcopy(tasks), SNAPSHOT_ID, SNAPSHOT_AT, columnar=False)
    for table in FLAT_TABLES:
        assert fast[table].equals(slow[table]), table
    assert fast.unknown_fields == slow.unknown_fields


def task_with(number: int, **changes: Any) -> dict[str, Any]:
    task = copy.deepcopy(FULL_TASK)
    task["id"] = f"t-{number}"
    task.update(changes)
    return task


def test_clean_tasks_take_the_fast_path_and_match(seed_tasks):
    tasks = [*seed_tasks, task_with(1), task_with(2, sub_tasks=[], source_server=None)]
    assert columnar_tables(tasks, SNAPSHOT_ID, SNAPSHOT_AT) is not None
    assert_same_as_validated(tasks)


def test_unknown_fields_are_kept_on_the_fast_path():
    tasks = [task_with(1, brand_new={"x": 1}), task_with(2)]
    tasks[1]["clone_server"]["colour"] = "blue"
    tasks[1]["sub_tasks"][0]["extra_bit"] = [1, 2]
    assert columnar_tables(tasks, SNAPSHOT_ID, SNAPSHOT_AT) is not None
    assert_same_as_validated(tasks)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("priority", 1.0),  # Arrow's int conversion would take (and truncate) a float
        ("priority", True),
        ("migrate_speed", True),  # Arrow's float conversion would take true as 1.0
        ("migrate_speed", False),
        ("migrate_speed", float("nan")),
        ("create_date", -1),
        ("create_date", 2**63),
        ("speed_limit", 2**31),
        ("speed_limit", "42"),  # accepted by the coercion policy, via the validating path
        ("source_server", [["id", "s-1"]]),  # Arrow would read key/value pairs as a struct
        ("source_server", []),
        ("sub_tasks", [None]),
        ("sub_tasks", ""),
        ("name", "\ud800"),
        ("id", None),
    ],
)
def test_values_the_fast_path_cannot_store_exactly_go_the_validating_way(field, value):
    tasks = [task_with(1), task_with(2, **{field: value})]
    assert columnar_tables(tasks, SNAPSHOT_ID, SNAPSHOT_AT) is None
    assert_same_as_validated(tasks)


def test_a_boolean_in_a_nested_double_is_caught():
    tasks = [task_with(1)]
    tasks[0]["network_check_info"]["cpu_usage"] = True
    assert columnar_tables(tasks, SNAPSHOT_ID, SNAPSHOT_AT) is None
    assert_same_as_validated(tasks)


@settings(max_examples=100, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(tasks_lists)
def test_both_paths_agree_on_damaged_tasks(tasks):
    assert_same_as_validated(tasks)


@settings(max_examples=60, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=5))
def test_both_paths_agree_on_varied_child_counts(counts):
    tasks = []
    for number, count in enumerate(counts):
        task = task_with(number)
        task["sub_tasks"] = (task["sub_tasks"] * 4)[:count]
        task["special_config"] = (task["special_config"] * 4)[: 3 - count] or None
        tasks.append(task)
    assert columnar_tables(tasks, SNAPSHOT_ID, SNAPSHOT_AT) is not None
    assert_same_as_validated(tasks)
