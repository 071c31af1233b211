"""Feeding pages to a snapshot writer on its own thread, so fetching never waits on writing."""

from __future__ import annotations

import queue
import threading
from typing import Any

from pipelines.lake.raw import PageLike
from pipelines.lake.store import SnapshotWriter

#: Pages waiting for the writer thread before the listing waits (bounds memory).
MAX_QUEUED_PAGES = 8


class PageSink:
    """Feeds pages to a :class:`SnapshotWriter` on its own thread, in arrival order.

    The listing calls ``on_page`` on its thread; handing the page over instead of flattening
    it there lets the listing keep every request slot busy while pages are written. The
    writer's first failure is raised from the next :meth:`put` and from :meth:`drain`.
    """

    def __init__(self, writer: SnapshotWriter) -> None:
        self._writer = writer
        self._pages: queue.Queue[tuple[PageLike, list[Any]] | None] = queue.Queue(MAX_QUEUED_PAGES)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="lake-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._pages.get()) is not None:
            if self._failure is None:
                try:
                    self._writer.add_page(*item)
                except BaseException as error:  # re-raised on the listing's thread
                    self._failure = error

    def put(self, page: PageLike, new_tasks: list[Any]) -> None:
        self._raise_failure()
        self._pages.put((page, new_tasks))

    def drain(self) -> None:
        """Wait until every page handed over is written; raise the writer's failure."""
        self.close()
        self._raise_failure()

    def close(self) -> None:
        """Stop the thread after the pages already queued (idempotent)."""
        if self._thread.is_alive():
            self._pages.put(None)
            self._thread.join()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def __enter__(self) -> PageSink:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
