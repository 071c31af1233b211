"""One pass over one filter combination: every reachable listing position read exactly once.

A pass thinks in listing *positions*, not pages. Each :class:`PageRequest` wants
the positions ``[start, end)``; the offset sent is capped at ``max_offset`` (the
API's 65,535), so a tail request re-reads a few positions it does not want. A
pass advances by the rows actually *received*: a short page (a clamped
``limit``) leaves a gap that is requested again, and a page that makes no
progress although ``count`` says rows remain is an anomaly — retried a bounded
number of times, never taken for the end. Pages are fetched by a bounded pool
and handled on the caller's thread as they complete, so memory holds at most
``concurrency`` pages plus sets of ids.

Whether the pass is *consistent* (every page saw the same ``count``, every
wanted position yielded a distinct id, and the head of the listing did not move
while the pass ran) is decided here; what to do about an inconsistent pass is
the listing's business.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from typing import Any, overload

import pyarrow as pa

from .client import Page, SmsClient
from .contract import MAX_OFFSET
from .errors import ListingIncomplete

OnPage = Callable[[Page, Sequence[dict[str, Any]]], None]


class FreshTasks(Sequence[dict[str, Any]]):
    """The tasks of an Arrow-parsed page never handed over before, by position in the page.

    It reads like the list of those tasks (their JSON objects are parsed from the body on
    first use), and also offers them as ``arrow`` rows with their ``ids``, so the lake can
    store them without ever building Python objects.
    """

    def __init__(self, page: Page, positions: list[int]) -> None:
        self.page = page
        self.positions = positions

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        tasks = self.page.tasks
        if isinstance(index, slice):
            return [tasks[position] for position in self.positions[index]]
        return tasks[self.positions[index]]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        tasks = self.page.tasks
        return (tasks[position] for position in self.positions)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FreshTasks({len(self)} of {self.page!r})"

    @property
    def is_whole_page(self) -> bool:
        return len(self.positions) == self.page.rows

    @functools.cached_property
    def ids(self) -> list[str]:
        ids = self.page.task_ids
        return list(ids) if self.is_whole_page else [ids[position] for position in self.positions]

    @functools.cached_property
    def arrow(self) -> pa.StructArray:
        arrow = self.page.arrow
        assert arrow is not None
        return arrow if self.is_whole_page else arrow.take(pa.array(self.positions, pa.int64()))


@dataclass(frozen=True)
class PageRequest:
    """Listing positions ``[start, end)`` wanted, and how to ask for them under the offset cap."""

    start: int
    end: int
    max_offset: int = MAX_OFFSET
    empty_retries: int = 0

    @property
    def offset(self) -> int:
        return min(self.start, self.max_offset)

    @property
    def limit(self) -> int:
        return self.end - self.offset


def plan_requests(start: int, end: int, step: int, max_offset: int) -> list[PageRequest]:
    """Requests of ``step`` positions covering ``[start, end)``; ``end`` must be reachable."""
    if end > max_offset + step:
        raise ValueError(f"position {end - 1} is beyond offset {max_offset} + page size {step}")
    return [
        PageRequest(position, min(position + step, end), max_offset)
        for position in range(start, end, step)
    ]


@dataclass
class ListingTally:
    """What all passes of one listing share: ids already handed to ``on_page``, and counters."""

    on_page: OnPage | None
    seen: set[str] = field(default_factory=set)
    pages: int = 0
    duplicates_removed: int = 0
    recovered: int = 0
    empty_pages_retried: int = 0
    clamped_limit: int | None = None
    enterprise_projects: set[str] = field(default_factory=set)  # values met, for slicing

    def deliver(self, page: Page, *, is_reread: bool) -> None:
        """Hand the page and its never-seen tasks to ``on_page`` (on this, the caller's, thread)."""
        self.pages += 1
        positions: list[int] = []
        projects = page.values_of("enterprise_project_id")
        for position, task_id in enumerate(page.task_ids):
            if task_id not in self.seen:
                self.seen.add(task_id)
                positions.append(position)
                project = projects[position]
                if isinstance(project, str) and project:
                    self.enterprise_projects.add(project)
        if is_reread:
            self.recovered += len(positions)
        if self.on_page is not None:
            fresh: Sequence[dict[str, Any]]
            if page.arrow is not None:
                fresh = FreshTasks(page, positions)
            else:
                fresh = [page.tasks[position] for position in positions]
            self.on_page(page, fresh)


@dataclass
class PassResult:
    """The ids one pass read at its wanted positions, and whether they form a consistent listing."""

    filters: dict[str, str]
    count: int
    reachable: int
    ids: set[str]
    counts_seen: set[int]
    head_moved: bool
    unfilterable: dict[str, str]  # id -> state, for tasks the state filter cannot select

    @property
    def target(self) -> int:
        """Positions this pass had to read: all of them, or the reachable prefix."""
        return min(self.count, self.reachable)

    @property
    def is_consistent(self) -> bool:
        return len(self.counts_seen) == 1 and len(self.ids) == self.target and not self.head_moved

    @property
    def fits(self) -> bool:
        """The whole filter combination is reachable through offsets."""
        return self.count <= self.reachable

    def describe_inconsistency(self) -> str:
        parts = []
        if len(self.counts_seen) > 1:
            parts.append(f"count changed during the pass ({sorted(self.counts_seen)})")
        if len(self.ids) != self.target:
            parts.append(f"{len(self.ids)} distinct ids at {self.target} positions")
        if self.head_moved:
            parts.append("the head of the listing changed")
        return "; ".join(parts) or "consistent"


class PassReader:
    """Reads passes with a shared pool; ``step`` shrinks once if the server clamps ``limit``."""

    def __init__(
        self,
        client: SmsClient,
        executor: Executor,
        tally: ListingTally,
        *,
        step: int,
        concurrency: int,
        max_offset: int,
        empty_page_retries: int,
        unfilterable_states: frozenset[str],
    ) -> None:
        self.client = client
        self.executor = executor
        self.tally = tally
        self.step = step
        self.concurrency = concurrency
        self.max_offset = max_offset
        self.empty_page_retries = empty_page_retries
        self.unfilterable_states = unfilterable_states

    def probe_count(self, filters: Mapping[str, str], *, is_reread: bool = False) -> int:
        """The API's ``count`` for ``filters`` (one single-row page, delivered like any other)."""
        page = self.client.get_page(0, 1, filters)
        self.tally.deliver(page, is_reread=is_reread)
        return page.count

    def read(
        self, filters: Mapping[str, str], *, is_reread: bool, prefix_if_too_big: bool
    ) -> PassResult:
        """One pass. If ``count`` is beyond reach, read the reachable prefix only when asked."""
        head = self._first_page(filters, is_reread)
        count = head.count
        result = PassResult(
            filters=dict(filters),
            count=count,
            reachable=self.max_offset + self.step,
            ids=set(),
            counts_seen={count},
            head_moved=False,
            unfilterable={},
        )
        head_request = PageRequest(0, min(self.step, count), self.max_offset)
        self._absorb(result, head_request, head)
        if not result.fits and not prefix_if_too_big:
            return result
        pending = deque(plan_requests(head_request.end, result.target, self.step, self.max_offset))
        self._drain(filters, pending, result, is_reread)
        closing = self.client.get_page(0, self.step, filters)
        self.tally.deliver(closing, is_reread=is_reread)
        result.counts_seen.add(closing.count)
        result.head_moved = _head_moved(head, closing)
        return result

    def _first_page(self, filters: Mapping[str, str], is_reread: bool) -> Page:
        """Page 0, retried while empty against its own count; reveals a clamped ``limit``."""
        for attempt in range(self.empty_page_retries + 1):
            page = self.client.get_page(0, self.step, filters)
            self.tally.deliver(page, is_reread=is_reread)
            rows = page.rows
            if rows or not page.count:
                if rows < min(self.step, page.count):
                    self.step = rows
                    self.tally.clamped_limit = rows
                return page
            if attempt < self.empty_page_retries:
                self.tally.empty_pages_retried += 1
        raise ListingIncomplete(
            f"the first page came back empty {self.empty_page_retries + 1} times "
            f"though count={page.count}",
            expected=page.count,
            got=0,
            slice_filters=filters,
        )

    def _drain(
        self,
        filters: Mapping[str, str],
        pending: deque[PageRequest],
        result: PassResult,
        is_reread: bool,
    ) -> None:
        in_flight: dict[Future[Page], PageRequest] = {}
        try:
            while pending or in_flight:
                while pending and len(in_flight) < self.concurrency:
                    request = pending.popleft()
                    future = self.executor.submit(
                        self.client.get_page, request.offset, request.limit, filters
                    )
                    in_flight[future] = request
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    request = in_flight.pop(future)
                    page = future.result()
                    self.tally.deliver(page, is_reread=is_reread)
                    follow_up = self._absorb(result, request, page)
                    if follow_up is not None:
                        pending.appendleft(follow_up)
        finally:
            for future in in_flight:
                future.cancel()

    def _absorb(self, result: PassResult, request: PageRequest, page: Page) -> PageRequest | None:
        """Record the wanted rows of ``page``; return the request still needed for its gap."""
        result.counts_seen.add(page.count)
        skip = request.start - request.offset
        wanted = page.task_ids[skip : request.end - request.offset]
        states = page.values_of("state")[skip : request.end - request.offset]
        for task_id, state in zip(wanted, states, strict=True):
            if task_id in result.ids:
                self.tally.duplicates_removed += 1
                continue
            result.ids.add(task_id)
            if state in self.unfilterable_states:
                result.unfilterable[task_id] = state
        reached = request.start + len(wanted)
        still_wanted = min(request.end, page.count)
        if reached >= still_wanted:
            return None
        if reached > request.start:
            return PageRequest(reached, request.end, self.max_offset)
        if request.empty_retries < self.empty_page_retries:
            self.tally.empty_pages_retried += 1
            return PageRequest(
                request.start, request.end, self.max_offset, request.empty_retries + 1
            )
        raise ListingIncomplete(
            f"the page at offset {request.offset} came back without the rows count={page.count} "
            f"promises, {self.empty_page_retries + 1} times",
            expected=result.target,
            got=len(result.ids),
            slice_filters=result.filters,
        )


def _head_moved(head: Page, closing: Page) -> bool:
    """Did the first rows change between the start and the end of a pass?

    A closing page shorter than the first (the server started clamping) is
    compared on the rows it has; an empty one proves nothing, so it counts as moved.
    """
    closing_ids = closing.task_ids
    if not closing_ids:
        return bool(head.task_ids) or closing.count != 0
    return closing_ids != head.task_ids[: len(closing_ids)]
