"""Raw landing: every page exactly as received (zstd), plus one ``pages.jsonl`` line each.

The raw pages are the lake's ground truth: :func:`pipelines.lake.store.reflatten` rebuilds a
snapshot's tables from them without calling the API again. Pages are zstd frames
(``page-NNNNNN.json.zst``, readable by the ``zstd`` tool); snapshots landed before that are
gzip (``.json.gz``) and still read.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson
import pyarrow as pa

from pipelines.lake.errors import LakeError
from pipelines.lake.layout import PAGES_FILE

#: Query keys that would mean a credential leaked into the params; such a page is refused.
_CREDENTIAL_KEYS = frozenset(
    {"token", "x-auth-token", "ak", "sk", "access_key", "secret_key", "authorization", "password"}
)


#: Codec of raw pages: zstd (level 1) compresses ~3x faster than gzip level 1, ~30 % smaller.
RAW_CODEC = "zstd"
RAW_SUFFIX = ".json.zst"
#: Threads compressing and writing pages (zstd and sha256 release the GIL).
RAW_WRITERS = 2
#: Pages queued for compression before ``land`` waits (bounds memory).
MAX_QUEUED_PAGES = 16


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
    """Writes one snapshot's raw pages into ``directory`` (created; must not exist yet).

    Pages are compressed and written by a small thread pool so the caller can flatten the
    next page meanwhile; ``pages.jsonl`` lines are still written by the caller, in landing
    order, each only after its page file is on disk. :meth:`finish` waits for every page and
    raises the first write failure.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=False)
        self._meta = (directory / PAGES_FILE).open("ab")
        self._pool = ThreadPoolExecutor(max_workers=RAW_WRITERS, thread_name_prefix="lake-raw")
        self._queued: deque[Future[tuple[bytes, int]]] = deque()
        self.pages = 0
        self.bytes_written = 0

    def land(self, page: PageLike, new_rows: int) -> None:
        """Queue the page body (zstd) and its meta line; the meta line goes last."""
        leaked = sorted(key for key in page.params if key.lower() in _CREDENTIAL_KEYS)
        if leaked:
            raise LakeError(f"page params carry credential-like keys {leaked}; refusing to land")
        self.pages += 1
        meta = {
            "seq": self.pages,
            "file": f"page-{self.pages:06d}{RAW_SUFFIX}",
            "params": dict(page.params),
            "received_at": page.received_at.isoformat(),
            "request_id": page.request_id,
            "count": page.count,
            "rows": _rows(page),
            "new_rows": new_rows,
            "bytes": len(page.body),
        }
        self._queued.append(self._pool.submit(self._write_page, page.body, meta))
        self._write_done_lines(block=len(self._queued) > MAX_QUEUED_PAGES)

    def _write_page(self, body: bytes, meta: dict[str, Any]) -> tuple[bytes, int]:
        """On a pool thread: the compressed page file; returns its meta line and file size."""
        packed = pa.compress(body, codec=RAW_CODEC, asbytes=True)
        (self.directory / meta["file"]).write_bytes(packed)
        meta["sha256"] = hashlib.sha256(body).hexdigest()
        return orjson.dumps(meta, default=str) + b"\n", len(packed)

    def _write_done_lines(self, *, block: bool) -> None:
        """Write the meta lines of the landed pages at the head of the queue, in order."""
        while self._queued and (block or self._queued[0].done()):
            line, packed_size = self._queued.popleft().result()
            self._meta.write(line)
            self._meta.flush()
            self.bytes_written += packed_size + len(line)
            block = block and len(self._queued) > MAX_QUEUED_PAGES

    def finish(self) -> None:
        """Wait until every queued page and its meta line are written."""
        while self._queued:
            self._write_done_lines(block=True)

    def close(self) -> None:
        """Stop the pool (waiting for writes in flight) and close ``pages.jsonl``."""
        for queued in self._queued:
            queued.cancel()
        self._pool.shutdown(wait=True)
        with contextlib.suppress(Exception):
            self.finish()
        self._queued.clear()
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
                body = _unpack(directory / meta["file"])
            except (
                orjson.JSONDecodeError,
                KeyError,
                OSError,
                EOFError,
                pa.ArrowException,
            ) as error:
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


def _rows(page: PageLike) -> int:
    """Tasks on the page; the client's pages know it without building Python tasks."""
    rows = getattr(page, "rows", None)
    return rows if isinstance(rows, int) else len(page.tasks)


def _unpack(path: Path) -> bytes:
    """A landed page's body: zstd, or gzip for pages landed before zstd."""
    packed = path.read_bytes()
    if path.name.endswith(".gz"):
        return gzip.decompress(packed)
    with pa.CompressedInputStream(pa.BufferReader(packed), RAW_CODEC) as stream:
        return stream.read()
