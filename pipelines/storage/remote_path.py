"""A path to an object or "directory" in a bucket, shaped like :class:`pathlib.Path`.

Just enough of Path's surface (``/``, ``name``, ``stem``, ``parent``, ``glob``, ``exists``)
for the lake's layout and readers to work unchanged on object storage; ``str()`` is the
``s3://`` URL DuckDB reads (through :mod:`pipelines.storage.duckdb_fs`). It has no
``__fspath__``, so local-only code (``open``, ``os.replace``) fails loudly instead of
writing a local directory named ``s3:``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from functools import total_ordering
from typing import Any

import pyarrow.fs as pafs

from pipelines.storage.location import S3_SCHEME


@total_ordering
class RemotePath:
    """``bucket/key`` on a pyarrow filesystem; immutable, ordered and hashed by key."""

    __slots__ = ("fs", "key")

    def __init__(self, fs: pafs.FileSystem, key: str) -> None:
        self.fs = fs
        self.key = key.strip("/")

    def __truediv__(self, part: str) -> RemotePath:
        return RemotePath(self.fs, f"{self.key}/{str(part).strip('/')}")

    def __str__(self) -> str:
        return S3_SCHEME + self.key

    def __repr__(self) -> str:
        return f"RemotePath({str(self)!r})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, RemotePath) and other.key == self.key

    def __lt__(self, other: RemotePath) -> bool:
        return self.key < other.key

    def __hash__(self) -> int:
        return hash(("RemotePath", self.key))

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    @property
    def stem(self) -> str:
        name = self.name
        return name[: name.rindex(".")] if "." in name.lstrip(".") else name

    @property
    def parent(self) -> RemotePath:
        return RemotePath(self.fs, self.key.rsplit("/", 1)[0])

    def relative_to(self, other: RemotePath) -> str:
        """This key below ``other`` ('/'-separated), or ValueError."""
        if not self.key.startswith(other.key + "/"):
            raise ValueError(f"{self} is not under {other}")
        return self.key[len(other.key) + 1 :]

    def info(self) -> pafs.FileInfo:
        return self.fs.get_file_info(self.key)

    def exists(self) -> bool:
        return self.info().type != pafs.FileType.NotFound

    def is_file(self) -> bool:
        return self.info().type == pafs.FileType.File

    def walk(self) -> list[pafs.FileInfo]:
        """Every object and implied directory below this path (one recursive listing)."""
        selector = pafs.FileSelector(self.key, recursive=True, allow_not_found=True)
        return self.fs.get_file_info(selector)

    def glob(self, pattern: str) -> Iterator[RemotePath]:
        """Objects and implied directories below whose relative path matches ``pattern``.

        Like Path.glob, each ``*`` matches within one path segment.
        """
        wanted = pattern.strip("/").split("/")
        matches = []
        for info in self.walk():
            segments = info.path[len(self.key) + 1 :].split("/")
            if len(segments) == len(wanted) and all(
                fnmatch.fnmatchcase(segment, part)
                for segment, part in zip(segments, wanted, strict=True)
            ):
                matches.append(RemotePath(self.fs, info.path))
        return iter(matches)

    def read_bytes(self) -> bytes:
        with self.fs.open_input_stream(self.key) as stream:
            return stream.read()

    def write_bytes(self, data: bytes) -> None:
        """One PUT: the object appears whole or not at all."""
        with self.fs.open_output_stream(self.key) as stream:
            stream.write(data)
