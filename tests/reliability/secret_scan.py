"""Find secret strings anywhere a run leaves text: files of any format, decoded first.

Compressed or binary containers are opened the way a reader would (gzip, zstd, Parquet,
DuckDB, xlsx/zip) so a canary cannot hide inside compression; everything else is
scanned as raw bytes (SQLite stores text as-is).
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq


def _parquet_text(path: Path) -> bytes:
    return repr(pq.read_table(path).to_pylist()).encode("utf-8", "backslashreplace")


def _duckdb_text(path: Path) -> bytes:
    con = duckdb.connect(str(path), read_only=True)
    try:
        relations = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
        parts = [repr(con.execute("SELECT sql FROM duckdb_views()").fetchall())]
        for schema, name in relations:
            try:
                rows = con.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall()
            except duckdb.Error as error:  # a view over lake files that moved: its SQL is kept
                rows = [str(error)]
            parts.append(repr(rows))
    finally:
        con.close()
    return "\n".join(parts).encode("utf-8", "backslashreplace")


def _zip_text(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return b"\n".join(archive.read(name) for name in archive.namelist())


def decoded_bytes(path: Path) -> bytes:
    """The file's content as a reader would see it (plus its raw bytes)."""
    raw = path.read_bytes()
    name = path.name
    if name.endswith(".gz"):
        return raw + gzip.decompress(raw)
    if name.endswith(".zst"):
        with pa.CompressedInputStream(pa.BufferReader(raw), "zstd") as stream:
            return raw + stream.read()
    if name.endswith(".parquet"):
        return raw + _parquet_text(path)
    if name.endswith(".duckdb"):
        return raw + _duckdb_text(path)
    if name.endswith((".xlsx", ".zip")):
        return raw + _zip_text(path)
    return raw


def find_secrets(roots: Iterable[Path], secrets: Iterable[str]) -> list[str]:
    """``path: secret`` for every file under ``roots`` holding one of ``secrets``."""
    needles = [secret.encode() for secret in secrets]
    found = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.name.endswith((".wal", ".lock")):
                continue
            content = decoded_bytes(path)
            found += [f"{path}: {needle.decode()}" for needle in needles if needle in content]
    return found


def find_in_texts(texts: Iterable[str], secrets: Iterable[str]) -> list[str]:
    return [secret for text in texts for secret in secrets if secret in text]
