"""Ours: ``ingest_snapshot`` exactly as the pipeline runs it, into a fresh lake.

Concurrent exact listing, raw landing (zstd), flatten, Parquet, atomic commit — all of
it timed, so the figure is what a scheduled run costs, not just the fetch.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.contender import ContenderRun, RunContext, Written
from pipelines.ingest import ingest_snapshot
from pipelines.lake.readers import read_table
from pipelines.settings import SourceSettings

CONCURRENCY = 8


def _lake_root(context: RunContext) -> Path:
    return context.workdir / "lake"


def run(context: RunContext) -> ContenderRun:
    settings = SourceSettings(
        endpoint=context.base_url,
        token=context.token,
        page_size=context.page_size,
        concurrency=CONCURRENCY,
    )
    started = time.perf_counter()
    outcome = ingest_snapshot(settings, _lake_root(context))
    seconds = time.perf_counter() - started
    listing = outcome.listing
    return ContenderRun(
        seconds=seconds,
        details={
            "api_count": listing.count,
            "pages": listing.pages,
            "rounds": listing.rounds,
            "quarantined": outcome.quarantined,
        },
    )


def written(context: RunContext) -> Written:
    ids = read_table(_lake_root(context), "tasks").column("id").to_pylist()
    return Written(rows=len(ids), distinct_ids=len(set(ids)))
