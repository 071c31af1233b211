"""Fields the schema does not know: found per record and kept as JSON in ``extra``.

Shared by the validating flattener and the columnar fast path, so both keep exactly the
same unknown fields, in the same shape, with the same JSON text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from pipelines.lake.coerce import is_utf8
from pipelines.lake.schema import JSON_FIELDS, PREFIXED_OBJECTS, RECORD_SOURCES

#: Task keys the schema knows (scalar fields, prefixed objects, child records).
TASK_KEYS = frozenset(path[0] for path in JSON_FIELDS["tasks"].values()) | frozenset(
    key for key, _ in RECORD_SOURCES.values()
)
#: Known keys inside each prefixed object of a task.
PREFIXED_KEYS = {
    obj: frozenset(path[1] for path in JSON_FIELDS["tasks"].values() if path[0] == obj)
    for obj in PREFIXED_OBJECTS
}
#: Known keys of each child record.
RECORD_KEYS = {
    table: frozenset(path[0] for path in JSON_FIELDS[table].values()) for table in RECORD_SOURCES
}


@dataclass
class Extras:
    """Per row of one table: the ``extra`` JSON, unknown field paths, unstorable fields."""

    texts: list[str | None]
    unknown_by_row: dict[int, list[str]]
    unstorable: list[tuple[int, str]]  # (row, field) whose text is not valid UTF-8


def find_extras(table: str, rows: list[dict[str, Any]]) -> Extras:
    """Unknown fields of each row, kept as a JSON object for the ``extra`` column.

    Unknown keys of a task's prefixed objects are kept nested: ``{"clone_server": {"x": 1}}``.
    """
    known = TASK_KEYS if table == "tasks" else RECORD_KEYS[table]
    found = Extras([None] * len(rows), {}, [])
    for row, record in enumerate(rows):
        unknown: dict[str, Any] = {}
        if not record.keys() <= known:
            unknown = {key: value for key, value in record.items() if key not in known}
        paths = list(unknown)
        if table == "tasks":
            for obj in PREFIXED_OBJECTS:
                inner = record.get(obj)
                if inner and not inner.keys() <= PREFIXED_KEYS[obj]:
                    nested = {k: v for k, v in inner.items() if k not in PREFIXED_KEYS[obj]}
                    unknown[obj] = nested
                    paths.extend(f"{obj}.{key}" for key in nested)
        if not unknown:
            continue
        text = json_text(unknown)
        if is_utf8(text):
            found.texts[row] = text
            found.unknown_by_row[row] = paths
        else:
            found.unstorable.append((row, paths[0]))
    return found


def json_text(value: Any, *, ascii_only: bool = False) -> str:
    """JSON text of parsed JSON, non-ASCII escaped only when ``ascii_only`` and needed.

    orjson refuses integers beyond 64 bits and lone surrogates: the stdlib writes those.
    """
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, default=str, ensure_ascii=ascii_only)
