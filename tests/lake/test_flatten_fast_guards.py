"""The fast path's type and range guards (integers converted straight to int64/int32, one
range check per table) step aside exactly where the validating path must decide."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from lake_pages import SNAPSHOT_AT, SNAPSHOT_ID
from test_flatten_columnar import assert_same_as_validated, task_with

from pipelines.lake.columnar import columnar_tables
from pipelines.lake.errors import LakeError
from pipelines.lake.staging import StagedSnapshot


def with_sub_task(number: int, **changes: Any) -> dict[str, Any]:
    task = task_with(number)
    task["sub_tasks"][0].update(changes)
    return task


@pytest.mark.parametrize(
    "changes",
    [
        {"progress": 50.0},  # int32 conversion would truncate a float
        {"progress": 50.5},
        {"id": 7.0},  # int64
        {"start_date": 1767570987104.0},  # timestamps are converted as int64
        {"end_date": -5},
        {"end_date": 253_402_300_800_000},  # just past 9999-12-31
        {"progress": 2**31},
    ],
)
def test_unfit_sub_task_numbers_go_the_validating_way(changes):
    tasks = [task_with(1), with_sub_task(2, **changes)]
    assert columnar_tables(tasks, SNAPSHOT_ID, SNAPSHOT_AT) is None
    assert_same_as_validated(tasks)


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_a_non_finite_nested_double_is_caught(value):
    tasks = [task_with(1), task_with(2)]
    tasks[1]["network_check_info"]["network_delay"] = value
    assert columnar_tables(tasks, SNAPSHOT_ID, SNAPSHOT_AT) is None
    assert_same_as_validated(tasks)


def test_missing_keys_read_as_null_on_the_fast_path():
    tasks = [task_with(1), task_with(2), task_with(3)]
    del tasks[1]["priority"], tasks[1]["sub_tasks"], tasks[1]["network_check_info"]["cpu_usage"]
    del tasks[2]["sub_tasks"][0]["progress"], tasks[2]["create_date"]
    assert columnar_tables(tasks, SNAPSHOT_ID, SNAPSHOT_AT) is not None
    assert_same_as_validated(tasks)


def test_timestamp_bounds_are_inclusive_on_the_fast_path():
    tasks = [task_with(1, create_date=0), with_sub_task(2, end_date=253_402_300_799_999)]
    assert columnar_tables(tasks, SNAPSHOT_ID, SNAPSHOT_AT) is not None
    assert_same_as_validated(tasks)


def test_integers_in_double_columns_stay_on_the_fast_path():
    tasks = [task_with(1, migrate_speed=3, total_cpu_usage=0), task_with(2, compress_rate=1)]
    assert columnar_tables(tasks, SNAPSHOT_ID, SNAPSHOT_AT) is not None
    assert_same_as_validated(tasks)


@pytest.mark.parametrize(
    ("pages", "repeated"),
    [
        ([["t-1", "t-2", "t-1"]], "['t-1']"),  # within a page
        ([["t-1", "t-2"], ["t-3", "t-2"]], "['t-2']"),  # across pages
        ([[7, "t-2"], ["t-3", 7]], "[7]"),  # non-string ids are keyed as they are
    ],
)
def test_a_task_id_staged_twice_is_refused(tmp_path: Path, pages, repeated):
    stage = StagedSnapshot(tmp_path, SNAPSHOT_ID, SNAPSHOT_AT)
    try:
        with pytest.raises(LakeError, match=r"more than once.*" + repeated.replace("[", r"\[")):
            for ids in pages:
                stage.add([task_with(0, id=task_id) for task_id in ids])
    finally:
        stage.discard()


def test_distinct_ids_across_pages_are_staged(tmp_path: Path):
    stage = StagedSnapshot(tmp_path, SNAPSHOT_ID, SNAPSHOT_AT)
    try:
        stage.add([task_with(1), task_with(2)])
        stage.add([copy.deepcopy(task_with(3)), "not a task"])
        stage.finish(set())
        assert stage.stored_ids == {"t-1", "t-2", "t-3"}
        assert stage.tables["tasks"].rows == 3
        assert stage.tables["quarantine"].rows == 1
    finally:
        stage.discard()
