"""Dagster resources: where data lives. Credentials live in the SMS resource (ingest).

``SMS_DATA_DIR`` is a local directory or ``s3://bucket/prefix`` (pipelines/storage). On
object storage the lake is read and written in place (commit object last), while the
warehouse, exports and report are published as new versions behind ``current.json``
pointers; local scratch and download caches live under ``$SMS_CACHE_DIR``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import dagster as dg

from pipelines.settings import ensure_writable_dir
from pipelines.storage.location import (
    LocalDataDir,
    S3DataDir,
    S3Settings,
    cache_root,
    load_s3_settings,
    parse_data_dir,
    s3_filesystem,
)
from pipelines.storage.published import PublishedArea
from pipelines.storage.remote import RemoteStore
from pipelines.storage.remote_path import RemotePath

T = TypeVar("T")


@lru_cache(maxsize=8)
def _remote_store(location: S3DataDir, settings: S3Settings) -> RemoteStore:
    """One filesystem (one connection pool) per location and settings, per process."""
    return RemoteStore(location, s3_filesystem(settings))


class DataStorage(dg.ConfigurableResource):
    """The data directory (``SMS_DATA_DIR``) and the well-known places inside it."""

    data_dir: str = "./data"

    @property
    def location(self) -> LocalDataDir | S3DataDir:
        """The parsed data directory (SettingsError when malformed)."""
        return parse_data_dir(self.data_dir)

    @property
    def is_remote(self) -> bool:
        return isinstance(self.location, S3DataDir)

    @property
    def remote(self) -> RemoteStore:
        """The object store of an ``s3://`` data directory (settings from the environment)."""
        location = self.location
        if not isinstance(location, S3DataDir):
            raise ValueError(f"{self.data_dir} is a local data directory")
        return _remote_store(location, load_s3_settings(os.environ))

    @property
    def root(self) -> Path:
        """The local data directory; for ``s3://`` the local cache and scratch of this location."""
        location = self.location
        if isinstance(location, S3DataDir):
            return cache_root() / location.cache_name()
        return location.path

    @property
    def lake_root(self) -> Path | RemotePath:
        """Where the lake is: local, or in the bucket (readers and ingest handle both)."""
        return self.remote.path("lake") if self.is_remote else self.root / "lake"

    @property
    def warehouse_path(self) -> Path:
        """The published warehouse file of a local data directory."""
        return self.root / "warehouse.duckdb"

    @property
    def build_dir(self) -> Path:
        """Private scratch space for warehouse builds; never read by analysts."""
        return self.root / ".build"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def report_dir(self) -> Path:
        return self.root / "report"

    # --- local or remote alike ------------------------------------------------------------

    def ensure_writable(self) -> None:
        """Prove the data directory is writable before any request (one SettingsError if not)."""
        if self.is_remote:
            ensure_writable_dir(self.root, "SMS_CACHE_DIR")
            self.remote.check_writable()
        else:
            ensure_writable_dir(self.root)

    def published(self, area: str) -> PublishedArea:
        """A pointer-published area (``warehouse``, ``exports``, ``report``) of an s3 data dir."""
        return PublishedArea(self.remote, area, self.root)

    @property
    def warehouse_target(self) -> Path | PublishedArea:
        """Where a warehouse build is published: the local file, or the ``warehouse`` area."""
        return self.published("warehouse") if self.is_remote else self.warehouse_path

    def current_warehouse(self) -> tuple[Path, str]:
        """A local file of the published warehouse and where it came from.

        On object storage the current build is downloaded (once per version) into the cache;
        NothingPublished when there is none.
        """
        if not self.is_remote:
            return self.warehouse_path, str(self.warehouse_path)
        area = self.published("warehouse")
        local, pointer = area.cached_file()
        return local, self.remote.url(pointer.path)

    def deliver(
        self, area: str, build: Callable[[Path], T], *, run_id: str | None = None
    ) -> tuple[T, str]:
        """Run ``build(directory)`` for an exports/report tree and publish it; return where.

        Locally ``directory`` is the published directory itself (the builders swap their trees
        in atomically). On object storage it is a scratch directory uploaded as a new version,
        then the area's pointer moves to it.
        """
        if not self.is_remote:
            target = self.root / area
            return build(target), str(target)
        with tempfile.TemporaryDirectory(prefix=f"sms-{area}-") as scratch:
            local = Path(scratch) / area
            result = build(local)
            pointer = self.published(area).publish_tree(local, run_id=run_id)
        return result, self.remote.url(pointer.path)
