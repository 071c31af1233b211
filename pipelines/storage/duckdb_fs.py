"""Let DuckDB read ``s3://`` lake paths through our pyarrow filesystem.

DuckDB's own S3 support (httpfs) is an extension it downloads on first use, which a worker
without internet cannot do. Instead the connection gets the pyarrow S3 filesystem wrapped
as an fsspec filesystem (protocol ``s3``): ``read_parquet('s3://bucket/p/lake/...')`` with
globs and Hive partitions then works. Registration is per connection (and not stored in the
database file), so every connection that reads the lake registers it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow.fs as pafs
from fsspec.implementations.arrow import ArrowFSWrapper

from pipelines.storage.remote_path import RemotePath


def register_filesystem(con: duckdb.DuckDBPyConnection, fs: pafs.FileSystem) -> None:
    """Make ``s3://`` paths in this connection's SQL read through ``fs``."""
    wrapper = ArrowFSWrapper(fs)
    if "s3" not in con.list_filesystems():
        con.register_filesystem(wrapper)


def register_for(con: duckdb.DuckDBPyConnection, paths: Iterable[object]) -> None:
    """Register the filesystem of the first remote path among ``paths`` (none: nothing)."""
    for path in paths:
        if isinstance(path, RemotePath):
            register_filesystem(con, path.fs)
            return


@contextmanager
def lake_connection(
    paths: Iterable[Path | RemotePath | str],
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory connection that can read every one of ``paths`` (local or remote)."""
    con = duckdb.connect()
    try:
        register_for(con, paths)
        yield con
    finally:
        con.close()
