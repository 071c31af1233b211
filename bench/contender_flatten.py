"""The flatten stage against its floor, on the same pages held in memory.

Pages are fetched once with our client and listing (not timed). Then two timings:
``parse_floor_s``, a bare ``orjson.loads`` of every raw body, page by page (nothing
can turn JSON into tables faster than it can parse it), and ``flatten_s``, ours' flatten stage on
the tasks the client already parsed — flatten to Arrow plus the staged Parquet writes,
exactly the lake writer's staging path, without raw landing or the commit.
"""

from __future__ import annotations

import gc
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq

from bench.contender import ContenderRun, RunContext, Written
from pipelines.lake.layout import staging_dir
from pipelines.lake.staging import StagedSnapshot  # the lake writer's flatten+stage path
from pipelines.sms.client import ClientConfig, Page, SmsClient
from pipelines.sms.listing import list_all_tasks

SNAPSHOT_ID = "20260105T000000Z-be0c40"
SNAPSHOT_AT = datetime(2026, 1, 5, tzinfo=UTC)
CONCURRENCY = 8


def _lake_root(context: RunContext) -> Path:
    return context.workdir / "lake"


def fetch_pages(context: RunContext) -> tuple[list[bytes], list[list[dict[str, Any]]]]:
    """Every raw body and every page's new tasks, as ours' listing hands them over."""
    bodies: list[bytes] = []
    new_tasks_per_page: list[list[dict[str, Any]]] = []

    def keep(page: Page, new_tasks: list[dict[str, Any]]) -> None:
        bodies.append(page.body)
        new_tasks_per_page.append(new_tasks)

    config = ClientConfig(endpoint=context.base_url, token=context.token, pool_size=CONCURRENCY)
    with SmsClient(config) as client:
        list_all_tasks(client, page_size=context.page_size, concurrency=CONCURRENCY, on_page=keep)
    return bodies, new_tasks_per_page


def run(context: RunContext) -> ContenderRun:
    bodies, new_tasks_per_page = fetch_pages(context)

    gc.collect()
    started = time.perf_counter()
    for body in bodies:
        # One page at a time, then freed — as the client holds pages. Keeping all of them
        # would time a gigabyte of page faults at N = 65,735 instead of parsing.
        orjson.loads(body)
    parse_floor_s = time.perf_counter() - started

    gc.collect()
    stage = StagedSnapshot(_lake_root(context), SNAPSHOT_ID, SNAPSHOT_AT)
    started = time.perf_counter()
    for new_tasks in new_tasks_per_page:
        stage.add(new_tasks)
    stage.finish(set())
    flatten_s = time.perf_counter() - started
    return ContenderRun(
        seconds=flatten_s,
        details={
            "flatten_s": flatten_s,
            "parse_floor_s": parse_floor_s,
            "pages": len(bodies),
            "body_mb": round(sum(len(b) for b in bodies) / 1e6, 2),
        },
    )


def written(context: RunContext) -> Written:
    staged = sorted(staging_dir(_lake_root(context), SNAPSHOT_ID).glob("tasks.parquet*"))
    ids = pq.read_table(staged[0], columns=["id"]).column("id").to_pylist()
    return Written(rows=len(ids), distinct_ids=len(set(ids)))
