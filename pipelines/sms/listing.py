"""All tasks, exactly: concurrent passes, reconciliation with ``count``, offset-cap slicing.

The guarantee: the returned ``task_ids`` are the tasks the API counts, proven,
or :class:`~pipelines.sms.errors.ListingIncomplete` says what is missing. Never a
silently partial set.

* **Drift.** Tasks added at the head push later tasks down (duplicates across
  pages); removals pull them up (misses). A pass is accepted only when it is
  consistent (see :mod:`pipelines.sms.paging`); otherwise the listing is read
  again, up to ``max_rounds`` passes. Tasks met in an earlier pass but absent
  from the accepted one are reported in ``removed_ids`` for the writer to drop.
* **Offset cap.** One filter combination reaches at most 65,535 + page rows
  tasks. A bigger listing is sliced by ``enterprise_project_id`` (values found in
  the data), then by ``state``. The state filter cannot select SYNC_SUCCESS,
  SYNC_FAIL, SKIPPING or RESETING: those tasks are the slice's count minus the
  state slices' counts, and must all be found in the slice's reachable prefix.
  The slices must add up to the unfiltered count, checked again at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .client import SmsClient
from .contract import DATA_ONLY_STATES, FILTER_STATES, MAX_LIMIT, MAX_OFFSET
from .errors import ListingIncomplete
from .paging import ListingTally, OnPage, PassReader, PassResult

FILTERABLE_STATES = FILTER_STATES
UNFILTERABLE_STATES = DATA_ONLY_STATES
_UNFILTERABLE_TEXT = ", ".join(sorted(UNFILTERABLE_STATES))
ENTERPRISE_PROJECT = "enterprise_project_id"
SliceKey = tuple[tuple[str, str], ...]  # a slice's filters, sorted, hashable
STATE = "state"


@dataclass(frozen=True)
class SliceCount:
    """A slice read because its parent was beyond the offset cap, and the tasks it holds."""

    filters: dict[str, str]
    count: int
    note: str = ""


@dataclass(frozen=True)
class ListingResult:
    """The exact listing and how it was obtained (for run metadata)."""

    count: int
    task_ids: frozenset[str]
    pages: int
    duplicates_removed: int
    removed_ids: frozenset[str]
    recovered: int
    rounds: int
    slices: tuple[SliceCount, ...]
    clamped_limit: int | None
    empty_pages_retried: int
    client_stats: dict[str, float] = field(default_factory=dict)


def list_all_tasks(
    client: SmsClient,
    *,
    filters: Mapping[str, str] | None = None,
    page_size: int = MAX_LIMIT,
    concurrency: int = 8,
    on_page: OnPage | None = None,
    max_rounds: int = 3,
    empty_page_retries: int = 3,
    max_offset: int = MAX_OFFSET,
) -> ListingResult:
    """Read every task matching ``filters``, exactly once each, and prove the set complete.

    ``on_page(page, new_tasks)`` runs on the calling thread for every page as it
    arrives; ``new_tasks`` are the page's tasks never handed over before, so a
    writer never sees a duplicate. ``max_offset`` is the API's offset cap; it is a
    parameter only so the slicing can be exercised on small listings.
    Raises :class:`SmsApiError` (auth, bad request, retry budget spent) and
    :class:`ListingIncomplete` (completeness not provable).
    """
    if not 1 <= page_size <= MAX_LIMIT:
        raise ValueError(f"page_size must be within 1..{MAX_LIMIT}, got {page_size}")
    if concurrency < 1 or max_rounds < 1 or empty_page_retries < 0:
        raise ValueError("concurrency and max_rounds must be >= 1, empty_page_retries >= 0")
    if not 0 <= max_offset <= MAX_OFFSET:
        raise ValueError(f"max_offset must be within 0..{MAX_OFFSET}, got {max_offset}")
    stats_before = client.stats.snapshot()
    tally = ListingTally(on_page=on_page)
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sms-page") as pool:
        reader = PassReader(
            client,
            pool,
            tally,
            step=page_size,
            concurrency=concurrency,
            max_offset=max_offset,
            empty_page_retries=empty_page_retries,
            unfilterable_states=UNFILTERABLE_STATES,
        )
        listing = _Listing(reader, max_rounds)
        task_ids, count = listing.read_all(dict(filters or {}))
    stats_after = client.stats.snapshot()
    return ListingResult(
        count=count,
        task_ids=frozenset(task_ids),
        pages=tally.pages,
        duplicates_removed=tally.duplicates_removed,
        removed_ids=frozenset(tally.seen - task_ids),
        recovered=tally.recovered,
        rounds=listing.rounds,
        slices=tuple(listing.slices),
        clamped_limit=tally.clamped_limit,
        empty_pages_retried=tally.empty_pages_retried,
        client_stats={name: stats_after[name] - stats_before[name] for name in stats_after},
    )


class _Listing:
    """Rounds of passes until consistent, and the recursive slicing beyond the offset cap."""

    def __init__(self, reader: PassReader, max_rounds: int) -> None:
        self.reader = reader
        self.max_rounds = max_rounds
        self.rounds = 0
        self.slices: list[SliceCount] = []

    def read_all(self, filters: dict[str, str]) -> tuple[set[str], int]:
        """The exact id set for ``filters`` and the count it was proven against."""
        ids = self._resolve(filters)
        if not self.slices:
            return ids, len(ids)
        final_count = self.reader.probe_count(filters, is_reread=True)
        if final_count != len(ids):
            raise ListingIncomplete(
                "the slices no longer add up to the listing's count (tasks changed while slicing)",
                expected=final_count,
                got=len(ids),
                slice_filters=filters,
            )
        return ids, final_count

    def _consistent_pass(self, filters: dict[str, str], *, prefix_if_too_big: bool) -> PassResult:
        last: PassResult | None = None
        for attempt in range(self.max_rounds):
            self.rounds += 1
            result = self.reader.read(
                filters, is_reread=attempt > 0, prefix_if_too_big=prefix_if_too_big
            )
            if not result.fits and not prefix_if_too_big:
                return result
            if result.is_consistent:
                return result
            last = result
        assert last is not None
        raise ListingIncomplete(
            f"no consistent pass in {self.max_rounds} rounds ({last.describe_inconsistency()})",
            expected=last.count,
            got=len(last.ids),
            slice_filters=filters,
        )

    def _resolve(self, filters: dict[str, str]) -> set[str]:
        first = self._consistent_pass(filters, prefix_if_too_big=False)
        if first.fits:
            return first.ids
        return self._slice(filters, first.count)

    def _slice(self, filters: dict[str, str], count: int) -> set[str]:
        """Split a listing beyond the offset cap into slices that provably add up to ``count``."""
        prefix: PassResult | None = None
        if ENTERPRISE_PROJECT not in filters:
            split = self._enterprise_split(filters, count)
            if split is None:  # read what offsets reach: it may name more projects
                prefix = self._consistent_pass(filters, prefix_if_too_big=True)
                split = self._enterprise_split(filters, prefix.count)
            if split is not None:
                return self._read_slices(split)
        if STATE not in filters:
            prefix = prefix or self._consistent_pass(filters, prefix_if_too_big=True)
            split = self._child_counts(filters, STATE, FILTERABLE_STATES)
            remainder = prefix.count - sum(split.values())
            found = set(prefix.unfilterable)
            if remainder == len(found):
                ids = self._read_slices(split)
                self.slices.append(
                    SliceCount(
                        filters,
                        remainder,
                        f"states the filter cannot select ({_UNFILTERABLE_TEXT}), "
                        f"all found in the first {prefix.target} positions",
                    )
                )
                return ids | found
            raise ListingIncomplete(
                f"{remainder} tasks are in states the state filter cannot select and only "
                f"{len(found)} of them lie within the {prefix.target} positions offsets can reach",
                expected=prefix.count,
                got=prefix.count - remainder + len(found),
                slice_filters=filters,
            )
        raise ListingIncomplete(
            f"{count} tasks exceed what offsets can reach ({self.reader.max_offset} + "
            f"{self.reader.step}) and no filter is left to slice them by",
            expected=count,
            got=min(count, self.reader.max_offset + self.reader.step),
            slice_filters=filters,
        )

    def _enterprise_split(self, filters: dict[str, str], count: int) -> dict[SliceKey, int] | None:
        split = self._child_counts(
            filters, ENTERPRISE_PROJECT, sorted(self.reader.tally.enterprise_projects)
        )
        return split if sum(split.values()) == count else None

    def _child_counts(
        self, filters: dict[str, str], name: str, values: list[str] | tuple[str, ...]
    ) -> dict[SliceKey, int]:
        counts = {}
        for value in values:
            child = {**filters, name: value}
            counts[tuple(sorted(child.items()))] = self.reader.probe_count(child)
        return counts

    def _read_slices(self, split: dict[SliceKey, int]) -> set[str]:
        ids: set[str] = set()
        for key, probed in split.items():
            if probed == 0:
                continue
            child = dict(key)
            child_ids = self._resolve(child)
            self.slices.append(SliceCount(child, len(child_ids)))
            overlap = ids & child_ids
            if overlap:
                raise ListingIncomplete(
                    f"{len(overlap)} tasks appear in two slices (they changed while slicing)",
                    expected=len(ids) + len(child_ids) - len(overlap),
                    got=len(ids) + len(child_ids),
                    slice_filters=child,
                )
            ids |= child_ids
        return ids
