"""Write one query result as an RFC 4180 CSV file (UTF-8, header row, CRLF line ends)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from pipelines.delivery.cell_values import csv_cell

FETCH_BATCH_ROWS = 10_000


def write_csv(
    con: duckdb.DuckDBPyConnection, relation: str, path: Path, *, neutralise_formulas: bool
) -> int:
    """Write ``SELECT * FROM relation`` to ``path``; returns the number of data rows.

    Fields with commas, quotes or line breaks are quoted (``csv`` QUOTE_MINIMAL), so
    Python's ``csv.reader`` reads every value back exactly.
    """
    cursor = con.cursor()
    try:
        cursor.execute(f"SELECT * FROM {relation}")
        header = [column[0] for column in cursor.description]
        rows = 0
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, dialect="excel", lineterminator="\r\n")
            writer.writerow(header)
            while batch := cursor.fetchmany(FETCH_BATCH_ROWS):
                writer.writerows(
                    [csv_cell(v, neutralise_formulas=neutralise_formulas) for v in row]
                    for row in batch
                )
                rows += len(batch)
        return rows
    finally:
        cursor.close()
