"""Fast path: a batch of clean tasks converted by Arrow's C++ converter in one call.

``pa.array(tasks, type=TASK_TYPE)`` walks the parsed JSON in C++ (one nested struct type per
task, child records as ``list<struct>`` or ``struct``), which is several times faster than
gathering each column in Python. It is only used when the result is provably what the
validating path (:mod:`flatten`) would produce: :func:`columnar_tables` returns ``None`` for
any batch holding something it cannot represent exactly, and the caller then takes the
validating path, which quarantines with the documented reasons.

Where Arrow's converter is more lenient than our coercion policy, the batch is checked:

- integers (and epoch-ms timestamps) are converted as ``decimal128(38, 0)``, which refuses
  floats (``int64`` conversion would truncate ``1.5`` to 1) and booleans, then cast safely;
- a ``float64`` conversion accepts ``true`` as 1.0, so every 0.0 / 1.0 is looked up in the
  JSON to make sure it was a number; NaN / infinities and out-of-range timestamps fall back;
- a ``struct`` accepts a list of key/value pairs and ignores unknown keys, so the type and the
  keys of every JSON object are checked first (one C-level pass per level).
"""

from __future__ import annotations

import math
from datetime import datetime
from itertools import chain
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.lake.coerce import TIMESTAMP_MS_MAX, kind_of
from pipelines.lake.extras import PREFIXED_KEYS, RECORD_KEYS, TASK_KEYS, Extras, find_extras
from pipelines.lake.schema import JSON_FIELDS, PREFIXED_OBJECTS, RECORD_SOURCES, TABLES, TS

_NONE = type(None)
#: Integers are converted through decimals: Arrow's int64 conversion accepts (truncates) floats.
_EXACT_INTEGER = pa.decimal128(38, 0)
_CONVERSION_ERRORS = (pa.ArrowException, OverflowError, UnicodeError, TypeError, ValueError)


class _NotExact(Exception):
    """The batch holds something the fast path cannot store exactly as the validating path."""


def _conversion_type(dtype: pa.DataType) -> pa.DataType:
    return _EXACT_INTEGER if kind_of(dtype) in ("int32", "int64", "timestamp") else dtype


def _record_struct(table: str) -> pa.StructType:
    """The struct of one child record, keyed by its JSON field names."""
    schema = TABLES[table]
    return pa.struct(
        [
            pa.field(path[0], _conversion_type(schema.field(column).type))
            for column, path in JSON_FIELDS[table].items()
        ]
    )


def _task_struct() -> pa.StructType:
    """The struct of one API task: scalar fields, prefixed objects and child records."""
    schema = TABLES["tasks"]
    scalars: list[pa.Field] = []
    objects: dict[str, list[pa.Field]] = {obj: [] for obj in PREFIXED_OBJECTS}
    for column, path in JSON_FIELDS["tasks"].items():
        dtype = _conversion_type(schema.field(column).type)
        if len(path) == 1:
            scalars.append(pa.field(path[0], dtype))
        elif path[0] in objects:
            objects[path[0]].append(pa.field(path[1], dtype))
    fields = [*scalars, *(pa.field(obj, pa.struct(inner)) for obj, inner in objects.items())]
    for table, (key, shape) in RECORD_SOURCES.items():
        record = _record_struct(table)
        fields.append(pa.field(key, record if shape == "object" else pa.list_(record)))
    return pa.struct(fields)


TASK_TYPE = _task_struct()


class _Batch:
    """The parsed JSON of a batch, checked for shape and unknown keys, level by level."""

    def __init__(self, tasks: list[Any]) -> None:
        if set(map(type, tasks)) - {dict}:
            raise _NotExact("a task is not an object")
        self.tasks: list[dict[str, Any]] = tasks
        task_keys = set().union(*map(dict.keys, tasks))
        has_unknown = not task_keys <= TASK_KEYS
        for obj in PREFIXED_OBJECTS:
            if obj in task_keys:
                has_unknown |= not _object_keys(_objects(tasks, obj)) <= PREFIXED_KEYS[obj]
        #: Tables whose rows carry unknown fields (their ``extra`` is computed per row).
        self.unknown_in: set[str] = {"tasks"} if has_unknown else set()
        #: The JSON records of each child table, in table row order.
        self.records: dict[str, list[dict[str, Any]]] = {"tasks": tasks}
        for table, (key, shape) in RECORD_SOURCES.items():
            if key not in task_keys:
                self.records[table] = []
                continue
            values = [task.get(key) for task in tasks]
            if shape == "object":
                records = _objects(tasks, key, values)
            else:
                if set(map(type, values)) - {list, _NONE}:
                    raise _NotExact(f"{key} is not an array")
                records = list(chain.from_iterable(value for value in values if value))
                if set(map(type, records)) - {dict}:
                    raise _NotExact(f"an item of {key} is not an object")
            self.records[table] = records
            if not _object_keys(records) <= RECORD_KEYS[table]:
                self.unknown_in.add(table)


def _objects(
    tasks: list[dict[str, Any]], key: str, values: list[Any] | None = None
) -> list[dict[str, Any]]:
    """The non-null values of ``key`` across tasks; each must be a JSON object."""
    if values is None:
        values = [task.get(key) for task in tasks]
    if set(map(type, values)) - {dict, _NONE}:
        raise _NotExact(f"{key} is not an object")
    return [value for value in values if value is not None]


def _object_keys(objects: list[dict[str, Any]]) -> set[Any]:
    return set().union(*map(dict.keys, objects))


def _finish_column(
    array: pa.Array, dtype: pa.DataType, batch: _Batch, table: str, path: tuple[str, ...]
) -> pa.Array:
    """The converted column as its lake type, or :class:`_NotExact` if a value needs checking."""
    kind = kind_of(dtype)
    if kind in ("int32", "int64"):
        return array.cast(dtype)  # safe cast: out of range raises, and the batch falls back
    if kind == "timestamp":
        millis = array.cast(pa.int64())
        bounds = pc.min_max(millis).as_py()
        if bounds["min"] is not None and (bounds["min"] < 0 or bounds["max"] > TIMESTAMP_MS_MAX):
            raise _NotExact(f"{path} out of timestamp range")
        return millis.cast(TS)
    if kind == "double" and array.null_count < len(array):
        if not math.isfinite(pc.sum(array).as_py()):  # NaN and infinities propagate
            raise _NotExact(f"{path} is not finite (or sums beyond double range)")
        records = batch.records[table]
        values = array.to_numpy(zero_copy_only=False)  # nulls read as NaN: neither 0 nor 1
        suspects = np.flatnonzero((values == 0.0) | (values == 1.0)).tolist()
        if bool in set(map(type, _values_at(records, suspects, path))):
            raise _NotExact(f"{path} holds a boolean")
    return array


def _values_at(records: list[dict[str, Any]], rows: list[int], path: tuple[str, ...]) -> list:
    """The JSON values at ``path`` of the given (non-null valued) rows."""
    if len(path) == 1:
        (key,) = path
        return [records[row].get(key) for row in rows]
    obj, key = path
    return [records[row][obj].get(key) for row in rows]


def _table(
    table: str,
    fields: dict[str, pa.Array],
    base: dict[str, pa.Array],
    batch: _Batch,
    unknown: set[str],
) -> pa.Table:
    """One lake table from its converted fields (JSON key or ``(object, key)`` -> array)."""
    schema = TABLES[table]
    records = batch.records[table]
    arrays = dict(base)
    for column, path in JSON_FIELDS[table].items():
        dtype = schema.field(column).type
        arrays[column] = _finish_column(
            fields[path if len(path) > 1 else path[0]], dtype, batch, table, path
        )
    arrays["extra"] = _extra_column(table, records, batch, unknown)
    return pa.Table.from_arrays([arrays[name] for name in schema.names], schema=schema)


def _extra_column(
    table: str, records: list[dict[str, Any]], batch: _Batch, unknown: set[str]
) -> pa.Array:
    if table not in batch.unknown_in:
        return pa.nulls(len(records), pa.string())
    extras: Extras = find_extras(table, records)
    if extras.unstorable:
        raise _NotExact("an unknown field is not valid UTF-8")
    for paths in extras.unknown_by_row.values():
        unknown.update(f"{table}.{path}" for path in paths)
    return pa.array(extras.texts, pa.string())


def _snapshot_base(n: int, snapshot_id: pa.Scalar, snapshot_at: pa.Scalar) -> dict[str, pa.Array]:
    return {"snapshot_id": pa.repeat(snapshot_id, n), "snapshot_at": pa.repeat(snapshot_at, n)}


def columnar_tables(
    tasks: list[Any], snapshot_id: str, snapshot_at: datetime
) -> tuple[dict[str, pa.Table], frozenset[str]] | None:
    """The flattened tables (quarantine excluded) and unknown fields, or None to fall back.

    ``snapshot_at`` must already be in UTC. None means some task needs the validating path.
    """
    try:
        return _convert(tasks, snapshot_id, snapshot_at)
    except (_NotExact, *_CONVERSION_ERRORS):
        return None


def _convert(
    tasks: list[Any], snapshot_id: str, snapshot_at: datetime
) -> tuple[dict[str, pa.Table], frozenset[str]]:
    batch = _Batch(tasks)
    converted: pa.StructArray = pa.array(tasks, type=TASK_TYPE)
    top = dict(zip((field.name for field in TASK_TYPE), converted.flatten(), strict=True))
    ids = top["id"]
    if ids.null_count:
        raise _NotExact("a task has no id")
    id_scalar, at_scalar = pa.scalar(snapshot_id, pa.string()), pa.scalar(snapshot_at, TS)
    unknown: set[str] = set()

    task_fields: dict[Any, pa.Array] = dict(top)
    for obj in (
        *PREFIXED_OBJECTS,
        *(key for key, shape in RECORD_SOURCES.values() if shape == "object"),
    ):
        struct = top[obj]
        for field, child in zip((f.name for f in struct.type), struct.flatten(), strict=True):
            task_fields[(obj, field)] = child
    tables = {
        "tasks": _table(
            "tasks", task_fields, _snapshot_base(len(tasks), id_scalar, at_scalar), batch, unknown
        )
    }
    for table, (key, shape) in RECORD_SOURCES.items():
        column = top[key]
        if shape == "object":
            present = pc.is_valid(column)
            records = column.filter(present) if column.null_count else column
            task_ids = ids.filter(present) if column.null_count else ids
            ordinals = None
        else:
            records = pc.list_flatten(column)
            parents = pc.list_parent_indices(column).to_numpy()
            task_ids = ids.take(parents)
            offsets = column.offsets.to_numpy()
            positions = np.arange(len(parents), dtype=np.int64) + offsets[0]
            ordinals = pa.array((positions - offsets[parents]).astype(np.int32))
        if len(records) != len(batch.records[table]):
            raise _NotExact(f"{key} records do not line up")
        base = _snapshot_base(len(records), id_scalar, at_scalar)
        base["task_id"] = task_ids
        if ordinals is not None:
            base["ordinal"] = ordinals
        fields = dict(zip((f.name for f in records.type), records.flatten(), strict=True))
        tables[table] = _table(table, fields, base, batch, unknown)
    return tables, frozenset(unknown)
