"""Hand-made lake snapshots for warehouse tests, written with the real Arrow schemas.

Tasks are given as API-shaped dicts (``id``, ``state``, ``create_date``, ``sub_tasks``,
``source_server``...); times as ``"YYYY-MM-DD HH:MM[:SS]"`` strings in UTC.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lake.layout import partition_dir
from pipelines.lake.schema import TABLES

_NESTED_TABLES = {"source_server": "source_servers", "target_server": "target_servers"}
_TIME_FIELDS = {"create_date", "estimate_complete_time", "start_date", "end_date", "finished_at"}


def ts(text: str | None) -> datetime | None:
    """``"2024-03-01 10:00"`` -> aware UTC datetime (None stays None)."""
    if text is None:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    return {key: ts(value) if key in _TIME_FIELDS else value for key, value in row.items()}


class LakeBuilder:
    """Writes ``<lake>/<table>/source=.../snapshot_date=.../<id>.parquet`` like the store does."""

    def __init__(self, lake_root: Path) -> None:
        self.lake_root = lake_root
        self._sequence = itertools.count(1)

    def _write(
        self,
        table: str,
        snapshot_id: str,
        snapshot_at: datetime,
        rows: list[dict],
        source: str = "test",
    ):
        schema = TABLES[table]
        base = {"snapshot_id": snapshot_id, "snapshot_at": snapshot_at}
        columns = {
            field.name: [{**base, **row}.get(field.name) for row in rows] for field in schema
        }
        arrow = pa.Table.from_pydict(columns, schema=schema)
        folder = partition_dir(self.lake_root, table, source, snapshot_at)
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(arrow, folder / f"{snapshot_id}.parquet")

    def snapshot(
        self,
        snapshot_at: str,
        tasks: list[dict[str, Any]],
        *,
        commit: bool = True,
        source: str = "test",
    ) -> str:
        """Write one snapshot of ``tasks`` of ``source``; with ``commit`` also its commit row."""
        at = ts(snapshot_at)
        snapshot_id = f"{at:%Y%m%dT%H%M%SZ}-{next(self._sequence):06x}"
        task_rows, sub_rows, config_rows = [], [], []
        nested_rows: dict[str, list[dict]] = {table: [] for table in _NESTED_TABLES.values()}
        for task in tasks:
            task = dict(task)
            sub_tasks = task.pop("sub_tasks", None) or []
            configs = task.pop("special_config", None) or []
            for api_field, table in _NESTED_TABLES.items():
                server = task.pop(api_field, None)
                if server is not None:
                    nested_rows[table].append({"task_id": task["id"], **server})
                    task[f"{api_field}_id"] = server.get("id")
            task_rows.append(_typed(task))
            for ordinal, sub_task in enumerate(sub_tasks):
                sub_rows.append(_typed({"task_id": task["id"], "ordinal": ordinal, **sub_task}))
            for ordinal, config in enumerate(configs):
                config_rows.append({"task_id": task["id"], "ordinal": ordinal, **config})
        self._write("tasks", snapshot_id, at, task_rows, source)
        self._write("sub_tasks", snapshot_id, at, sub_rows, source)
        self._write("special_configs", snapshot_id, at, config_rows, source)
        for table, rows in nested_rows.items():
            self._write(table, snapshot_id, at, rows, source)
        if commit:
            commit_row = {
                "finished_at": at,
                "source": source,
                "is_simulated": True,
                "api_count": len(tasks),
                "task_count": len(tasks),
                "pages": 1,
                "filters": json.dumps({}),
                "schema_version": 1,
            }
            self._write("snapshots", snapshot_id, at, [commit_row], source)
        return snapshot_id
