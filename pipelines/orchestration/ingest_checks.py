"""Checks on the latest lake snapshot; blocking ones keep bad data out of the warehouse."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines.lake.layout import table_file
from pipelines.lake.readers import SnapshotRow, latest_snapshot_row
from pipelines.orchestration.ingest_assets import lake_key
from pipelines.orchestration.resources import DataStorage
from pipelines.storage.duckdb_fs import lake_connection
from pipelines.storage.remote_path import RemotePath

CHILD_TABLES = ("sub_tasks", "source_servers", "target_servers", "special_configs")


class LatestSnapshot:
    """The newest committed snapshot and the paths of its table files."""

    def __init__(self, lake_root: Path | RemotePath, row: SnapshotRow) -> None:
        self.row = row
        self._lake_root = lake_root

    def file(self, table: str) -> Path | RemotePath:
        return table_file(
            self._lake_root, table, self.row.snapshot_id, self.row.snapshot_at, self.row.source
        )


def latest_snapshot(
    lake_root: Path | RemotePath, source: str | None = None
) -> LatestSnapshot | None:
    """The newest committed snapshot (of ``source`` when given), or None."""
    row = latest_snapshot_row(lake_root, source)
    return None if row is None else LatestSnapshot(lake_root, row)


def _scalar(sql: str, files: list[Path | RemotePath]) -> int:
    with lake_connection(files) as con:
        return con.execute(sql, [str(file) for file in files]).fetchone()[0]


def _no_snapshot(source: str | None) -> dg.AssetCheckResult:
    of_source = f" of source {source!r}" if source else ""
    return dg.AssetCheckResult(
        passed=False, description=f"the lake has no committed snapshot{of_source}"
    )


def _count_reconciles(snap: LatestSnapshot) -> dg.AssetCheckResult:
    stored = _scalar(
        "SELECT count(DISTINCT id) FROM ("
        " SELECT id FROM read_parquet(?) UNION ALL"
        " SELECT task_id FROM read_parquet(?) WHERE task_id IS NOT NULL)",
        [snap.file("tasks"), snap.file("quarantine")],
    )
    return dg.AssetCheckResult(
        passed=stored == snap.row.api_count,
        metadata={
            "snapshot_id": snap.row.snapshot_id,
            "api_count": snap.row.api_count,
            "distinct_ids": stored,
        },
    )


def _task_ids_unique(snap: LatestSnapshot) -> dg.AssetCheckResult:
    doubled = _scalar(
        "SELECT count(*) - count(DISTINCT id) FROM read_parquet(?)", [snap.file("tasks")]
    )
    return dg.AssetCheckResult(passed=doubled == 0, metadata={"duplicate_rows": doubled})


def _sub_task_progress_in_range(snap: LatestSnapshot) -> dg.AssetCheckResult:
    bad = _scalar(
        "SELECT count(*) FROM read_parquet(?) WHERE progress < 0 OR progress > 100",
        [snap.file("sub_tasks")],
    )
    return dg.AssetCheckResult(passed=bad == 0, metadata={"out_of_range": bad})


def _references_tasks(table: str) -> Callable[[LatestSnapshot], dg.AssetCheckResult]:
    def _evaluate(snap: LatestSnapshot) -> dg.AssetCheckResult:
        orphans = _scalar(
            "SELECT count(*) FROM read_parquet(?) c"
            " ANTI JOIN read_parquet(?) t ON c.task_id = t.id",
            [snap.file(table), snap.file("tasks")],
        )
        return dg.AssetCheckResult(passed=orphans == 0, metadata={"orphan_rows": orphans})

    return _evaluate


def _quarantine_empty(snap: LatestSnapshot) -> dg.AssetCheckResult:
    rows = _scalar("SELECT count(*) FROM read_parquet(?)", [snap.file("quarantine")])
    return dg.AssetCheckResult(
        passed=rows == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"quarantined_rows": rows},
    )


@dataclass(frozen=True)
class IngestCheck:
    """One check of the latest snapshot: what it guards, and how it evaluates one snapshot."""

    name: str
    table: str
    description: str
    evaluate: Callable[[LatestSnapshot], dg.AssetCheckResult]
    blocking: bool = True


CHECKS = [
    IngestCheck(
        "count_reconciles",
        "snapshots",
        "Distinct task ids stored (tables + quarantine) equal the API's `count`.",
        _count_reconciles,
    ),
    IngestCheck(
        "task_ids_unique", "tasks", "No task appears twice in one snapshot.", _task_ids_unique
    ),
    IngestCheck(
        "sub_task_progress_in_range",
        "sub_tasks",
        "Sub-task progress is a percentage (0-100) or null.",
        _sub_task_progress_in_range,
    ),
    *[
        IngestCheck(
            f"{table}_reference_tasks",
            table,
            f"Every {table} row references a task of its own snapshot.",
            _references_tasks(table),
        )
        for table in CHILD_TABLES
    ],
    IngestCheck(
        "quarantine_empty",
        "quarantine",
        "Warns when tasks were quarantined: they are kept, with a reason, but not in the marts.",
        _quarantine_empty,
        blocking=False,
    ),
]


def _run(check: IngestCheck, storage: DataStorage, source: str | None) -> dg.AssetCheckResult:
    snap = latest_snapshot(storage.lake_root, source)
    return _no_snapshot(source) if snap is None else check.evaluate(snap)


def _definition(
    check: IngestCheck, partitions_def: dg.PartitionsDefinition | None
) -> dg.AssetChecksDefinition:
    """The check on the latest snapshot, or per source partition on that source's latest."""
    decorate = dg.asset_check(
        asset=lake_key(check.table),
        name=check.name,
        blocking=check.blocking,
        description=check.description,
        partitions_def=partitions_def,
    )
    if partitions_def is None:

        @decorate
        def _latest(storage: DataStorage) -> dg.AssetCheckResult:
            return _run(check, storage, None)

        return _latest

    def _latest_of_source(context, storage: DataStorage) -> dg.AssetCheckResult:
        # ``context`` unannotated: Dagster cannot resolve a postponed annotation here.
        return _run(check, storage, context.partition_key)

    # Partitioned checks are a Dagster "preview" (pinned version): per-source check status.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return decorate(_latest_of_source)


def build_ingest_checks(
    partitions_def: dg.PartitionsDefinition | None = None,
) -> list[dg.AssetChecksDefinition]:
    return [_definition(check, partitions_def) for check in CHECKS]


INGEST_CHECKS = build_ingest_checks()
