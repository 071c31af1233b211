"""Atomic publishing on object storage: upload a new version, then move a pointer to it.

Each area (``warehouse``, ``exports``, ``report``) has a small ``<area>/current.json`` naming
its current version. A publish uploads the new version under a fresh id (readers cannot see
it yet), then rewrites the pointer in one PUT: readers following the pointer see the old
version or the new one, never a mix. The last few versions are kept, so a reader that read
the pointer a moment ago can still download what it named; older ones are deleted.
Downloads are cached locally by version id (versions are immutable once published).
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines.storage.remote import RemoteStore

POINTER_NAME = "current.json"
BUILDS_DIR = "builds"
#: Versions kept per area (the current one always among them).
KEEP_VERSIONS = 3
POINTER_VERSION = 1


class NothingPublished(LookupError):
    """The area has no pointer yet: nothing was published there."""


def new_version_id(now: datetime | None = None) -> str:
    """``YYYYMMDDTHHMMSSffffffZ-<6 hex>``: sortable by publish time, unique."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Pointer:
    """What ``current.json`` says: the key of the current version (file or tree)."""

    path: str
    version: str
    published_at: str
    run_id: str | None

    @classmethod
    def from_document(cls, document: dict) -> Pointer:
        return cls(
            path=str(document["path"]),
            version=str(document["version"]),
            published_at=str(document["published_at"]),
            run_id=document.get("run_id"),
        )


class PublishedArea:
    """One pointer-published area of an S3 data directory, with its local download cache."""

    def __init__(self, store: RemoteStore, area: str, cache_dir: Path) -> None:
        self.store = store
        self.area = area
        self.cache_dir = cache_dir / area

    @property
    def pointer_key(self) -> str:
        return f"{self.area}/{POINTER_NAME}"

    def current(self) -> Pointer | None:
        document = self.store.read_json(self.pointer_key)
        return Pointer.from_document(document) if document else None

    def require_current(self) -> Pointer:
        pointer = self.current()
        if pointer is None:
            raise NothingPublished(
                f"nothing published at {self.store.url(self.pointer_key)} yet: "
                "build it first (sms-analytics run)"
            )
        return pointer

    def _point_to(self, path: str, version: str, run_id: str | None) -> Pointer:
        pointer = Pointer(path, version, datetime.now(UTC).isoformat(), run_id)
        self.store.write_json(
            self.pointer_key, {"pointer_version": POINTER_VERSION, **pointer.__dict__}
        )
        return pointer

    # --- publish ------------------------------------------------------------------------

    def publish_file(self, local: Path, suffix: str, *, run_id: str | None = None) -> Pointer:
        """Upload ``local`` as ``<area>/builds/<version><suffix>``, then point to it."""
        version = new_version_id()
        key = f"{self.area}/{BUILDS_DIR}/{version}{suffix}"
        self.store.upload_file(local, key)
        pointer = self._point_to(key, version, run_id)
        self.prune()
        return pointer

    def publish_tree(self, local_dir: Path, *, run_id: str | None = None) -> Pointer:
        """Upload ``local_dir`` as ``<area>/<version>/...``, then point to it."""
        version = new_version_id()
        key = f"{self.area}/{version}"
        self.store.upload_tree(local_dir, key)
        pointer = self._point_to(key, version, run_id)
        self.prune()
        return pointer

    def versions(self) -> dict[str, list[str]]:
        """Every published version id of the area -> its object keys."""
        found: dict[str, list[str]] = {}
        for item in self.store.list_files(self.area):
            rest = item.key[len(self.area) + 1 :]
            if rest == POINTER_NAME:
                continue
            if rest.startswith(f"{BUILDS_DIR}/"):
                version = rest[len(BUILDS_DIR) + 1 :].split(".", 1)[0]
            else:
                version = rest.split("/", 1)[0]
            found.setdefault(version, []).append(item.key)
        return found

    def prune(self, keep: int = KEEP_VERSIONS) -> list[str]:
        """Delete all but the ``keep`` newest versions (never the current one)."""
        pointer = self.current()
        versions = self.versions()
        kept = set(sorted(versions, reverse=True)[:keep])
        if pointer is not None:
            kept.add(pointer.version)
        doomed = [key for version, keys in versions.items() if version not in kept for key in keys]
        self.store.delete(doomed)
        return doomed

    # --- read ---------------------------------------------------------------------------

    def fetch_file(self, destination: Path) -> bool:
        """Download the current file version to ``destination``; False when there is none."""
        pointer = self.current()
        if pointer is None:
            return False
        self.store.download_file(pointer.path, destination)
        return True

    def cached_file(self) -> tuple[Path, Pointer]:
        """The current file version as a local file (downloaded once per version)."""
        pointer = self.require_current()
        local = self.cache_dir / Path(pointer.path).name
        if not local.is_file():
            self.store.download_file(pointer.path, local)
            self._forget_other_versions(keep=local)
        return local, pointer

    def adopt_file(self, local: Path, pointer: Pointer) -> Path:
        """Move a just-published local file into the cache as that version's copy."""
        cached = self.cache_dir / Path(pointer.path).name
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(local, cached)
        self._forget_other_versions(keep=cached)
        return cached

    def cached_tree(self) -> tuple[Path, Pointer]:
        """The current tree version as a local directory (downloaded once per version)."""
        pointer = self.require_current()
        local = self.cache_dir / pointer.version
        if not local.is_dir():
            partial = self.cache_dir / f".{pointer.version}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            self.store.download_tree(pointer.path, partial)
            try:
                partial.rename(local)
            except OSError:  # another reader cached the same version first
                shutil.rmtree(partial, ignore_errors=True)
            self._forget_other_versions(keep=local)
        return local, pointer

    def _forget_other_versions(self, keep: Path) -> None:
        """Remove older cached versions (best effort: another reader may still hold one)."""
        for path in self.cache_dir.iterdir():
            if path == keep or path.name.startswith("."):
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
