"""Raw landing: every page exactly as received (gzip), plus one ``pages.jsonl`` line each.

The raw pages are the lake's ground truth: :func:`pipelines.lake.store.reflatten` rebuilds a
snapshot's tables from them without calling the API again.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

from pipelines.lake.errors import LakeError
from pipelines.lake.layout import PAGES_FILE

#: Query keys that would mean a credential leaked into the params; such a page is refused.
_CREDENTIAL_KEYS = frozenset(
    {"token", "x-auth-token", "ak", "sk", "access_key", "secret_key", "authorization", "password"}
)


class PageLike(Protocol):
    """What the lake needs of one listing page (the client's ``Page`` has these fields)."""

    @property
    def params(self) -> Mapping[str, Any]: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def body(self) -> bytes: ...
    @property
    def count(self) -> int: ...
    @property
    def tasks(self) -> list[Any]: ...


@dataclass(frozen=True)
class RawPage:
    """A landed page read back: its ``pages.jsonl`` line and its parsed tasks."""

    meta: dict[str, Any]
    tasks: list[Any]


class RawLanding:
    """Writes one snapshot's raw pages into ``directory`` (created; must not exist yet)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=False)
        self._meta = (directory / PAGES_FILE).open("ab")
        self.pages = 0
        self.bytes_written = 0

    def land(self, page: PageLike, new_rows: int) -> None:
        """Write the page body (gzip) and its meta line; the meta line goes last."""
        leaked = sorted(key for key in page.params if key.lower() in _CREDENTIAL_KEYS)
        if leaked:
            raise LakeError(f"page params carry credential-like keys {leaked}; refusing to land")
        self.pages += 1
        name = f"page-{self.pages:06d}.json.gz"
        packed = gzip.compress(page.body, compresslevel=6, mtime=0)
        (self.directory / name).write_bytes(packed)
        meta = {
            "seq": self.pages,
            "file": name,
            "params": dict(page.params),
            "received_at": page.received_at.isoformat(),
            "request_id": page.request_id,
            "count": page.count,
            "rows": len(page.tasks),
            "new_rows": new_rows,
            "bytes": len(page.body),
            "sha256": hashlib.sha256(page.body).hexdigest(),
        }
        line = orjson.dumps(meta, default=str) + b"\n"
        self._meta.write(line)
        self._meta.flush()
        self.bytes_written += len(packed) + len(line)

    def close(self) -> None:
        self._meta.close()


def read_raw_pages(directory: Path) -> Iterator[RawPage]:
    """The landed pages of a snapshot in landing order, each checked against its sha256."""
    meta_path = directory / PAGES_FILE
    if not meta_path.is_file():
        raise LakeError(f"no {PAGES_FILE} in {directory}")
    with meta_path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                meta = orjson.loads(line)
                body = gzip.decompress((directory / meta["file"]).read_bytes())
            except (orjson.JSONDecodeError, KeyError, OSError, EOFError) as error:
                raise LakeError(f"{meta_path}:{number}: unreadable raw page ({error})") from None
            if hashlib.sha256(body).hexdigest() != meta["sha256"]:
                raise LakeError(f"{directory / meta['file']}: body does not match its sha256")
            try:
                tasks = orjson.loads(body)["tasks"]
            except (orjson.JSONDecodeError, KeyError, TypeError) as error:
                raise LakeError(f"{directory / meta['file']}: no task list ({error})") from None
            if tasks is None:
                tasks = []
            if not isinstance(tasks, list):
                raise LakeError(f"{directory / meta['file']}: 'tasks' is not an array")
            yield RawPage(meta, tasks)
