"""One XLSX workbook with a typed sheet per mart (xlsxwriter, constant memory).

Cells keep their types: numbers as numbers, timestamps as Excel dates (UTC, shown
with a date format), booleans as booleans. Text is always written with
``write_string``, which Excel never evaluates, so no formula neutralising is needed
here. The header row is bold and frozen.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from pathlib import Path

import duckdb
import orjson
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from pipelines.delivery.warehouse_access import quote_identifier

FETCH_BATCH_ROWS = 10_000
SHEET_NAME_MAX = 31
XLSX_CELL_TEXT_MAX = 32_767
MAX_ROWS = 1_048_576  # Excel's row limit, header included
INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
TIMESTAMP_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"


class XlsxLimitError(ValueError):
    """A mart does not fit in a worksheet (too many rows)."""


def sheet_names(tables: list[str]) -> dict[str, str]:
    """A valid, unique Excel sheet name (<= 31 chars, no ``[]:*?/\\``) for each table."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for table in tables:
        base = INVALID_SHEET_CHARS.sub("_", table)[:SHEET_NAME_MAX] or "sheet"
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            suffix = f"~{n}"
            name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        taken.add(name.lower())
        names[table] = name
    return names


class _SheetWriter:
    """Writes typed cells into one worksheet; keeps the shared cell formats."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.timestamp_format = workbook.add_format({"num_format": TIMESTAMP_FORMAT})
        self.date_format = workbook.add_format({"num_format": DATE_FORMAT})
        self.header_format = workbook.add_format({"bold": True})
        self.truncated_cells = 0

    def write_cell(self, sheet: Worksheet, row: int, col: int, value: object) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            sheet.write_boolean(row, col, value)
        elif isinstance(value, int | float | decimal.Decimal):
            number = float(value)
            if math.isfinite(number):
                sheet.write_number(row, col, number)
            else:
                sheet.write_string(row, col, str(number).lower())
        elif isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            sheet.write_datetime(row, col, value, self.timestamp_format)
        elif isinstance(value, dt.date):
            sheet.write_datetime(row, col, value, self.date_format)
        elif isinstance(value, dt.timedelta):
            sheet.write_number(row, col, value.total_seconds())
        else:
            if isinstance(value, list | dict | tuple):
                text = orjson.dumps(value, default=str).decode()
            elif isinstance(value, dt.time):
                text = value.isoformat()
            else:
                text = str(value)
            if len(text) > XLSX_CELL_TEXT_MAX:
                text = text[:XLSX_CELL_TEXT_MAX]
                self.truncated_cells += 1
            sheet.write_string(row, col, text)


def write_workbook(
    con: duckdb.DuckDBPyConnection, tables: list[str], path: Path
) -> dict[str, dict[str, object]]:
    """Write each table to its own sheet; returns ``table -> {sheet, rows, truncated_cells}``.

    Text longer than Excel's 32,767-character cell limit is cut and counted (the CSV
    and Parquet exports keep it whole).
    """
    names = sheet_names(tables)
    summary: dict[str, dict[str, object]] = {}
    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_formulas": False}
    )
    try:
        cells = _SheetWriter(workbook)
        for table in tables:
            truncated_before = cells.truncated_cells
            sheet = workbook.add_worksheet(names[table])
            cursor = con.cursor()
            try:
                cursor.execute(f"SELECT * FROM {quote_identifier(table)}")
                header = [column[0] for column in cursor.description]
                sheet.freeze_panes(1, 0)
                for col, name in enumerate(header):
                    sheet.write_string(0, col, name, cells.header_format)
                    sheet.set_column(col, col, max(10, min(40, len(name) + 2)))
                row_index = 0
                while batch := cursor.fetchmany(FETCH_BATCH_ROWS):
                    if row_index + len(batch) >= MAX_ROWS:
                        raise XlsxLimitError(
                            f"{table} has more rows than an Excel sheet holds ({MAX_ROWS - 1})"
                        )
                    for values in batch:
                        row_index += 1
                        for col, value in enumerate(values):
                            cells.write_cell(sheet, row_index, col, value)
            finally:
                cursor.close()
            summary[table] = {
                "sheet": names[table],
                "rows": row_index,
                "truncated_cells": cells.truncated_cells - truncated_before,
            }
    finally:
        workbook.close()
    return summary
