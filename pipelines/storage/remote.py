"""Objects under an ``s3://bucket/prefix`` data directory: upload, download, list, delete.

Keys are given relative to the data directory (``lake/tasks/...``). A single PUT (or a
completed multipart upload) is atomic on S3: an object appears whole or not at all, which
is what the lake's commit object and the ``current.json`` pointers rely on.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson
import pyarrow.fs as pafs

from pipelines.settings import SettingsError
from pipelines.storage.location import S3DataDir, load_s3_settings, s3_filesystem
from pipelines.storage.remote_path import RemotePath

PARTIAL = ".partial"


@dataclass(frozen=True)
class RemoteObject:
    """One object: its key relative to the data directory, size and last modification."""

    key: str
    size: int
    mtime: datetime | None


class RemoteStore:
    """The objects of one S3 data directory, through one pyarrow filesystem."""

    def __init__(self, location: S3DataDir, fs: pafs.FileSystem) -> None:
        self.location = location
        self.fs = fs
        self.root = RemotePath(fs, location.root_key)

    @classmethod
    def from_environ(cls, location: S3DataDir, environ: Mapping[str, str | None]) -> RemoteStore:
        return cls(location, s3_filesystem(load_s3_settings(environ)))

    def path(self, key: str) -> RemotePath:
        return self.root / key if key else self.root

    def url(self, key: str = "") -> str:
        return str(self.path(key))

    def _full(self, key: str) -> str:
        return self.path(key).key

    # --- writes -------------------------------------------------------------------------

    def upload_file(self, local: Path, key: str) -> None:
        """Copy one local file to ``key`` (one object, visible only once complete)."""
        with local.open("rb") as source, self.fs.open_output_stream(self._full(key)) as sink:
            while chunk := source.read(8 << 20):
                sink.write(chunk)

    def upload_tree(self, local_dir: Path, key: str, *, exclude: Iterable[Path] = ()) -> list[str]:
        """Upload every file below ``local_dir`` to the same relative keys under ``key``."""
        skipped = {path.resolve() for path in exclude}
        uploaded = []
        for path in sorted(p for p in local_dir.rglob("*") if p.is_file()):
            if path.resolve() in skipped:
                continue
            target = f"{key}/{path.relative_to(local_dir).as_posix()}".strip("/")
            self.upload_file(path, target)
            uploaded.append(target)
        return uploaded

    def write_json(self, key: str, document: Mapping[str, object]) -> None:
        """Write a small JSON object in one PUT (atomic: readers see the old or the new)."""
        self.path(key).write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")

    def delete(self, keys: Iterable[str]) -> int:
        """Delete objects (missing ones are fine); returns how many were asked for."""
        count = 0
        for key in keys:
            with contextlib.suppress(FileNotFoundError):
                self.fs.delete_file(self._full(key))
            count += 1
        return count

    # --- reads --------------------------------------------------------------------------

    def list_files(self, key: str = "") -> list[RemoteObject]:
        """Every object below ``key`` (recursive), sorted by key."""
        objects = [
            RemoteObject(info.path[len(self.root.key) + 1 :], int(info.size or 0), info.mtime)
            for info in self.path(key).walk()
            if info.type == pafs.FileType.File
        ]
        return sorted(objects, key=lambda item: item.key)

    def read_json(self, key: str) -> dict | None:
        """A JSON object, or None when there is none."""
        try:
            return orjson.loads(self.path(key).read_bytes())
        except FileNotFoundError:
            return None

    def download_file(self, key: str, local: Path) -> Path:
        """Copy ``key`` to ``local`` (written beside it, then renamed: never half a file)."""
        local.parent.mkdir(parents=True, exist_ok=True)
        partial = local.with_name(f"{local.name}.{os.getpid()}{PARTIAL}")
        try:
            with self.fs.open_input_stream(self._full(key)) as source, partial.open("wb") as sink:
                while chunk := source.read(8 << 20):
                    sink.write(chunk)
            os.replace(partial, local)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return local

    def download_tree(self, key: str, local_dir: Path) -> list[Path]:
        """Copy every object below ``key`` to the same relative paths under ``local_dir``."""
        prefix = key.strip("/") + "/"
        return [
            self.download_file(item.key, local_dir / item.key[len(prefix) :])
            for item in self.list_files(key)
        ]

    # --- checks -------------------------------------------------------------------------

    def check_writable(self, name: str = "SMS_DATA_DIR") -> None:
        """Prove we can write and delete here before any work: one SettingsError if not."""
        probe = f".write-probe-{os.getpid()}"
        try:
            self.path(probe).write_bytes(b"")
            self.fs.delete_file(self._full(probe))
        except OSError as exc:
            raise SettingsError(
                f"{name} {self.location.url} is not writable: {first_line(exc)}"
            ) from None


def first_line(error: BaseException) -> str:
    """An S3 error in one line (pyarrow's messages name the operation and the AWS error)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
