"""Flatten parsed API tasks into the lake's Arrow tables, quarantining whole tasks.

Every input task ends up either fully in the tables (its ``tasks`` row and all its child
rows) or as one ``quarantine`` row with the first reason found — never half, never dropped.
Work is columnar: one pass over the tasks checks structure and collects child records, then
each column is gathered with a comprehension and built by Arrow (see :mod:`coerce`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from pipelines.lake.coerce import NOT_UTF8, describe, escaped, is_utf8, to_arrow
from pipelines.lake.columnar import arrow_tables, columnar_tables
from pipelines.lake.extras import find_extras, json_text
from pipelines.lake.schema import (
    FLAT_TABLES,
    JSON_FIELDS,
    PREFIXED_OBJECTS,
    RECORD_SOURCES,
    TABLES,
    TS,
)

#: ``tasks`` columns read from a child object are validated (and reported) by that child table.
_CHECKED_ELSEWHERE = frozenset({"source_server_id", "target_server_id"})
_TABLE_RANK = {table: rank for rank, table in enumerate(FLAT_TABLES)}


@dataclass(frozen=True)
class FlatBatch:
    """One Arrow table per flattened lake table, and the unknown fields seen.

    ``unknown_fields`` holds dotted paths (``tasks.foo``, ``sub_tasks.bar``,
    ``tasks.clone_server.baz``) of fields kept in an ``extra`` column of a stored row.
    """

    tables: dict[str, pa.Table]
    unknown_fields: frozenset[str]

    def __getitem__(self, table: str) -> pa.Table:
        return self.tables[table]

    @property
    def quarantined(self) -> int:
        """Tasks that went to quarantine."""
        return self.tables["quarantine"].num_rows


@dataclass(frozen=True)
class _Problem:
    """Why a task cannot be stored; ``rank`` orders problems so the first is reported."""

    rank: tuple[int, int, int]
    table: str
    field: str | None
    reason: str


@dataclass
class _Records:
    """The records bound for one table, and which task (index into ``tasks``) owns each."""

    rows: list[dict[str, Any]]
    owners: list[int]
    ordinals: list[int]


def _structural_problem(task: Any) -> _Problem | None:
    """A problem that stops the task from being walked at all, if any."""
    if type(task) is not dict:
        return _Problem((-1, 0, 0), "tasks", None, f"task is not a JSON object: {describe(task)}")
    task_id = task.get("id")
    if task_id is None:
        return _Problem((-1, 0, 0), "tasks", "id", "missing task id")
    if type(task_id) is not str:
        return _Problem((-1, 0, 0), "tasks", "id", f"expected string, got {describe(task_id)}")
    if not is_utf8(task_id):
        return _Problem((-1, 0, 0), "tasks", "id", NOT_UTF8)
    for obj in PREFIXED_OBJECTS:
        value = task.get(obj)
        if value is not None and type(value) is not dict:
            return _Problem((-1, 0, 0), "tasks", obj, f"expected object, got {describe(value)}")
    for table, (key, shape) in RECORD_SOURCES.items():
        value = task.get(key)
        if value is None:
            continue
        if shape == "object":
            if type(value) is not dict:
                reason = f"expected object, got {describe(value)}"
                return _Problem((-1, 0, 0), table, key, reason)
            continue
        if type(value) is not list:
            return _Problem((-1, 0, 0), table, key, f"expected array, got {describe(value)}")
        for ordinal, item in enumerate(value):
            if type(item) is not dict:
                reason = f"expected object, got {describe(item)}"
                return _Problem((-1, 0, 0), table, f"{key}[{ordinal}]", reason)
    return None


def _collect_records(tasks: list[dict[str, Any]]) -> dict[str, _Records]:
    """Child records per table, in task order then list order."""
    collected: dict[str, _Records] = {}
    for table, (key, shape) in RECORD_SOURCES.items():
        rows: list[dict[str, Any]] = []
        owners: list[int] = []
        ordinals: list[int] = []
        for owner, task in enumerate(tasks):
            value = task.get(key)
            if value is None:
                continue
            if shape == "object":
                rows.append(value)
                owners.append(owner)
                ordinals.append(0)
            elif value:
                rows.extend(value)
                owners.extend([owner] * len(value))
                ordinals.extend(range(len(value)))
        collected[table] = _Records(rows, owners, ordinals)
    return collected


def _field_label(table: str, ordinal: int, path: tuple[str, ...]) -> str:
    """The JSON path of a field as quarantine reports it, e.g. ``sub_tasks[2].progress``."""
    if table == "tasks":
        return ".".join(path)
    key, shape = RECORD_SOURCES[table]
    prefix = f"{key}[{ordinal}]" if shape == "array" else key
    return ".".join((prefix, *path))


def _gather(rows: list[dict[str, Any]], path: tuple[str, ...], cache: dict[str, list]) -> list:
    """The values at ``path`` of every row (``None`` where absent)."""
    if len(path) == 1:
        key = path[0]
        return [row.get(key) for row in rows]
    parent, key = path
    if parent not in cache:
        cache[parent] = [row.get(parent) for row in rows]
    return [obj.get(key) if obj is not None else None for obj in cache[parent]]


def _snapshot_columns(n: int, snapshot_id: str, snapshot_at: datetime) -> list[pa.Array]:
    return [
        pa.repeat(pa.scalar(snapshot_id, pa.string()), n),
        pa.repeat(pa.scalar(snapshot_at, TS), n),
    ]


class _TableBuilder:
    """Builds one table's columns and notes the problems of the tasks owning bad values."""

    def __init__(self, table: str, records: _Records, task_ids: list[str]) -> None:
        self.table = table
        self.records = records
        self.task_ids = task_ids

    def build(
        self, snapshot_id: str, snapshot_at: datetime, problems: dict[int, _Problem]
    ) -> tuple[pa.Table, dict[int, list[str]]]:
        """The table (bad values nulled, rows not yet dropped) and unknown fields per row.

        Problems found are merged into ``problems`` (task index -> first problem).
        """
        schema = TABLES[self.table]
        rows, owners, ordinals = self.records.rows, self.records.owners, self.records.ordinals
        snapshot_ids, snapshot_ats = _snapshot_columns(len(rows), snapshot_id, snapshot_at)
        arrays: dict[str, pa.Array] = {"snapshot_id": snapshot_ids, "snapshot_at": snapshot_ats}
        if self.table != "tasks":
            arrays["task_id"] = pa.array([self.task_ids[o] for o in owners], pa.string())
        if "ordinal" in schema.names:
            arrays["ordinal"] = pa.array(ordinals, pa.int32())
        parents: dict[str, list] = {}
        for index, (column, path) in enumerate(JSON_FIELDS[self.table].items()):
            array, errors = to_arrow(_gather(rows, path, parents), schema.field(column).type)
            arrays[column] = array
            if column in _CHECKED_ELSEWHERE:
                continue
            for row, reason in errors:
                self._note_problem(row, index, path, reason, problems)
        extras = find_extras(self.table, rows)
        arrays["extra"] = pa.array(extras.texts, pa.string())
        for row, field in extras.unstorable:
            self._note_problem(row, len(arrays), (field,), NOT_UTF8, problems)
        table = pa.Table.from_arrays([arrays[name] for name in schema.names], schema=schema)
        return table, extras.unknown_by_row

    def _note_problem(
        self,
        row: int,
        column_index: int,
        path: tuple[str, ...],
        reason: str,
        problems: dict[int, _Problem],
    ) -> None:
        """Keep, per task, the problem that comes first in table, ordinal, column order."""
        owner, ordinal = self.records.owners[row], self.records.ordinals[row]
        rank = (_TABLE_RANK[self.table], ordinal, column_index)
        current = problems.get(owner)
        if current is None or rank < current.rank:
            label = escaped(_field_label(self.table, ordinal, path))
            problems[owner] = _Problem(rank, self.table, label, reason)


def _keep_mask(owners: list[int], bad: np.ndarray) -> np.ndarray:
    return ~np.isin(np.asarray(owners, dtype=np.int64), bad)


def flatten_tasks(
    tasks: Sequence[Any], snapshot_id: str, snapshot_at: datetime, *, columnar: bool = True
) -> FlatBatch:
    """Flatten parsed tasks into one table per lake table (see :data:`schema.FLAT_TABLES`).

    ``snapshot_at`` must be timezone-aware; it is stored in UTC on every row. A batch the
    columnar fast path can store exactly goes that way (``columnar=False`` forbids it, for
    comparisons); any other batch is validated task by task here. ``tasks`` may also be a
    sequence with an ``arrow`` attribute (the listing's ``FreshTasks``): the same tasks
    already parsed by Arrow, stored from there without building Python objects.
    """
    if snapshot_at.tzinfo is None:
        raise ValueError("snapshot_at must be timezone-aware (UTC)")
    snapshot_at = snapshot_at.astimezone(UTC)
    arrow = getattr(tasks, "arrow", None) if columnar else None
    fast = None if arrow is None else arrow_tables(arrow, snapshot_id, snapshot_at)
    if fast is None:
        tasks = tasks if type(tasks) is list else list(tasks)  # parses FreshTasks' body
        if columnar:
            fast = columnar_tables(tasks, snapshot_id, snapshot_at)
    if fast is not None:
        tables, unknown = fast
        tables["quarantine"] = _quarantine_table([], snapshot_id, snapshot_at)
        return FlatBatch({name: tables[name] for name in FLAT_TABLES}, unknown)
    return _validated_batch(tasks, snapshot_id, snapshot_at)


def _validated_batch(tasks: list[Any], snapshot_id: str, snapshot_at: datetime) -> FlatBatch:
    """The validating path: every task checked, bad ones quarantined with the first reason."""

    quarantined: list[tuple[int, Any, _Problem]] = []  # (input position, task, problem)
    sound: list[dict[str, Any]] = []
    positions: list[int] = []
    for position, task in enumerate(tasks):
        problem = _structural_problem(task)
        if problem is None:
            sound.append(task)
            positions.append(position)
        else:
            quarantined.append((position, task, problem))

    task_ids = [task["id"] for task in sound]
    records = {
        "tasks": _Records(sound, list(range(len(sound))), [0] * len(sound)),
        **_collect_records(sound),
    }
    problems: dict[int, _Problem] = {}
    built: dict[str, tuple[pa.Table, dict[int, list[str]]]] = {
        table: _TableBuilder(table, recs, task_ids).build(snapshot_id, snapshot_at, problems)
        for table, recs in records.items()
    }

    bad = np.fromiter(sorted(problems), dtype=np.int64, count=len(problems))
    tables: dict[str, pa.Table] = {}
    unknown_fields: set[str] = set()
    for table, (arrow_table, unknown_by_row) in built.items():
        owners = records[table].owners
        if len(bad):
            arrow_table = arrow_table.filter(pa.array(_keep_mask(owners, bad)))
        tables[table] = arrow_table
        for row, paths in unknown_by_row.items():
            if owners[row] not in problems:
                unknown_fields.update(f"{table}.{path}" for path in paths)

    quarantined.extend(
        (positions[owner], sound[owner], problem) for owner, problem in problems.items()
    )
    quarantined.sort(key=lambda entry: entry[0])
    tables["quarantine"] = _quarantine_table(
        [(task, problem) for _, task, problem in quarantined], snapshot_id, snapshot_at
    )
    return FlatBatch({name: tables[name] for name in FLAT_TABLES}, frozenset(unknown_fields))


def _quarantine_table(
    quarantined: list[tuple[Any, _Problem]], snapshot_id: str, snapshot_at: datetime
) -> pa.Table:
    def readable_id(task: Any) -> str | None:
        task_id = task.get("id") if type(task) is dict else None
        return task_id if type(task_id) is str and is_utf8(task_id) else None

    columns = [
        *_snapshot_columns(len(quarantined), snapshot_id, snapshot_at),
        pa.array([readable_id(task) for task, _ in quarantined], pa.string()),
        pa.array([problem.table for _, problem in quarantined], pa.string()),
        pa.array([problem.field for _, problem in quarantined], pa.string()),
        pa.array([problem.reason for _, problem in quarantined], pa.string()),
        pa.array([json_text(task, ascii_only=True) for task, _ in quarantined], pa.string()),
    ]
    return pa.Table.from_arrays(columns, schema=TABLES["quarantine"])
