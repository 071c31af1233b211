"""A task with any value of the wrong type goes whole to quarantine, with the exact reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from lake_pages import SNAPSHOT_AT, SNAPSHOT_ID, task_with_id

from pipelines.lake.flatten import flatten_tasks

Task = dict[str, Any]


def setter(*path: str | int, value: Any) -> Callable[[Task], None]:
    """A mutation that sets ``task[path...] = value``."""

    def mutate(task: Task) -> None:
        target: Any = task
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def appender(key: str, value: Any) -> Callable[[Task], None]:
    return lambda task: task[key].append(value)


def remover(key: str) -> Callable[[Task], None]:
    return lambda task: task.pop(key)


# (case id, mutation of the full task, table_name, field, reason)
CASES = [
    ("string for int", setter("priority", value="high"), "tasks", "priority",
     'expected integer, got string "high"'),
    ("padded numeric string", setter("priority", value=" 2"), "tasks", "priority",
     'expected integer, got string " 2"'),
    ("bool for int", setter("priority", value=True), "tasks", "priority",
     "expected integer, got boolean true"),
    ("float for int", setter("total_time", value=1.5), "tasks", "total_time",
     "expected integer, got number 1.5"),
    ("int for bool", setter("start_target_server", value=1), "tasks", "start_target_server",
     "expected boolean, got integer 1"),
    ("string for bool", setter("syncing", value="true"), "tasks", "syncing",
     'expected boolean, got string "true"'),
    ("bool for double", setter("migrate_speed", value=False), "tasks", "migrate_speed",
     "expected number, got boolean false"),
    ("nan", setter("migrate_speed", value=float("nan")), "tasks", "migrate_speed",
     "expected a finite number, got number nan"),
    ("infinity", setter("compress_rate", value=float("inf")), "tasks", "compress_rate",
     "expected a finite number, got number inf"),
    ("infinity as text", setter("compress_rate", value="Infinity"), "tasks", "compress_rate",
     'expected number, got string "Infinity"'),
    ("malformed number text", setter("compress_rate", value="1.5.2"), "tasks", "compress_rate",
     'expected number, got string "1.5.2"'),
    ("int too big for double", setter("total_cpu_usage", value=10**400), "tasks",
     "total_cpu_usage", "integer out of double range"),
    ("int32 overflow", setter("speed_limit", value=2**31), "tasks", "speed_limit",
     "integer 2147483648 out of int32 range"),
    ("int64 overflow", setter("total_time", value=2**63), "tasks", "total_time",
     "integer 9223372036854775808 out of int64 range"),
    ("number for string", setter("name", value=5), "tasks", "name",
     "expected string, got integer 5"),
    ("id not a string", setter("id", value=123), "tasks", "id",
     "expected string, got integer 123"),
    ("negative timestamp", setter("create_date", value=-1), "tasks", "create_date",
     "epoch milliseconds -1 outside 1970-01-01..9999-12-31"),
    ("date text for timestamp", setter("estimate_complete_time", value="2024-01-01"), "tasks",
     "estimate_complete_time", 'expected integer, got string "2024-01-01"'),
    ("timestamp after 9999", setter("sub_tasks", 0, "end_date", value=253402300800000),
     "sub_tasks", "sub_tasks[0].end_date",
     "epoch milliseconds 253402300800000 outside 1970-01-01..9999-12-31"),
    ("sub-task id not int", setter("sub_tasks", 1, "id", value="abc"), "sub_tasks",
     "sub_tasks[1].id", 'expected integer, got string "abc"'),
    ("sub-task progress float", setter("sub_tasks", 1, "progress", value=42.5), "sub_tasks",
     "sub_tasks[1].progress", "expected integer, got number 42.5"),
    ("sub_tasks not a list", setter("sub_tasks", value="none"), "sub_tasks", "sub_tasks",
     'expected array, got string "none"'),
    ("sub-task not an object", appender("sub_tasks", 5), "sub_tasks", "sub_tasks[2]",
     "expected object, got integer 5"),
    ("source server bool as text", setter("source_server", "oem_system", value="false"),
     "source_servers", "source_server.oem_system", 'expected boolean, got string "false"'),
    ("source server id not a string", setter("source_server", "id", value=7),
     "source_servers", "source_server.id", "expected string, got integer 7"),
    ("target server not an object", setter("target_server", value="x"), "target_servers",
     "target_server", 'expected object, got string "x"'),
    ("config value not a string", setter("special_config", 1, "config_value", value=50),
     "special_configs", "special_config[1].config_value", "expected string, got integer 50"),
    ("special_config an object", setter("special_config", value={}), "special_configs",
     "special_config", "expected array, got object"),
    ("prefixed field wrong", setter("network_check_info", "network_delay", value="fast"), "tasks",
     "network_check_info.network_delay", 'expected number, got string "fast"'),
    ("prefixed object an array", setter("clone_server", value=[]), "tasks", "clone_server",
     "expected object, got array"),
    ("lone surrogate in a string", setter("name", value="a\ud800b"), "tasks", "name",
     "text is not valid UTF-8 (lone surrogate)"),
    ("lone surrogate in a sub-task", setter("sub_tasks", 0, "name", value="\udfff"), "sub_tasks",
     "sub_tasks[0].name", "text is not valid UTF-8 (lone surrogate)"),
    ("lone surrogate in an unknown field", setter("x_note", value="\ud800"), "tasks", "x_note",
     "text is not valid UTF-8 (lone surrogate)"),
]  # fmt: skip


def flatten(tasks: list[Any]):
    return flatten_tasks(tasks, SNAPSHOT_ID, SNAPSHOT_AT)


@pytest.mark.parametrize(
    ("mutate", "table_name", "field", "reason"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_wrong_value_quarantines_the_whole_task(full_task, mutate, table_name, field, reason):
    bad = task_with_id(full_task, "t-bad")
    mutate(bad)
    good = task_with_id(full_task, "t-good")
    batch = flatten([good, bad])

    quarantine = batch["quarantine"].to_pylist()
    bad_id = bad["id"] if isinstance(bad["id"], str) else None
    assert [(q["task_id"], q["table_name"], q["field"], q["reason"]) for q in quarantine] == [
        (bad_id, table_name, field, reason)
    ]
    raw = json.loads(quarantine[0]["raw"])  # json: also reads integers beyond 64 bits
    assert (raw.keys(), raw["id"]) == (bad.keys(), bad["id"])
    assert quarantine[0]["snapshot_id"] == SNAPSHOT_ID
    assert batch["tasks"]["id"].to_pylist() == ["t-good"]
    for table in ("sub_tasks", "source_servers", "target_servers", "special_configs"):
        assert set(batch[table]["task_id"].to_pylist()) == {"t-good"}, table
    assert batch["sub_tasks"].num_rows == 2
    assert batch["special_configs"].num_rows == 2


def test_missing_id_is_quarantined_without_a_task_id(full_task):
    bad = task_with_id(full_task, "ignored")
    del bad["id"]
    batch = flatten([bad])
    [row] = batch["quarantine"].to_pylist()
    assert (row["task_id"], row["table_name"], row["field"], row["reason"]) == (
        None,
        "tasks",
        "id",
        "missing task id",
    )
    assert batch["tasks"].num_rows == 0 and batch["sub_tasks"].num_rows == 0


@pytest.mark.parametrize(
    ("task", "reason"),
    [
        ([1, 2], "task is not a JSON object: array"),
        ("abc", 'task is not a JSON object: string "abc"'),
        (None, "task is not a JSON object: null"),
    ],
)
def test_a_task_that_is_not_an_object_is_quarantined(task, reason):
    batch = flatten([task, {"id": "t-good"}])
    [row] = batch["quarantine"].to_pylist()
    assert (row["task_id"], row["table_name"], row["field"], row["reason"]) == (
        None,
        "tasks",
        None,
        reason,
    )
    assert row["raw"] == orjson.dumps(task).decode()
    assert batch["tasks"]["id"].to_pylist() == ["t-good"]


def test_the_first_problem_in_table_then_field_order_is_reported(full_task):
    bad = task_with_id(full_task, "t-bad")
    bad["sub_tasks"][0]["progress"] = "x"
    bad["special_config"][0]["config_key"] = 1
    bad["total_time"] = "y"
    bad["priority"] = "z"
    [row] = flatten([bad])["quarantine"].to_pylist()
    assert (row["field"], row["reason"]) == ("priority", 'expected integer, got string "z"')


def test_every_input_task_is_stored_or_quarantined_in_input_order(full_task):
    tasks = [task_with_id(full_task, f"t-{i}") for i in range(6)]
    tasks[1]["priority"] = "high"
    tasks[3]["sub_tasks"][0]["id"] = 1.5
    tasks[4] = "not a task"
    batch = flatten(tasks)
    assert batch["tasks"]["id"].to_pylist() == ["t-0", "t-2", "t-5"]
    assert batch["quarantine"]["task_id"].to_pylist() == ["t-1", "t-3", None]
    assert batch.quarantined == 3
    assert batch["sub_tasks"]["task_id"].to_pylist() == ["t-0", "t-0", "t-2", "t-2", "t-5", "t-5"]


def test_unknown_fields_of_quarantined_tasks_are_not_reported(full_task):
    bad = task_with_id(full_task, "t-bad")
    bad["priority"] = "high"
    bad["brand_new"] = 1
    batch = flatten([bad])
    assert batch["quarantine"]["raw"].to_pylist() == [orjson.dumps(bad).decode()]
    assert batch.unknown_fields == frozenset()
    assert batch.quarantined == 1


def test_a_task_id_with_a_lone_surrogate_is_quarantined_without_an_id(full_task):
    bad = task_with_id(full_task, "half \ud800 pair")
    [row] = flatten([bad])["quarantine"].to_pylist()
    assert (row["task_id"], row["field"], row["reason"]) == (
        None,
        "id",
        "text is not valid UTF-8 (lone surrogate)",
    )
    assert "\ud800" not in row["raw"] and json.loads(row["raw"])["id"] == "half \ud800 pair"
