"""The API page's own example (3 tasks) flattens to exactly these rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from lake_pages import SNAPSHOT_AT, SNAPSHOT_ID

from pipelines.lake.flatten import flatten_tasks
from pipelines.lake.schema import FLAT_TABLES, TABLES

ID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxx0001"  # the seed reuses one id for all three tasks


def task_row(**values: Any) -> dict[str, Any]:
    """A ``tasks`` row: every column null except the snapshot columns and ``values``."""
    row = dict.fromkeys(TABLES["tasks"].names)
    row.update(snapshot_id=SNAPSHOT_ID, snapshot_at=SNAPSHOT_AT)
    row.update(values)
    return row


def seed_common(**values: Any) -> dict[str, Any]:
    return task_row(
        id=ID,
        state="MIGRATE_SUCCESS",
        priority=1,
        migrate_speed=0.0,
        start_target_server=True,
        error_json="",
        log_collect_status="INIT",
        target_server_id=ID,
        **values,
    )


EXPECTED_TASKS = [
    seed_common(
        name="sms_task_lxxxx11",
        type="MIGRATE_FILE",
        os_type="LINUX",
        create_date=datetime(2020, 3, 25, 12, 31, 46, tzinfo=UTC),
        speed_limit=0,
        total_time=3_878_000,
        migration_ip="",
        source_server_id=ID,
    ),
    seed_common(
        name="sms_task_xxx22",
        type="MIGRATE_BLOCK",
        os_type="WINDOWS",
        create_date=datetime(2020, 3, 25, 12, 16, 9, tzinfo=UTC),
        speed_limit=0,
        total_time=10_824_000,
        migration_ip="",
        source_server_id=ID,
    ),
    seed_common(
        name="sms_task_leddesktop",
        type="MIGRATE_BLOCK",
        os_type="WINDOWS",
        create_date=datetime(2019, 8, 18, 12, 13, 12, tzinfo=UTC),
        speed_limit=200,
        total_time=882_000,
        migration_ip="192.168.1.201",
        source_server_id=None,
    ),
]

SNAP = {"snapshot_id": SNAPSHOT_ID, "snapshot_at": SNAPSHOT_AT, "task_id": ID}

EXPECTED_SOURCE_SERVERS = [
    {
        **SNAP,
        "id": ID,
        "ip": "192.168.*.107",
        "name": "xxx-linux-1",
        "os_type": "LINUX",
        "os_version": "CENTOS_7_6_64BIT",
        "oem_system": False,
        "state": "AVAILABLE",
        "extra": None,
    },
    {
        **SNAP,
        "id": ID,
        "ip": "192.168.*.245",
        "name": "xxx-windows-2",
        "os_type": "WINDOWS",
        "os_version": "WINDOWS2012_R2_64BIT",
        "oem_system": False,
        "state": "AVAILABLE",
        "extra": None,
    },
]

EXPECTED_TARGET_SERVERS = [
    {**SNAP, "id": ID, "vm_id": "", "name": "", "ip": None, "os_type": "LINUX",
     "os_version": None, "extra": None},
    {**SNAP, "id": ID, "vm_id": "", "name": "", "ip": None, "os_type": "WINDOWS",
     "os_version": "WINDOWS2012_R2_64BIT", "extra": None},
    {**SNAP, "id": ID, "vm_id": ID, "name": "xxx-sms-target", "ip": None, "os_type": "WINDOWS",
     "os_version": "WINDOWS2008_R2_64BIT", "extra": None},
]  # fmt: skip


@pytest.fixture
def batch(seed_tasks):
    return flatten_tasks(seed_tasks, SNAPSHOT_ID, SNAPSHOT_AT)


def test_seed_tasks_rows_are_exact(batch):
    assert batch["tasks"].to_pylist() == EXPECTED_TASKS


def test_null_source_server_gives_no_source_row(batch):
    assert batch["source_servers"].to_pylist() == EXPECTED_SOURCE_SERVERS


def test_every_task_has_its_target_server_row(batch):
    assert batch["target_servers"].to_pylist() == EXPECTED_TARGET_SERVERS


def test_absent_lists_give_no_child_rows_and_nothing_is_quarantined(batch):
    assert batch["sub_tasks"].num_rows == 0
    assert batch["special_configs"].num_rows == 0
    assert batch["quarantine"].num_rows == 0
    assert batch.unknown_fields == frozenset()


def test_every_table_has_exactly_its_declared_schema(batch):
    assert tuple(batch.tables) == FLAT_TABLES
    for table in FLAT_TABLES:
        assert batch[table].schema.equals(TABLES[table], check_metadata=True), table
