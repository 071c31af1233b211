"""Fast path: a batch of clean tasks converted by Arrow's C++ converter in one call.

``pa.array(tasks, type=TASK_TYPE)`` walks the parsed JSON in C++ (one nested struct type per
task, child records as ``list<struct>`` or ``struct``), which is several times faster than
gathering each column in Python. It is only used when the result is provably what the
validating path (:mod:`flatten`) would produce: :func:`columnar_tables` returns ``None`` for
any batch holding something it cannot represent exactly, and the caller then takes the
validating path, which quarantines with the documented reasons.

Where Arrow's converter is more lenient than our coercion policy, the batch is checked:

- Arrow's integer conversion truncates floats (``1.5`` -> 1) and its ``float64`` conversion
  accepts ``true`` as 1.0, so the Python types of every numeric field are checked first (one
  C-level ``itemgetter`` pass per record): integers and epoch-ms timestamps may hold only
  ``int`` / null, doubles only ``int`` / ``float`` / null. Integers are then converted straight
  to their lake width (out of range raises, and the batch falls back); timestamps as ``int64``,
  range-checked, then viewed as timestamps. (Converting through ``decimal128`` refused
  floats by itself, but cost a third of the conversion time.) NaN / infinities fall back;
- a ``struct`` accepts a list of key/value pairs and ignores unknown keys, so the type and the
  keys of every JSON object are checked first (one C-level pass per level).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from pipelines.lake.coerce import TIMESTAMP_MS_MAX, kind_of
from pipelines.lake.extras import PREFIXED_KEYS, RECORD_KEYS, TASK_KEYS, Extras, find_extras
from pipelines.lake.schema import JSON_FIELDS, PREFIXED_OBJECTS, RECORD_SOURCES, TABLES, TS

_NONE = type(None)
#: Python types a numeric field may hold for Arrow's conversion to be exact.
_INTEGER_TYPES = frozenset({int, _NONE})
_NUMBER_TYPES = frozenset({int, float, _NONE})
_CONVERSION_ERRORS = (pa.ArrowException, OverflowError, UnicodeError, TypeError, ValueError)


class _NotExact(Exception):
    """The batch holds something the fast path cannot store exactly as the validating path."""


def _conversion_type(dtype: pa.DataType) -> pa.DataType:
    return pa.int64() if kind_of(dtype) == "timestamp" else dtype


def _allowed_types(dtype: pa.DataType) -> frozenset[type] | None:
    """The Python types a JSON field of this lake type may hold; None when Arrow checks."""
    kind = kind_of(dtype)
    if kind in ("int32", "int64", "timestamp"):
        return _INTEGER_TYPES
    return _NUMBER_TYPES if kind == "double" else None


def _numeric_fields() -> dict[tuple[str, str | None, frozenset[type]], tuple[str, ...]]:
    """Numeric JSON keys to type-check: (table, enclosing object or None, allowed) -> keys."""
    groups: dict[tuple[str, str | None, frozenset[type]], list[str]] = defaultdict(list)
    for table, fields in JSON_FIELDS.items():
        for column, path in fields.items():
            allowed = _allowed_types(TABLES[table].field(column).type)
            if allowed is not None:
                groups[(table, path[0] if len(path) > 1 else None, allowed)].append(path[-1])
    return {group: tuple(keys) for group, keys in groups.items()}


_NUMERIC_FIELDS = _numeric_fields()
#: The coercion kind of every JSON-fed column, per table.
_KINDS = {
    table: {column: kind_of(TABLES[table].field(column).type) for column in fields}
    for table, fields in JSON_FIELDS.items()
}


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
        task_keys = _object_keys(tasks)
        has_unknown = not task_keys <= TASK_KEYS
        #: The non-null prefixed objects of the tasks (absent when no task has the key).
        self.objects: dict[str, list[dict[str, Any]]] = {}
        for obj in PREFIXED_OBJECTS:
            if obj in task_keys:
                self.objects[obj] = _objects(tasks, obj)
                has_unknown |= not _object_keys(self.objects[obj]) <= PREFIXED_KEYS[obj]
        #: Tables whose rows carry unknown fields (their ``extra`` is computed per row).
        self.unknown_in: set[str] = {"tasks"} if has_unknown else set()
        #: The JSON records of each child table, in table row order.
        self.records: dict[str, list[dict[str, Any]]] = {"tasks": tasks}
        for table, (key, shape) in RECORD_SOURCES.items():
            if key not in task_keys:
                self.records[table] = []
                continue
            values = _values_of(tasks, key)
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
        for (table, obj, allowed), keys in _NUMERIC_FIELDS.items():
            records = self.records[table] if obj is None else self.objects.get(obj, [])
            if not _value_types(records, keys) <= allowed:
                raise _NotExact(f"a {table} field of {keys} holds a value of another type")


def _objects(
    tasks: list[dict[str, Any]], key: str, values: list[Any] | None = None
) -> list[dict[str, Any]]:
    """The non-null values of ``key`` across tasks; each must be a JSON object."""
    if values is None:
        values = _values_of(tasks, key)
    if set(map(type, values)) - {dict, _NONE}:
        raise _NotExact(f"{key} is not an object")
    return [value for value in values if value is not None]


def _values_of(records: list[dict[str, Any]], key: str) -> list[Any]:
    """The value of ``key`` in each record (null where missing)."""
    try:
        return list(map(itemgetter(key), records))  # C-level; most keys are always present
    except KeyError:
        return [record.get(key) for record in records]


def _object_keys(objects: list[dict[str, Any]]) -> set[Any]:
    return set(chain.from_iterable(objects))  # iterating a dict yields its keys


def _value_types(records: list[dict[str, Any]], keys: tuple[str, ...]) -> set[type]:
    """The Python types of the values of ``keys`` across records (a missing key is null)."""
    get = itemgetter(*keys)
    try:
        if len(keys) == 1:
            return set(map(type, map(get, records)))
        return set(map(type, chain.from_iterable(map(get, records))))
    except KeyError:  # some record lacks a key: the slower, per-key walk
        return set(map(type, [record.get(key) for record in records for key in keys]))


def _check_ranges(doubles: list[pa.Array], millis: list[pa.Array], table: str) -> None:
    """Refuse non-finite doubles and out-of-range timestamps, one compute call per kind.

    Value types were checked by :class:`_Batch`; what is left is each value's range. NaN and
    infinities propagate into the sum (a sum beyond double range also falls back: harmless).
    """
    if millis:
        bounds = pc.min_max(pa.chunked_array(millis, pa.int64())).as_py()
        if bounds["min"] is not None and (bounds["min"] < 0 or bounds["max"] > TIMESTAMP_MS_MAX):
            raise _NotExact(f"a {table} timestamp is out of range")
    if doubles:
        total = pc.sum(pa.chunked_array(doubles, pa.float64())).as_py()
        if total is not None and not math.isfinite(total):
            raise _NotExact(f"a {table} number is not finite (or they sum beyond double range)")


def _table(
    table: str,
    fields: dict[str, pa.Array],
    base: dict[str, pa.Array],
    batch: _Batch | None,
    unknown: set[str],
) -> pa.Table:
    """One lake table from its converted fields (JSON key or ``(object, key)`` -> array).

    ``batch`` is None for tasks parsed by Arrow, which refuses unknown fields: no ``extra``.
    """
    schema = TABLES[table]
    arrays = dict(base)
    doubles: list[pa.Array] = []
    millis: list[pa.Array] = []
    for column, path in JSON_FIELDS[table].items():
        array = fields[path if len(path) > 1 else path[0]]
        kind = _KINDS[table][column]
        if kind == "timestamp":
            millis.append(array)
            array = array.view(TS)  # the same int64 epoch-ms, zero-copy
        elif kind == "double":
            doubles.append(array)
        arrays[column] = array  # integers were converted to their lake width directly
    _check_ranges(doubles, millis, table)
    if batch is None:
        arrays["extra"] = pa.nulls(len(base["snapshot_id"]), pa.string())
    else:
        arrays["extra"] = _extra_column(table, batch.records[table], batch, unknown)
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


def arrow_tables(
    tasks: pa.StructArray, snapshot_id: str, snapshot_at: datetime
) -> tuple[dict[str, pa.Table], frozenset[str]] | None:
    """:func:`columnar_tables` for tasks :func:`arrow_page` parsed; None to fall back."""
    try:
        return _tables(tasks, None, snapshot_id, snapshot_at)
    except (_NotExact, *_CONVERSION_ERRORS):
        return None


def _convert(
    tasks: list[Any], snapshot_id: str, snapshot_at: datetime
) -> tuple[dict[str, pa.Table], frozenset[str]]:
    batch = _Batch(tasks)
    return _tables(pa.array(tasks, type=TASK_TYPE), batch, snapshot_id, snapshot_at)


def _tables(
    converted: pa.StructArray, batch: _Batch | None, snapshot_id: str, snapshot_at: datetime
) -> tuple[dict[str, pa.Table], frozenset[str]]:
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
            "tasks", task_fields, _snapshot_base(len(ids), id_scalar, at_scalar), batch, unknown
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
            if records.null_count:  # a null item: the validating path quarantines its task
                raise _NotExact(f"an item of {key} is null")
            parent_indices = pc.list_parent_indices(column)
            task_ids = ids.take(parent_indices)
            parents = parent_indices.to_numpy()
            offsets = column.offsets.to_numpy()
            positions = np.arange(len(parents), dtype=np.int64) + offsets[0]
            ordinals = _int32_array((positions - offsets[parents]).astype(np.int32))
        if batch is not None and len(records) != len(batch.records[table]):
            raise _NotExact(f"{key} records do not line up")
        base = _snapshot_base(len(records), id_scalar, at_scalar)
        base["task_id"] = task_ids
        if ordinals is not None:
            base["ordinal"] = ordinals
        fields = dict(zip((f.name for f in records.type), records.flatten(), strict=True))
        tables[table] = _table(table, fields, base, batch, unknown)
    return tables, frozenset(unknown)


def _int32_array(values: np.ndarray) -> pa.Array:
    """``values`` as an Arrow array, zero-copy. (``pa.array`` on a numpy array looks for
    ``np.ma``, which numpy imports lazily: ~35 ms inside the first run of every process.)"""
    return pa.Array.from_buffers(pa.int32(), len(values), [None, pa.py_buffer(values)])


#: A page body as the strict Arrow parse reads it: one row, ``count`` and the tasks.
_PAGE_SCHEMA = pa.schema([pa.field("count", pa.int64()), pa.field("tasks", pa.list_(TASK_TYPE))])
_BOM = b"\xef\xbb\xbf"
_PAGE_PARSE = pa_json.ParseOptions(explicit_schema=_PAGE_SCHEMA, unexpected_field_behavior="error")


def arrow_page(body: bytes) -> tuple[int, pa.StructArray] | None:
    """``count`` and the tasks of a page body parsed by Arrow's C++ JSON reader, or None.

    The reader runs without the GIL (so fetch threads parse in parallel) and is strict where
    it matters: a value of another JSON type than its field, a fraction or an out-of-range
    number for an integer, an unknown or repeated key, a bad escape — each fails the parse.
    None then sends the body to the orjson parse and the validating flattener, which
    decide (and quarantine) exactly as before. The reader does not check UTF-8, so the body
    is checked here (orjson refuses invalid UTF-8), and so are the two things it takes that
    orjson refuses: a byte-order mark, and ``NaN`` / ``Infinity`` literals. Also None for
    anything else the client must judge: no ``count``, no ``tasks``, a null or empty id.
    """
    if body.startswith(_BOM):
        return None
    try:
        _check_utf8(body)
        read = pa_json.read_json(
            pa.BufferReader(body),
            read_options=pa_json.ReadOptions(
                use_threads=False, block_size=max(len(body) + 1, 1 << 20)
            ),
            parse_options=_PAGE_PARSE,
        )
    except (pa.ArrowException, ValueError):
        return None
    if read.num_rows != 1:
        return None
    count, listed = read.column("count")[0].as_py(), read.column("tasks").chunk(0)
    if count is None or count < 0 or listed.null_count:
        return None
    tasks: pa.StructArray = listed.flatten()
    if tasks.null_count:  # a null task
        return None
    if tasks.offset:  # keep ``StructArray.field`` (which ignores the offset) exact
        tasks = pa.concat_arrays([tasks])
    ids = tasks.field("id")
    if ids.null_count or (len(ids) and pc.min(pc.binary_length(ids)).as_py() == 0):
        return None
    if not _task_doubles_finite(tasks):
        return None
    return count, tasks


def _double_paths(dtype: pa.DataType, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths through structs to every double (a list holding doubles: the list's path)."""
    if pa.types.is_struct(dtype):
        return [
            found for field in dtype for found in _double_paths(field.type, (*path, field.name))
        ]
    if pa.types.is_floating(dtype) or (pa.types.is_list(dtype) and _double_paths(dtype.value_type)):
        return [path]
    return []


_TASK_DOUBLES = _double_paths(TASK_TYPE)


def _task_doubles_finite(tasks: pa.StructArray) -> bool:
    """Whether every double of the tasks is finite: Arrow's reader takes ``NaN`` and
    ``Infinity`` literals, which orjson refuses. Checked on the columns, not by scanning the
    body (that scan held the GIL for a tenth of the parse)."""
    columns = [_field_at(tasks, path) for path in _TASK_DOUBLES]
    doubles = [column for column in columns if column.type == pa.float64()]
    if doubles and pc.all(pc.is_finite(pa.chunked_array(doubles))).as_py() is False:
        return False
    return all(_all_finite(column) for column in columns if column.type != pa.float64())


def _field_at(array: pa.StructArray, path: tuple[str, ...]) -> pa.Array:
    """The child at ``path`` (``StructArray.field`` is cheap but ignores a sliced parent)."""
    for name in path:
        array = array.field(name) if array.offset == 0 else pc.struct_field(array, [name])
    return array


def _all_finite(array: pa.Array) -> bool:
    """Whether every double inside ``array`` (nested structs and lists included) is finite."""
    if pa.types.is_struct(array.type):
        return all(_all_finite(child) for child in array.flatten())
    if pa.types.is_list(array.type):
        return _all_finite(pc.list_flatten(array))
    if pa.types.is_floating(array.type):
        return pc.all(pc.is_finite(array)).as_py() is not False
    return True


def _check_utf8(body: bytes) -> None:
    """Raise ``ArrowInvalid`` unless ``body`` is valid UTF-8 (a C++ check, no GIL, no copy)."""
    offsets = pa.py_buffer(np.array([0, len(body)], dtype=np.int32))
    pa.Array.from_buffers(pa.binary(), 1, [None, offsets, pa.py_buffer(body)]).cast(pa.string())
