"""One snapshot: list every task exactly, land raw pages, flatten, commit atomically.

This is the whole ingestion as the pipeline runs it, callable without Dagster
(the CLI and the benchmarks use it too); the Dagster asset is a thin wrapper.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.lake.layout import check_source_name, to_source_name
from pipelines.lake.page_sink import PageSink
from pipelines.lake.store import (
    SnapshotWriter,
    cleanup_stale_staging,
    list_snapshots,
    new_snapshot_id,
)
from pipelines.lake.upgrade import upgrade_legacy_layout
from pipelines.settings import SourceSettings
from pipelines.sms.client import ClientConfig, Page, SmsClient
from pipelines.sms.listing import ListingResult, list_all_tasks
from pipelines.storage.remote_lake import via_scratch_lake
from pipelines.storage.remote_path import RemotePath

SIMULATED_SOURCE = "simulator"
# Each simulated run sees the simulator's clock this much later than the previous one,
# so scheduled demo runs build a history in which tasks progress, finish and appear.
SIMULATED_RUN_INTERVAL = timedelta(minutes=30)

ProgressCallback = Callable[[int, int], None]
# Set by the CLI around an in-process run so the ingest asset can drive its progress bar.
PAGE_PROGRESS: ContextVar[ProgressCallback | None] = ContextVar("page_progress", default=None)


@dataclass
class IngestOutcome:
    snapshot_id: str
    snapshot_at: datetime
    source: str
    is_simulated: bool
    listing: ListingResult
    rows: dict[str, int]
    unknown_fields: list[str]
    quarantined: int
    elapsed_s: float
    stats: dict[str, float] = field(default_factory=dict)


def client_config(settings: SourceSettings, endpoint: str) -> ClientConfig:
    return ClientConfig(
        endpoint=endpoint,
        token=settings.token,
        access_key=settings.access_key,
        secret_key=settings.secret_key,
        project_id=settings.project_id,
        timeout_s=settings.timeout_s,
        max_retries=settings.max_retries,
        backoff_s=settings.backoff_s,
        verify=settings.ca_bundle or True,
        pool_size=settings.concurrency,
    )


@contextlib.contextmanager
def api_endpoint(
    settings: SourceSettings, lake_root: Path | RemotePath, source: str
) -> Iterator[tuple[ClientConfig, datetime | None]]:
    """The real endpoint, or the built-in simulator started for this run when none is set.

    Also yields the simulator's clock time, which is the snapshot time of simulated data:
    its tasks live in simulated time, so the real wall clock would make durations absurd.
    """
    if not settings.is_simulated:
        assert settings.endpoint is not None
        yield client_config(settings, settings.endpoint), None
        return
    from pipelines.simulator import DEMO_TOKEN, SimulatorConfig, SimulatorServer

    earlier_runs = sum(
        1 for snap in list_snapshots(lake_root) if snap.is_simulated and snap.source == source
    )
    config = SimulatorConfig(tasks=settings.simulator_tasks, seed=settings.simulator_seed)
    with SimulatorServer(config) as sim:
        if earlier_runs:
            sim.clock.advance(SIMULATED_RUN_INTERVAL * earlier_runs)
        simulated = SourceSettings(
            endpoint=sim.base_url,
            token=DEMO_TOKEN,
            page_size=settings.page_size,
            concurrency=settings.concurrency,
            timeout_s=settings.timeout_s,
            max_retries=settings.max_retries,
            backoff_s=settings.backoff_s,
        )
        yield client_config(simulated, sim.base_url), sim.clock.now


def source_label(settings: SourceSettings) -> str:
    """The lake source name of a single-source run: ``simulator`` or the endpoint's host."""
    if settings.is_simulated:
        return SIMULATED_SOURCE
    return to_source_name(urlsplit(settings.endpoint or "").hostname or "unknown")


def ingest_snapshot(
    settings: SourceSettings,
    lake_root: Path | RemotePath,
    *,
    progress: ProgressCallback | None = None,
    now: datetime | None = None,
    source: str | None = None,
    history_root: Path | RemotePath | None = None,
) -> IngestOutcome:
    """List every task, land and flatten it, and commit one snapshot; raise on anything inexact.

    ``source`` names the lake partition (a sources-file entry); by default the endpoint's host.
    A lake on object storage is written through a local scratch lake (see
    :mod:`pipelines.storage.remote_lake`); ``history_root`` is then the real lake, whose
    earlier snapshots set the simulator's clock.
    """
    source = check_source_name(source or source_label(settings))
    if isinstance(lake_root, RemotePath):
        remote = lake_root
        return via_scratch_lake(
            remote,
            source,
            lambda scratch: ingest_snapshot(
                settings, scratch, progress=progress, now=now, source=source, history_root=remote
            ),
        )
    started = time.perf_counter()
    progress = progress or PAGE_PROGRESS.get()
    upgrade_legacy_layout(lake_root)  # a lake written before it was partitioned by source
    cleanup_stale_staging(lake_root)  # leftovers of runs that were killed
    with contextlib.ExitStack() as stack:
        config, simulated_now = stack.enter_context(
            api_endpoint(settings, history_root or lake_root, source)
        )
        snapshot_at = now or simulated_now or datetime.now(UTC)
        snapshot_id = new_snapshot_id(snapshot_at)
        client = stack.enter_context(SmsClient(config))
        writer = stack.enter_context(
            SnapshotWriter(
                lake_root,
                snapshot_id,
                snapshot_at,
                source=source,
                is_simulated=settings.is_simulated,
                filters=settings.filters,
            )
        )
        sink = stack.enter_context(PageSink(writer))
        pages_seen = 0

        def on_page(page: Page, new_tasks: list[dict]) -> None:
            nonlocal pages_seen
            sink.put(page, new_tasks)
            pages_seen += 1
            if progress is not None:
                expected = max(1, -(-page.count // settings.page_size))
                progress(pages_seen, max(expected, pages_seen))

        listing = list_all_tasks(
            client,
            filters=settings.filters,
            page_size=settings.page_size,
            concurrency=settings.concurrency,
            on_page=on_page,
        )
        sink.drain()
        info = writer.commit(
            api_count=listing.count,
            task_ids=listing.task_ids,
            removed_ids=listing.removed_ids,
            pages=listing.pages,
        )
    return IngestOutcome(
        snapshot_id=snapshot_id,
        snapshot_at=snapshot_at,
        source=source,
        is_simulated=settings.is_simulated,
        listing=listing,
        rows={**info.rows, "snapshots": 1},
        unknown_fields=sorted(info.unknown_fields),
        quarantined=info.quarantined,
        elapsed_s=time.perf_counter() - started,
        stats=dict(listing.client_stats),
    )
