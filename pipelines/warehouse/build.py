"""The per-run build file: create it, run models into it, publish it atomically.

A run never writes the published ``warehouse.duckdb``: models run into
``build_dir/<run_id>.duckdb`` and the ``warehouse`` asset swaps that file in with one
``os.replace``. Readers holding the old file open keep their inode; a failed run
never reaches the swap, so the previous warehouse stays. DuckDB allows one writer
per file, so steps of one run take turns through an exclusive ``flock``.

On object storage the build file is still local (DuckDB writes local files) and its
``lake`` views read ``s3://`` through the registered filesystem; publishing uploads it as a
new version and moves the ``warehouse/current.json`` pointer (pipelines/storage/published.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.lake.layout import TABLE_FILES_GLOB
from pipelines.lake.schema import TABLES
from pipelines.storage.duckdb_fs import register_for
from pipelines.storage.published import PublishedArea
from pipelines.storage.remote_path import RemotePath
from pipelines.warehouse.models import LAKE_SCHEMA

BUILD_SUFFIX = ".duckdb"
LOCK_SUFFIX = ".lock"
#: Hive partition columns of every lake table path (see ``pipelines.lake.layout``).
_PARTITION_TYPES = {"source": "VARCHAR", "snapshot_date": "DATE"}


def sql_string(value: str) -> str:
    """A SQL string literal: paths reach SQL only through this."""
    return "'" + value.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def build_file_path(build_dir: Path, run_id: str) -> Path:
    return build_dir / f"{run_id}{BUILD_SUFFIX}"


def _duckdb_type(dtype: pa.DataType) -> str:
    """DuckDB type of an Arrow lake column (for empty relations)."""
    if pa.types.is_timestamp(dtype):
        return "TIMESTAMPTZ" if dtype.tz else "TIMESTAMP"
    mapping = {
        pa.string(): "VARCHAR",
        pa.large_string(): "VARCHAR",
        pa.int32(): "INTEGER",
        pa.int64(): "BIGINT",
        pa.float64(): "DOUBLE",
        pa.bool_(): "BOOLEAN",
    }
    if dtype not in mapping:
        raise TypeError(f"no DuckDB type for lake column type {dtype}")
    return mapping[dtype]


def _empty_relation(schema: pa.Schema) -> str:
    """A zero-row SELECT with the table's exact columns and types."""
    columns = [f"NULL::{_duckdb_type(f.type)} AS {sql_identifier(f.name)}" for f in schema]
    columns += [
        f"NULL::{sql_type} AS {name}"
        for name, sql_type in _PARTITION_TYPES.items()
        if name not in schema.names
    ]
    return f"SELECT {', '.join(columns)} WHERE false"


def _parquet_scan(
    con: duckdb.DuckDBPyConnection, lake_root: Path | RemotePath, table: str
) -> str | None:
    """``read_parquet`` over one lake table, or None when it has no files yet."""
    table_dir = lake_root / table
    if not any(table_dir.glob(TABLE_FILES_GLOB)):
        return None
    pattern = sql_string(str(table_dir / TABLE_FILES_GLOB))
    hive_types = ", ".join(f"'{name}': {sql_type}" for name, sql_type in _PARTITION_TYPES.items())
    union_by_name = "false" if _files_share_one_schema(con, pattern) else "true"
    return (
        f"read_parquet({pattern}, hive_partitioning = true, "
        f"union_by_name = {union_by_name}, hive_types = {{{hive_types}}})"
    )


def _files_share_one_schema(con: duckdb.DuckDBPyConnection, pattern: str) -> bool:
    """Whether every file matching ``pattern`` (a SQL literal) has the same columns and types.

    ``union_by_name`` lets files written by older code (fewer columns) be read with NULLs,
    but it reads every file's footer each time a view is bound: at a year of half-hourly
    snapshots that was most of a build and gigabytes of memory. Checking once here keeps it
    for the lakes that need it. (Without it DuckDB takes the first file's columns and
    matches the others by name, the same result when all schemas are equal.)
    """
    signatures = con.execute(
        "SELECT count(DISTINCT signature) FROM ("
        "  SELECT string_agg(concat_ws(' ', name, type, converted_type, logical_type), ', '"
        "                    ORDER BY name) AS signature"
        f"  FROM parquet_schema({pattern}) GROUP BY file_name)"
    ).fetchone()
    return signatures is not None and signatures[0] <= 1


def create_lake_schema(con: duckdb.DuckDBPyConnection, lake_root: Path | RemotePath) -> None:
    """(Re)create schema ``lake``: a pinned copy of the commit log plus views over Parquet.

    ``lake.snapshots`` is a TABLE copied now, so every ``lake.<table>`` view (and every
    staging view above it) only ever shows the snapshots the marts were built from.
    """
    con.execute(f"DROP SCHEMA IF EXISTS {LAKE_SCHEMA} CASCADE")
    con.execute(f"CREATE SCHEMA {LAKE_SCHEMA}")
    snapshots_scan = _parquet_scan(con, lake_root, "snapshots")
    snapshots_select = (
        f"SELECT * FROM {snapshots_scan}"
        if snapshots_scan
        else _empty_relation(TABLES["snapshots"])
    )
    con.execute(f"CREATE TABLE {LAKE_SCHEMA}.snapshots AS {snapshots_select}")
    for table, schema in TABLES.items():
        if table == "snapshots":
            continue
        scan = _parquet_scan(con, lake_root, table)
        if scan is None:
            body = _empty_relation(schema)
        else:
            body = (
                f"SELECT * FROM {scan} WHERE snapshot_id IN "
                f"(SELECT snapshot_id FROM {LAKE_SCHEMA}.snapshots)"
            )
        con.execute(f"CREATE VIEW {LAKE_SCHEMA}.{sql_identifier(table)} AS {body}")


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _start_from_published(warehouse: Path | PublishedArea, build_file: Path) -> None:
    """Copy (or download) the published warehouse as the build file, when there is one."""
    partial = build_file.with_name(build_file.name + ".partial")
    if isinstance(warehouse, PublishedArea):
        if warehouse.fetch_file(partial):
            os.replace(partial, build_file)
    elif warehouse.exists():
        shutil.copyfile(warehouse, partial)
        os.replace(partial, build_file)


@contextlib.contextmanager
def build_connection(
    build_dir: Path,
    run_id: str,
    warehouse_path: Path | PublishedArea,
    lake_root: Path | RemotePath,
    variables: Mapping[str, object] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open this run's build file, creating it on first use.

    First use copies the published warehouse (so a subset run keeps the other models)
    or starts a fresh file, then (re)creates the ``lake`` schema. ``variables`` become
    DuckDB variables (``getvariable(name)``) for the models. A lake on object storage
    is made readable on every connection (filesystem registration is not persisted).
    """
    build_file = build_file_path(build_dir, run_id)
    with _exclusive_lock(build_file.with_suffix(LOCK_SUFFIX)):
        first_use = not build_file.exists()
        if first_use:
            build_dir.mkdir(parents=True, exist_ok=True)
            _start_from_published(warehouse_path, build_file)
        con = duckdb.connect(str(build_file))
        try:
            register_for(con, [lake_root])
            con.execute("SET TimeZone = 'UTC'")
            for name, value in (variables or {}).items():
                con.execute(f"SET VARIABLE {sql_identifier(name)} = ?", [value])
            if first_use:
                create_lake_schema(con, lake_root)
            yield con
        finally:
            con.close()


def publish(build_dir: Path, run_id: str, warehouse_path: Path | PublishedArea) -> Path:
    """Checkpoint the run's build file and swap it in as the warehouse (atomic).

    On object storage: upload it as a new version, move the pointer, and keep the file as
    the local cached copy of that version. Returns a local file of the published warehouse.
    """
    build_file = build_file_path(build_dir, run_id)
    lock_path = build_file.with_suffix(LOCK_SUFFIX)
    with _exclusive_lock(lock_path):
        if not build_file.exists():
            raise FileNotFoundError(f"run {run_id} has no build file to publish")
        con = duckdb.connect(str(build_file))
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        wal = build_file.with_name(build_file.name + ".wal")
        if wal.exists():
            raise RuntimeError(f"build file {build_file.name} still has a WAL after CHECKPOINT")
        if isinstance(warehouse_path, PublishedArea):
            pointer = warehouse_path.publish_file(build_file, BUILD_SUFFIX, run_id=run_id)
            published = warehouse_path.adopt_file(build_file, pointer)
        else:
            warehouse_path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(build_file, warehouse_path)
            published = warehouse_path
    lock_path.unlink(missing_ok=True)
    return published


def remove_stale_builds(
    build_dir: Path, current_run_id: str, is_run_active: Callable[[str], bool]
) -> list[str]:
    """Delete build files (and their locks/WALs) of runs that are no longer active."""
    removed: list[str] = []
    if not build_dir.exists():
        return removed
    run_ids = {path.name.split(".", 1)[0] for path in build_dir.iterdir() if path.is_file()}
    for run_id in sorted(run_ids - {current_run_id}):
        if is_run_active(run_id):
            continue
        for path in build_dir.glob(f"{run_id}.*"):
            path.unlink(missing_ok=True)
        removed.append(run_id)
    return removed
