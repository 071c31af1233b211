"""Turn one column of JSON values into an Arrow array of the lake type, or say why not.

The fast path checks the *set of Python types* in the column (one C-level pass) and lets
Arrow build the array; only a column holding something unexpected is walked value by value,
so that the rows at fault can be named and their tasks quarantined.

Coercion policy (the only leniency): a JSON string holding a plain decimal number is accepted
for a numeric column (``"42"`` for an integer, ``"1.5"`` / ``"1e3"`` for a double), because
some Huawei APIs send numbers as strings. Nothing else is coerced: a boolean is never a
number, a number is never a boolean or a string, and ``NaN`` / ``Infinity`` are refused.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.lake.schema import TS

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: Epoch milliseconds accepted for a timestamp: 1970-01-01 .. 9999-12-31T23:59:59.999Z.
TIMESTAMP_MS_MAX = 253_402_300_799_999

_INTEGER_TEXT = re.compile(r"-?[0-9]+", re.ASCII)
_DECIMAL_TEXT = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", re.ASCII)

_NONE = type(None)
#: Python types a column may hold for Arrow to build it directly (after range checks).
_FAST_TYPES: dict[str, frozenset[type]] = {
    "string": frozenset({str, _NONE}),
    "int32": frozenset({int, _NONE}),
    "int64": frozenset({int, _NONE}),
    "timestamp": frozenset({int, _NONE}),
    "double": frozenset({float, int, _NONE}),
    "boolean": frozenset({bool, _NONE}),
}


#: Reason given for text Arrow cannot store (Python str with lone surrogates, which the
#: stdlib ``json`` accepts from ``"\\ud800"`` escapes though orjson refuses them).
NOT_UTF8 = "text is not valid UTF-8 (lone surrogate)"


class BadValue(ValueError):
    """A JSON value that cannot be stored in its column; the message is the reason."""


def is_utf8(text: str) -> bool:
    """Whether ``text`` can be stored as UTF-8 (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def escaped(text: str) -> str:
    """``text`` with anything not encodable as UTF-8 written as a backslash escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def kind_of(dtype: pa.DataType) -> str:
    """The coercion kind for a lake column type."""
    if dtype == TS:
        return "timestamp"
    if pa.types.is_string(dtype):
        return "string"
    if pa.types.is_int32(dtype):
        return "int32"
    if pa.types.is_int64(dtype):
        return "int64"
    if pa.types.is_float64(dtype):
        return "double"
    if pa.types.is_boolean(dtype):
        return "boolean"
    raise TypeError(f"no JSON coercion for lake type {dtype}")


def describe(value: Any) -> str:
    """A short JSON-flavoured description of a value, for quarantine reasons."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "..."
        quoted = orjson.dumps(shown).decode() if is_utf8(shown) else json.dumps(shown)
        return f"string {quoted}"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _integer(value: Any, low: int, high: int, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadValue(f"expected integer, got {describe(value)}")
    if isinstance(value, str):
        if not _INTEGER_TEXT.fullmatch(value):
            raise BadValue(f"expected integer, got {describe(value)}")
        value = int(value)
    if not low <= value <= high:
        raise BadValue(f"integer {value} out of {label} range")
    return value


def _timestamp(value: Any) -> int:
    millis = _integer(value, INT64_MIN, INT64_MAX, "int64")
    if not 0 <= millis <= TIMESTAMP_MS_MAX:
        raise BadValue(f"epoch milliseconds {millis} outside 1970-01-01..9999-12-31")
    return millis


def _double(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadValue(f"expected number, got {describe(value)}")
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        raise BadValue(f"expected number, got {describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise BadValue("integer out of double range") from None
    if not math.isfinite(number):
        raise BadValue(f"expected a finite number, got {describe(value)}")
    return number


def coerce_value(value: Any, kind: str) -> Any:
    """One JSON value as its column wants it; raises :class:`BadValue` with the reason."""
    if value is None:
        return None
    if kind == "string":
        if type(value) is not str:
            raise BadValue(f"expected string, got {describe(value)}")
        if not is_utf8(value):
            raise BadValue(NOT_UTF8)
        return value
    if kind == "boolean":
        if type(value) is not bool:
            raise BadValue(f"expected boolean, got {describe(value)}")
        return value
    if kind == "int32":
        return _integer(value, INT32_MIN, INT32_MAX, "int32")
    if kind == "int64":
        return _integer(value, INT64_MIN, INT64_MAX, "int64")
    if kind == "timestamp":
        return _timestamp(value)
    if kind == "double":
        return _double(value)
    raise TypeError(f"unknown coercion kind {kind!r}")


def _storage_type(dtype: pa.DataType) -> pa.DataType:
    return pa.int64() if dtype == TS else dtype


def _fast_array(values: list[Any], dtype: pa.DataType, kind: str) -> pa.Array | None:
    """The array built by Arrow directly, or None when the column needs the careful path."""
    if not set(map(type, values)) <= _FAST_TYPES[kind]:
        return None
    try:
        array = pa.array(values, type=_storage_type(dtype))
    except (OverflowError, UnicodeEncodeError, pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    has_values = array.null_count < len(array)
    if kind == "double" and has_values and pc.all(pc.is_finite(array)).as_py() is False:
        return None
    if kind == "timestamp" and has_values:
        bounds = pc.min_max(array).as_py()
        if bounds["min"] < 0 or bounds["max"] > TIMESTAMP_MS_MAX:
            return None
    return array.cast(dtype) if dtype == TS else array


def to_arrow(values: list[Any], dtype: pa.DataType) -> tuple[pa.Array, list[tuple[int, str]]]:
    """Column ``values`` as an Arrow array of ``dtype``, plus ``(row, reason)`` per bad value.

    Bad values become null in the array; the caller drops (quarantines) their rows.
    """
    kind = kind_of(dtype)
    array = _fast_array(values, dtype, kind)
    if array is not None:
        return array, []
    cleaned: list[Any] = []
    errors: list[tuple[int, str]] = []
    for row, value in enumerate(values):
        try:
            cleaned.append(coerce_value(value, kind))
        except BadValue as bad:
            cleaned.append(None)
            errors.append((row, str(bad)))
    array = pa.array(cleaned, type=_storage_type(dtype))
    return (array.cast(dtype) if dtype == TS else array), errors
