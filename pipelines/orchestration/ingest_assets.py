"""Ingestion assets: one run lists every task and publishes one lake snapshot.

A single multi-asset produces the raw pages and every flattened table in one
pass (one JSON parse per page, streaming writes); the tables are separate asset
keys so checks, lineage and the SQL models can point at each one.
"""

import resource
from collections.abc import Iterator

import dagster as dg

from pipelines.ingest import IngestOutcome, ingest_snapshot
from pipelines.lake.schema import SCHEMA_VERSION, TABLES
from pipelines.orchestration.owners import OWNERS
from pipelines.orchestration.resources import DataStorage
from pipelines.orchestration.sms_source import SmsSource
from pipelines.settings import SettingsError
from pipelines.sms.errors import SmsApiError
from pipelines.sms.listing import ListingIncomplete

LAKE_TABLES = [name for name in TABLES]
RAW_PAGES = dg.AssetKey(["lake", "raw_pages"])
LAKE_GROUP = "lake"
#: Dagster concurrency pool of the ingest step: its limit caps ingests across a deployment.
INGEST_POOL = "sms_api"

TABLE_DESCRIPTIONS = {
    "tasks": "One row per migration task per snapshot (scalars, clone_server_* and "
    "network_check_info_* columns, source/target server ids).",
    "sub_tasks": "One row per sub-task per task per snapshot, in the API's order.",
    "source_servers": "One row per task that has a source server, per snapshot.",
    "target_servers": "One row per task that has a target server, per snapshot.",
    "special_configs": "One row per advanced-migration option per task per snapshot.",
    "quarantine": "Tasks that could not be loaded, with the field and reason; never dropped.",
    "snapshots": "Commit log: one row per published snapshot (count, source, simulated).",
}


def lake_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["lake", table])


SPECS = [
    dg.AssetSpec(
        RAW_PAGES,
        group_name=LAKE_GROUP,
        owners=OWNERS,
        kinds={"json"},
        description="Every GET /v3/tasks page exactly as received (zstd), with its request, "
        "time and count, under lake/raw/ — re-flattenable without calling the API.",
    ),
    *[
        dg.AssetSpec(
            lake_key(table),
            group_name=LAKE_GROUP,
            owners=OWNERS,
            kinds={"parquet"},
            description=TABLE_DESCRIPTIONS[table],
            deps=[RAW_PAGES],
            metadata={"schema_version": SCHEMA_VERSION},
        )
        for table in LAKE_TABLES
    ],
]


def _fail(message: str) -> dg.Failure:
    """A failure a retry cannot fix (bad settings, auth, bad request)."""
    return dg.Failure(description=message, allow_retries=False)


def _run_ingest(sms: SmsSource, storage: DataStorage, source: str | None) -> IngestOutcome:
    try:
        settings = sms.settings(source)
        storage.ensure_writable()
    except SettingsError as exc:
        raise _fail(f"Bad settings: {exc}") from None
    try:
        return ingest_snapshot(settings, storage.lake_root, source=source)
    except SmsApiError as exc:
        if not exc.retryable:
            raise _fail(f"SMS API refused the listing: {exc}") from None
        raise
    except ListingIncomplete as exc:
        raise dg.Failure(description=f"Listing not provably complete: {exc}") from None


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def build_sms_snapshot(
    partitions_def: dg.PartitionsDefinition | None = None,
) -> dg.AssetsDefinition:
    """The ingest multi-asset; partitioned by source when there is a sources file."""

    @dg.multi_asset(
        specs=SPECS,
        name="sms_snapshot",
        can_subset=False,
        partitions_def=partitions_def,
        pool=INGEST_POOL,
        retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
    )
    def sms_snapshot(context: dg.AssetExecutionContext, sms: SmsSource, storage: DataStorage):
        """List every SMS task (exact, reconciled with `count`) and publish one lake snapshot."""
        source = context.partition_key if context.has_partition_key else None
        yield from _materializations(context, _run_ingest(sms, storage, source))

    return sms_snapshot


def _materializations(
    context: dg.AssetExecutionContext, outcome: IngestOutcome
) -> Iterator[dg.MaterializeResult]:
    listing = outcome.listing
    if outcome.is_simulated:
        context.log.info(f"Source {outcome.source}: read the built-in simulator.")
    context.log.info(
        f"Snapshot {outcome.snapshot_id} of {outcome.source}: {len(listing.task_ids)} tasks of "
        f"count {listing.count} in {listing.pages} pages, {outcome.elapsed_s:.1f}s"
    )
    common = {
        "snapshot_id": outcome.snapshot_id,
        "source": outcome.source,
        "is_simulated": outcome.is_simulated,
        "peak_rss_mb": peak_rss_mb(),
    }
    yield dg.MaterializeResult(
        asset_key=RAW_PAGES,
        metadata={
            **common,
            "pages": listing.pages,
            "api_count": listing.count,
            "distinct_ids": len(listing.task_ids),
            "duplicates_removed": listing.duplicates_removed,
            "recovered": listing.recovered,
            "rounds": listing.rounds,
            "slices": len(listing.slices),
            "clamped_limit": listing.clamped_limit or 0,
            "empty_pages_retried": listing.empty_pages_retried,
            **outcome.stats,
            "unknown_fields": ", ".join(outcome.unknown_fields) or "none",
            "elapsed_s": round(outcome.elapsed_s, 3),
        },
    )
    for table in LAKE_TABLES:
        yield dg.MaterializeResult(
            asset_key=lake_key(table),
            metadata={
                **common,
                "dagster/row_count": outcome.rows.get(table, 0),
                "schema_version": SCHEMA_VERSION,
            },
        )


sms_snapshot = build_sms_snapshot()
