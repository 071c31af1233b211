"""Schema drift never crashes and never loses a task (``flatten_tasks``, property-based).

Tasks start as a fully populated valid task and receive labelled drift: new fields,
missing fields, numbers sent as strings, huge strings (all storable), or wrong types,
NaN/Infinity and ids of the wrong type (each quarantines its task). The oracle knows
which drift was applied, so it states exactly where each task must end up and, for
stored tasks, the exact value of every ``tasks`` column.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.lake.coerce import TIMESTAMP_MS_MAX, kind_of
from pipelines.lake.flatten import flatten_tasks
from pipelines.lake.schema import JSON_FIELDS, TABLES

FULL_TASK: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "full_task.json").read_text()
)
SNAPSHOT_ID = "20260105T000000Z-0a0b0c"
SNAPSHOT_AT = datetime(2026, 1, 5, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: Top-level scalar task fields by the kind of their lake column.
SCALAR_FIELDS: dict[str, list[str]] = {}
for _column, _path in JSON_FIELDS["tasks"].items():
    if len(_path) == 1 and _path[0] != "id":
        SCALAR_FIELDS.setdefault(kind_of(TABLES["tasks"].field(_column).type), []).append(_column)
NUMERIC_KINDS = ("int32", "int64", "timestamp", "double")
ALL_SCALARS = [name for names in SCALAR_FIELDS.values() for name in names]
KIND_OF_FIELD = {name: kind for kind, names in SCALAR_FIELDS.items() for name in names}

good_number = {
    "int32": st.integers(-(2**31), 2**31 - 1),
    "int64": st.integers(-(2**63), 2**63 - 1),
    "timestamp": st.integers(0, TIMESTAMP_MS_MAX),
    "double": st.floats(allow_nan=False, allow_infinity=False),
}
wrong_type = {
    "string": st.one_of(st.integers(), st.booleans(), st.lists(st.text(max_size=3), max_size=2)),
    "int32": st.one_of(st.booleans(), st.just("ten"), st.just(1.5), st.just({"n": 1})),
    "int64": st.one_of(st.booleans(), st.just("1,000"), st.just(2.0), st.just([3])),
    "timestamp": st.one_of(st.booleans(), st.just("yesterday"), st.integers(max_value=-1)),
    "double": st.one_of(st.booleans(), st.just("fast"), st.just([1.0]), st.just({})),
    "boolean": st.one_of(st.integers(0, 1), st.just("true"), st.just(1.0)),
}
wrong_id = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
    st.booleans(),
    st.just(["x"]),
)
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10))
new_field_value = st.one_of(json_leaf, st.lists(json_leaf, max_size=3))


@dataclass
class DriftedTask:
    """A task and what the oracle expects of it."""

    task: dict[str, Any]
    quarantined: bool = False
    expected: dict[str, Any] = field(default_factory=dict)  # tasks column -> stored value
    new_fields: set[str] = field(default_factory=set)


def _stored(kind: str, value: Any) -> Any:
    """How the lake stores a storable JSON value of ``kind`` (as Arrow gives it back)."""
    if value is None:
        return None
    if kind == "timestamp":
        return EPOCH + timedelta(milliseconds=int(value))
    if kind in ("int32", "int64"):
        return int(value)
    if kind == "double":
        return float(value)
    return value


@st.composite
def drifted_task(draw: st.DrawFn, number: int) -> DriftedTask:
    task = copy.deepcopy(FULL_TASK)
    task["id"] = f"task-{number:04d}"
    drifted = DriftedTask(task)
    for name in draw(st.lists(st.sampled_from(ALL_SCALARS), max_size=4, unique=True)):
        kind = KIND_OF_FIELD[name]
        kinds = ["missing", "wrong_type"]
        kinds += ["as_string"] if kind in NUMERIC_KINDS else []
        kinds += ["nan_inf"] if kind == "double" else []
        kinds += ["huge"] if kind == "string" else []
        drift = draw(st.sampled_from(kinds))
        if drift == "missing":
            del task[name]
        elif drift == "as_string":
            number_value = draw(good_number[kind])
            task[name] = repr(number_value) if kind == "double" else str(number_value)
        elif drift == "huge":
            task[name] = draw(st.sampled_from("xé中🙂")) * draw(st.integers(70_000, 300_000))
        elif drift == "nan_inf":
            task[name] = draw(st.sampled_from([math.nan, math.inf, -math.inf]))
            drifted.quarantined = True
        else:
            task[name] = draw(wrong_type[kind])
            drifted.quarantined = True
    for _ in range(draw(st.integers(0, 2))):
        key = "x_" + draw(st.text("abcdefghij_", min_size=1, max_size=8))
        task[key] = draw(new_field_value)
        drifted.new_fields.add(key)
    if draw(st.integers(0, 9)) == 0:
        bad_id = draw(wrong_id)
        if bad_id is None and draw(st.booleans()):
            del task["id"]
        else:
            task["id"] = bad_id
        drifted.quarantined = True
    if not drifted.quarantined:
        drifted.expected = {
            column: _stored(KIND_OF_FIELD[column], task.get(column)) for column in ALL_SCALARS
        }
    return drifted


@st.composite
def drifted_batches(draw: st.DrawFn) -> list[DriftedTask]:
    size = draw(st.integers(1, 12))
    return [draw(drifted_task(number)) for number in range(size)]


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batch=drifted_batches())
def test_every_task_is_stored_exactly_or_quarantined_with_a_reason(
    batch: list[DriftedTask],
) -> None:
    flat = flatten_tasks([d.task for d in batch], SNAPSHOT_ID, SNAPSHOT_AT)

    stored = [d for d in batch if not d.quarantined]
    quarantined = [d for d in batch if d.quarantined]
    tasks_rows = flat["tasks"].to_pylist()
    quarantine_rows = flat["quarantine"].to_pylist()
    assert len(tasks_rows) + len(quarantine_rows) == len(batch)
    assert [row["id"] for row in tasks_rows] == [d.task["id"] for d in stored]
    for row, expected in zip(tasks_rows, stored, strict=True):
        assert {column: row[column] for column in ALL_SCALARS} == expected.expected
        extra = json.loads(row["extra"]) if row["extra"] is not None else {}
        assert set(extra) == expected.new_fields
        assert extra == {key: expected.task[key] for key in expected.new_fields}
    assert flat.unknown_fields == {f"tasks.{key}" for d in stored for key in d.new_fields}
    assert flat["sub_tasks"].num_rows == 2 * len(stored)
    assert flat["special_configs"].num_rows == 2 * len(stored)
    assert flat["source_servers"].num_rows == flat["target_servers"].num_rows == len(stored)

    assert len(quarantine_rows) == len(quarantined)
    for row, expected in zip(quarantine_rows, quarantined, strict=True):
        task_id = expected.task.get("id")
        assert row["task_id"] == (task_id if isinstance(task_id, str) else None)
        assert row["reason"] and row["table_name"] == "tasks"
        assert row["snapshot_id"] == SNAPSHOT_ID
        raw = json.loads(row["raw"])
        assert raw.get("id") == task_id


def test_numbers_sent_as_strings_are_stored_as_numbers() -> None:
    task = {
        **copy.deepcopy(FULL_TASK),
        "priority": "2",
        "total_time": "5400000",
        "create_date": "1700000000000",
        "migrate_speed": "87.5",
    }
    flat = flatten_tasks([task], SNAPSHOT_ID, SNAPSHOT_AT)

    row = flat["tasks"].to_pylist()[0]
    assert (row["priority"], row["total_time"], row["migrate_speed"]) == (2, 5_400_000, 87.5)
    assert row["create_date"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert flat["quarantine"].num_rows == 0


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (math.nan, "expected a finite number, got number nan"),
        (math.inf, "expected a finite number, got number inf"),
        ("Infinity", 'expected number, got string "Infinity"'),
    ],
)
def test_nan_and_infinity_quarantine_the_task_with_the_reason(value: Any, reason: str) -> None:
    task = {**copy.deepcopy(FULL_TASK), "migrate_speed": value}
    flat = flatten_tasks([task], SNAPSHOT_ID, SNAPSHOT_AT)

    assert flat["tasks"].num_rows == 0
    row = flat["quarantine"].to_pylist()[0]
    assert (row["task_id"], row["field"], row["reason"]) == (
        FULL_TASK["id"],
        "migrate_speed",
        reason,
    )


@pytest.mark.parametrize(
    "where",
    ["name", "new_field", "sub_task_name", "id"],
)
def test_lone_surrogates_never_crash_the_flattener(where: str) -> None:
    """orjson refuses them in a body, but ``flatten_tasks`` takes any parsed JSON (stdlib
    ``json`` accepts ``"\\ud800"``): the task must be stored or quarantined, not crash."""
    task = copy.deepcopy(FULL_TASK)
    bad = "half \ud800 pair"
    if where == "name":
        task["name"] = bad
    elif where == "new_field":
        task["x_note"] = bad
    elif where == "sub_task_name":
        task["sub_tasks"][0]["name"] = bad
    else:
        task["id"] = bad
    good = {**copy.deepcopy(FULL_TASK), "id": "good-task"}

    flat = flatten_tasks([task, good], SNAPSHOT_ID, SNAPSHOT_AT)

    assert flat["tasks"]["id"].to_pylist() == ["good-task"]
    row = flat["quarantine"].to_pylist()[0]
    assert row["reason"]
    assert "\ud800" not in row["raw"]  # the raw text stays valid UTF-8 (escaped)
