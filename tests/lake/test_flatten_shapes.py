"""Missing and null fields, unicode, unknown fields, coercion and all-null columns."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pyarrow as pa
from lake_pages import SNAPSHOT_AT, SNAPSHOT_ID, task_with_id

from pipelines.lake.flatten import flatten_tasks
from pipelines.lake.schema import FLAT_TABLES, TABLES


def flatten(tasks):
    return flatten_tasks(tasks, SNAPSHOT_ID, SNAPSHOT_AT)


def test_a_task_with_only_an_id_gives_one_all_null_task_row():
    batch = flatten([{"id": "t-1"}])
    row = batch["tasks"].to_pylist()[0]
    assert row == {
        **dict.fromkeys(TABLES["tasks"].names),
        "snapshot_id": SNAPSHOT_ID,
        "snapshot_at": SNAPSHOT_AT,
        "id": "t-1",
    }
    for table in ("sub_tasks", "source_servers", "target_servers", "special_configs", "quarantine"):
        assert batch[table].num_rows == 0, table


def test_null_and_empty_nested_values_give_no_child_rows(full_task):
    task = task_with_id(full_task, "t-1")
    task.update(sub_tasks=None, special_config=[], source_server=None, target_server=None)
    task.update(clone_server=None, network_check_info=None)
    batch = flatten([task])
    row = batch["tasks"].to_pylist()[0]
    assert row["source_server_id"] is None and row["target_server_id"] is None
    assert row["clone_server_vm_id"] is None and row["network_check_info_network_delay"] is None
    for table in ("sub_tasks", "source_servers", "target_servers", "special_configs"):
        assert batch[table].num_rows == 0, table


def test_an_empty_server_object_is_a_row_of_nulls():
    batch = flatten([{"id": "t-1", "target_server": {}}])
    assert batch["target_servers"]["task_id"].to_pylist() == ["t-1"]
    assert batch["target_servers"]["id"].to_pylist() == [None]
    assert batch["tasks"]["target_server_id"].to_pylist() == [None]


def test_all_null_columns_keep_their_declared_types():
    batch = flatten([{"id": "t-1", "sub_tasks": [{"id": None}]}, {"id": "t-2"}])
    for table in FLAT_TABLES:
        assert batch[table].schema.equals(TABLES[table]), table
    assert batch["tasks"].schema.field("create_date").type == pa.timestamp("ms", tz="UTC")
    assert batch["sub_tasks"].schema.field("progress").type == pa.int32()


def test_empty_input_gives_empty_tables_with_their_schemas():
    batch = flatten([])
    for table in FLAT_TABLES:
        assert batch[table].num_rows == 0
        assert batch[table].schema.equals(TABLES[table]), table


def test_unicode_and_huge_strings_are_kept_as_they_are():
    name = "迁移任务-Ünïcødé-🚀"
    trace = "x" * 1_000_000
    batch = flatten([{"id": "t-1", "name": name, "sub_tasks": [{"id": 1, "process_trace": trace}]}])
    assert batch["tasks"]["name"].to_pylist() == [name]
    assert batch["sub_tasks"]["process_trace"].to_pylist() == [trace]


def test_unknown_fields_go_to_extra_and_are_reported(full_task):
    task = task_with_id(full_task, "t-1")
    task["rollback_policy"] = {"mode": "auto"}
    task["clone_server"]["zone"] = "az1"
    task["sub_tasks"][1]["retries"] = 3
    task["source_server"]["agent_version"] = "23.1"
    task["special_config"][0]["scope"] = "disk"
    batch = flatten([task])
    assert orjson.loads(batch["tasks"]["extra"][0].as_py()) == {
        "rollback_policy": {"mode": "auto"},
        "clone_server": {"zone": "az1"},
    }
    assert batch["sub_tasks"]["extra"].to_pylist() == [None, '{"retries":3}']
    assert batch["source_servers"]["extra"].to_pylist() == ['{"agent_version":"23.1"}']
    assert batch["target_servers"]["extra"].to_pylist() == [None]
    assert batch["special_configs"]["extra"].to_pylist() == ['{"scope":"disk"}', None]
    assert batch.unknown_fields == {
        "tasks.rollback_policy",
        "tasks.clone_server.zone",
        "sub_tasks.retries",
        "source_servers.agent_version",
        "special_configs.scope",
    }
    assert batch["quarantine"].num_rows == 0


def test_numeric_strings_are_accepted_for_numeric_columns():
    task = {
        "id": "t-1",
        "priority": "2",
        "total_time": "-5",
        "migrate_speed": "12.5",
        "compress_rate": "1e1",
        "create_date": "1700000000000",
        "sub_tasks": [{"id": "77", "progress": "42"}],
    }
    batch = flatten([task])
    row = batch["tasks"].to_pylist()[0]
    assert (row["priority"], row["total_time"]) == (2, -5)
    assert (row["migrate_speed"], row["compress_rate"]) == (12.5, 10.0)
    assert row["create_date"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert batch["sub_tasks"].select(["id", "progress"]).to_pylist() == [{"id": 77, "progress": 42}]
    assert batch["quarantine"].num_rows == 0


def test_integers_are_accepted_for_double_columns():
    batch = flatten([{"id": "t-1", "migrate_speed": 3, "network_check_info": {"cpu_usage": 0}}])
    row = batch["tasks"].to_pylist()[0]
    assert (row["migrate_speed"], row["network_check_info_cpu_usage"]) == (3.0, 0.0)


def test_timestamp_bounds_are_inclusive():
    batch = flatten([{"id": "t-1", "create_date": 0, "estimate_complete_time": 253402300799999}])
    row = batch["tasks"].to_pylist()[0]
    assert row["create_date"] == datetime(1970, 1, 1, tzinfo=UTC)
    assert row["estimate_complete_time"] == datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)


def test_snapshot_at_is_stored_in_utc_on_every_row(full_task):
    from zoneinfo import ZoneInfo

    local = SNAPSHOT_AT.astimezone(ZoneInfo("Asia/Shanghai"))
    batch = flatten_tasks([full_task], SNAPSHOT_ID, local)
    for table in ("tasks", "sub_tasks", "source_servers", "target_servers", "special_configs"):
        assert set(batch[table]["snapshot_at"].to_pylist()) == {SNAPSHOT_AT}, table
        assert set(batch[table]["snapshot_id"].to_pylist()) == {SNAPSHOT_ID}, table


def test_api_fields_named_like_our_derived_columns_do_not_overwrite_them():
    task = {
        "id": "t-1",
        "snapshot_id": "api",
        "sub_tasks": [{"id": 1, "task_id": "x", "ordinal": 9}],
    }
    batch = flatten([task])
    assert batch["tasks"]["snapshot_id"].to_pylist() == [SNAPSHOT_ID]
    assert orjson.loads(batch["tasks"]["extra"][0].as_py()) == {"snapshot_id": "api"}
    [sub] = batch["sub_tasks"].to_pylist()
    assert (sub["task_id"], sub["ordinal"]) == ("t-1", 0)
    assert orjson.loads(sub["extra"]) == {"task_id": "x", "ordinal": 9}
    assert batch.unknown_fields == {"tasks.snapshot_id", "sub_tasks.task_id", "sub_tasks.ordinal"}
