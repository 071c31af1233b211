"""Page bodies parsed straight to Arrow store exactly what the orjson + validating path stores,
or step aside (None) so that path decides."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from lake_pages import SNAPSHOT_AT, SNAPSHOT_ID
from test_flatten_columnar import task_with
from test_flatten_properties import tasks_lists

from pipelines.lake.columnar import arrow_page, arrow_tables
from pipelines.lake.flatten import flatten_tasks
from pipelines.lake.schema import FLAT_TABLES
from pipelines.lake.staging import StagedSnapshot
from pipelines.sms.client import MalformedPage, Page, parse_page
from pipelines.sms.paging import FreshTasks


def body_of(tasks: list[Any], *, ascii_only: bool = False) -> bytes:
    """The page as a server would send it (stdlib json: it can write what orjson refuses)."""
    text = json.dumps({"count": len(tasks), "tasks": tasks}, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")


def assert_arrow_agrees(body: bytes) -> bool:
    """If Arrow takes the body, the page is valid and its tables are the validating path's.

    Returns whether Arrow stored the page itself (False: it stepped aside).
    """
    parsed = arrow_page(body)
    if parsed is None:
        return False
    count, tasks = parse_page(body)  # a body Arrow takes is a valid page
    assert parsed[0] == count
    fast = arrow_tables(parsed[1], SNAPSHOT_ID, SNAPSHOT_AT)
    if fast is None:
        return False
    slow = flatten_tasks(tasks, SNAPSHOT_ID, SNAPSHOT_AT, columnar=False)
    assert slow.quarantined == 0 and slow.unknown_fields == frozenset()
    for table in FLAT_TABLES:
        if table != "quarantine":
            assert fast[0][table].equals(slow[table]), table
    assert fast[1] == frozenset()
    return True


def test_clean_tasks_are_stored_from_arrow_exactly(seed_tasks):
    tasks = [*seed_tasks, task_with(1), task_with(2, sub_tasks=[], source_server=None)]
    assert assert_arrow_agrees(body_of(tasks))
    assert assert_arrow_agrees(body_of(tasks, ascii_only=True))


def test_an_integer_in_a_double_field_is_taken_as_the_validating_path_takes_it():
    tasks = [task_with(1, migrate_speed=5)]
    tasks[0]["network_check_info"]["cpu_usage"] = 0
    assert assert_arrow_agrees(body_of(tasks))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("priority", 1.0),
        ("priority", 1.5),
        ("priority", True),
        ("priority", 1e2),
        ("migrate_speed", True),
        ("migrate_speed", "1.5"),
        ("create_date", -1),
        ("create_date", 2**63),
        ("speed_limit", 2**31),
        ("speed_limit", "42"),
        ("name", 5),
        ("source_server", [["id", "s-1"]]),
        ("source_server", []),
        ("sub_tasks", [None]),
        ("sub_tasks", ""),
        ("sub_tasks", {"id": 1}),
        ("name", "\ud800"),
        ("id", None),
        ("id", ""),
        ("id", 7),
        ("brand_new", {"x": 1}),
    ],
)
def test_values_arrow_cannot_store_exactly_step_aside(field, value):
    tasks = [task_with(1), task_with(2, **{field: value})]
    for body in (body_of(tasks), body_of(tasks, ascii_only=True)):
        assert not assert_arrow_agrees(body)


def test_unknown_nested_keys_and_non_finite_numbers_step_aside():
    tasks = [task_with(1)]
    tasks[0]["clone_server"]["colour"] = "blue"
    assert not assert_arrow_agrees(body_of(tasks))
    tasks = [task_with(1)]
    tasks[0]["network_check_info"]["network_delay"] = float("nan")
    assert not assert_arrow_agrees(body_of(tasks))


@pytest.mark.parametrize(
    "body",
    [
        b'{"count": 1, "tasks": [{"id": "a", "id": "b"}]}',  # orjson keeps the last one
        b'{"count": 1, "tasks": [{"id": "a\xff"}]}',  # invalid UTF-8
        b'{"count": 1, "tasks": [{"id": "a\\ud800"}]}',  # lone surrogate escape
        b'{"count": 1, "tasks": [{"id": "a"}], "request_id": "r"}',  # unknown top-level key
        b'{"count": 1.0, "tasks": [{"id": "a"}]}',
        b'{"count": -1, "tasks": [{"id": "a"}]}',
        b'{"count": 1}',
        b'{"count": 1, "tasks": null}',
        b'{"tasks": [{"id": "a"}]}',
        b'{"count": 1, "tasks": [null]}',
        b'{"count": 1, "tasks": [{"name": "no id"}]}',
        b'{"count": 2, "tasks": [{"id": "a"}]}\n{"count": 2, "tasks": [{"id": "b"}]}',
        b'{"count": 1, "tasks": [{"id": "a", "migrate_speed": NaN}]}',  # orjson refuses these
        b'{"count": 1, "tasks": [{"id": "a", "network_check_info": {"network_delay": -Infinity}}]}',
        b'{"count": 2, "tasks": [{"id": "a"}, {"id": "b", "total_cpu_usage": Infinity}]}',
        b'\xef\xbb\xbf{"count": 1, "tasks": [{"id": "a"}]}',
        b"[]",
        b"",
        b"<html>gateway</html>",
    ],
)
def test_bodies_only_the_client_can_judge_step_aside(body):
    assert arrow_page(body) is None


def test_text_that_only_looks_like_nan_or_infinity_is_taken():
    tasks = [task_with(1, name="NaN Infinity Inf")]
    assert assert_arrow_agrees(body_of(tasks))


def test_a_well_formed_empty_page_is_taken():
    count, tasks = arrow_page(b'{"count": 0, "tasks": []}')
    assert (count, len(tasks)) == (0, 0)


@settings(max_examples=150, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(tasks_lists)
def test_arrow_agrees_with_the_validating_path_on_damaged_tasks(tasks):
    for ascii_only in (False, True):
        try:
            body = body_of(copy.deepcopy(tasks), ascii_only=ascii_only)
        except (TypeError, ValueError):
            continue  # not JSON at all
        try:
            assert_arrow_agrees(body)
        except MalformedPage:
            pytest.fail("Arrow took a body the client refuses")


def client_page(tasks: list[Any], offset: int) -> Page:
    body = orjson.dumps({"count": 6, "tasks": tasks})
    parsed = arrow_page(body)
    if parsed is None:
        return Page({"offset": offset, "limit": 2}, SNAPSHOT_AT, None, body, 6, tasks=tasks)
    return Page({"offset": offset, "limit": 2}, SNAPSHOT_AT, None, body, parsed[0], arrow=parsed[1])


def staged_tables(directory: Path) -> dict[str, pa.Table]:
    return {
        table: pq.read_table(directory / f"{table}.parquet.partial").replace_schema_metadata()
        for table in FLAT_TABLES
    }


def test_staging_arrow_pages_between_other_pages_keeps_rows_and_order(tmp_path):
    """Arrow pages are gathered and flattened together; a page of another kind in between
    (here one with an unknown field) flushes them first, so rows keep arrival order."""
    tasks = [task_with(n) for n in range(6)]
    tasks[2]["brand_new"] = 1
    pages = [client_page(tasks[0:2], 0), client_page(tasks[2:4], 2), client_page(tasks[4:6], 4)]
    assert [page.arrow is not None for page in pages] == [True, False, True]
    fresh: list[Any] = [
        FreshTasks(pages[0], [0, 1]),
        pages[1].tasks,
        FreshTasks(pages[2], [1]),  # task 4 was "seen" earlier
    ]
    assert list(fresh[2]) == [tasks[5]] and fresh[2].ids == ["t-5"]

    arrow_stage = StagedSnapshot(tmp_path / "a", SNAPSHOT_ID, SNAPSHOT_AT)
    list_stage = StagedSnapshot(tmp_path / "b", SNAPSHOT_ID, SNAPSHOT_AT)
    for new_tasks in fresh:
        arrow_stage.add(new_tasks)
        list_stage.add(copy.deepcopy(list(new_tasks)))
    arrow_stage.finish(set())
    list_stage.finish(set())
    assert arrow_stage.stored_ids == list_stage.stored_ids == {f"t-{n}" for n in (0, 1, 2, 3, 5)}
    assert arrow_stage.unknown_fields == list_stage.unknown_fields == {"tasks.brand_new"}
    arrow_tables_, list_tables = (
        staged_tables(arrow_stage.directory),
        staged_tables(list_stage.directory),
    )
    assert arrow_tables_["tasks"].column("id").to_pylist() == ["t-0", "t-1", "t-2", "t-3", "t-5"]
    for table in FLAT_TABLES:
        assert arrow_tables_[table].equals(list_tables[table]), table
    arrow_stage.discard()
    list_stage.discard()
