"""How one warehouse value becomes a CSV cell, and how formula injection is neutralised.

A spreadsheet runs a text cell starting with ``= + - @`` (or tab / CR, which some
apps strip first) as a formula, so a task named ``=HYPERLINK(...)`` could act when
an analyst opens the CSV. Such text is prefixed with ``'`` (OWASP's advice). Typed
numbers are never touched, and neither is text that is just a number (``-3.5``):
a spreadsheet reads that as a number, not a formula.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re

import orjson

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_formula(text: str) -> str:
    """``text`` made inert for spreadsheets: ``'`` in front when it would run as a formula."""
    if text.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def format_timestamp(value: dt.datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` (naive values are taken as UTC already)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(sep="T") + "Z"


def csv_cell(value: object, *, neutralise_formulas: bool) -> str:
    """The text of one CSV cell; NULL is the empty string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | decimal.Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value).lower()
    if isinstance(value, dt.datetime):
        return format_timestamp(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return repr(value.total_seconds())
    if isinstance(value, list | dict | tuple):
        text = orjson.dumps(value, default=str).decode()
    else:
        text = str(value)
    return neutralise_formula(text) if neutralise_formulas else text
