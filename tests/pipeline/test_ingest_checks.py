"""Ingest checks fail on exactly the inconsistencies they guard against."""

from __future__ import annotations

from pipelines.orchestration.ingest_checks import INGEST_CHECKS
from pipelines.orchestration.resources import DataStorage
from tests.warehouse.lake_builder import LakeBuilder, ts


def test_each_check_flags_its_own_inconsistency(tmp_path):
    lake = LakeBuilder(tmp_path / "lake")
    snapshot_id = lake.snapshot("2026-01-05 00:00", [{"id": "t1"}, {"id": "t2"}])
    at = ts("2026-01-05 00:00")
    # Tamper with the committed snapshot: t1 twice and t2 lost; an orphan sub-task at 150 %.
    lake._write("tasks", snapshot_id, at, [{"id": "t1"}, {"id": "t1"}])
    lake._write("sub_tasks", snapshot_id, at, [{"task_id": "t9", "ordinal": 0, "progress": 150}])
    lake._write("quarantine", snapshot_id, at, [])

    storage = DataStorage(data_dir=str(tmp_path))
    outcomes = {
        next(iter(check.check_specs)).name: check(storage=storage) for check in INGEST_CHECKS
    }

    assert {name: result.passed for name, result in outcomes.items()} == {
        "count_reconciles": False,
        "task_ids_unique": False,
        "sub_task_progress_in_range": False,
        "sub_tasks_reference_tasks": False,
        "source_servers_reference_tasks": True,
        "target_servers_reference_tasks": True,
        "special_configs_reference_tasks": True,
        "quarantine_empty": True,
    }
    assert outcomes["count_reconciles"].metadata["distinct_ids"].value == 1
    assert outcomes["count_reconciles"].metadata["api_count"].value == 2
    assert outcomes["task_ids_unique"].metadata["duplicate_rows"].value == 1
    assert outcomes["sub_tasks_reference_tasks"].metadata["orphan_rows"].value == 1


def test_checks_fail_clearly_on_an_empty_lake(tmp_path):
    storage = DataStorage(data_dir=str(tmp_path))
    for check in INGEST_CHECKS:
        result = check(storage=storage)
        assert (result.passed, result.description) == (
            False,
            "the lake has no committed snapshot",
        )
