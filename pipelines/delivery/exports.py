"""BI exports: every ``mart_*`` of the warehouse as CSV, Parquet and one XLSX, plus a manifest.

Layout of ``exports/`` (published as a whole, see :mod:`atomic_publish`)::

    csv/<mart>.csv   parquet/<mart>.parquet   sms_analytics.xlsx   manifest.json
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import orjson

from pipelines.delivery.atomic_publish import publish_directory
from pipelines.delivery.csv_writer import write_csv
from pipelines.delivery.warehouse_access import (
    mart_tables,
    open_warehouse,
    quote_identifier,
    read_snapshot_info,
)
from pipelines.delivery.xlsx_workbook import write_workbook

WORKBOOK_NAME = "sms_analytics.xlsx"
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class ExportedFile:
    path: str  # relative to the exports directory, '/'-separated
    format: str  # csv | parquet | xlsx
    table: str | None  # None for the workbook (it holds every mart)
    rows: int
    sha256: str
    bytes: int


@dataclass(frozen=True)
class ExportResult:
    exports_dir: Path
    files: list[ExportedFile]
    manifest: dict[str, object]

    @property
    def total_rows(self) -> int:
        """Rows exported per mart, summed once (not once per format)."""
        return sum(f.rows for f in self.files if f.format == "csv")


def file_digest(path: Path) -> tuple[str, int]:
    """``(sha256 hex, size in bytes)`` of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest(), path.stat().st_size


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def write_parquet(con: duckdb.DuckDBPyConnection, relation: str, path: Path) -> int:
    """Copy a relation to a Parquet file (zstd) and return its row count."""
    con.execute(
        f"COPY (SELECT * FROM {relation}) TO {sql_string(str(path))} "
        "(FORMAT parquet, COMPRESSION zstd)"
    )
    return con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]


def _describe(root: Path, path: Path, fmt: str, table: str | None, rows: int) -> ExportedFile:
    sha256, size = file_digest(path)
    return ExportedFile(path.relative_to(root).as_posix(), fmt, table, rows, sha256, size)


def build_exports(
    warehouse_path: Path,
    exports_dir: Path,
    *,
    neutralise_formulas: bool = True,
    generated_at: dt.datetime | None = None,
) -> ExportResult:
    """Export every mart of ``warehouse_path`` and publish the tree at ``exports_dir``.

    Raises ``WarehouseUnavailableError`` (or a DuckDB/OS error) without touching the
    previously published exports.
    """
    generated_at = generated_at or dt.datetime.now(dt.UTC)
    con = open_warehouse(warehouse_path)
    try:
        tables = mart_tables(con)
        snapshot = read_snapshot_info(con)

        def build(staging: Path) -> ExportResult:
            (staging / "csv").mkdir()
            (staging / "parquet").mkdir()
            files: list[ExportedFile] = []
            for table in tables:
                csv_path = staging / "csv" / f"{table}.csv"
                rows = write_csv(
                    con, quote_identifier(table), csv_path, neutralise_formulas=neutralise_formulas
                )
                files.append(_describe(staging, csv_path, "csv", table, rows))
                parquet_path = staging / "parquet" / f"{table}.parquet"
                rows = write_parquet(con, quote_identifier(table), parquet_path)
                files.append(_describe(staging, parquet_path, "parquet", table, rows))
            workbook_path = staging / WORKBOOK_NAME
            sheets = write_workbook(con, tables, workbook_path)
            workbook_rows = sum(int(s["rows"]) for s in sheets.values())
            files.append(_describe(staging, workbook_path, "xlsx", None, workbook_rows))
            manifest: dict[str, object] = {
                "manifest_version": MANIFEST_VERSION,
                "generated_at": generated_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "snapshot_ids": list(snapshot.snapshot_ids),
                "snapshot_id": snapshot.snapshot_ids[-1] if snapshot.snapshot_ids else None,
                "snapshot_at": snapshot.latest_snapshot_at,
                "source": snapshot.source,
                "is_simulated": snapshot.is_simulated,
                "neutralise_formulas": neutralise_formulas,
                "tables": tables,
                "sheets": sheets,
                "files": [f.__dict__ for f in files],
            }
            (staging / MANIFEST_NAME).write_bytes(
                orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n"
            )
            return ExportResult(exports_dir, files, manifest)

        return publish_directory(exports_dir, build)
    finally:
        con.close()


def manifest_markdown(result: ExportResult) -> str:
    """A short markdown table of the exported files, for Dagster's UI."""
    lines = ["| file | format | rows | bytes |", "| --- | --- | ---: | ---: |"]
    lines += [f"| `{f.path}` | {f.format} | {f.rows} | {f.bytes} |" for f in result.files]
    return "\n".join(lines)
