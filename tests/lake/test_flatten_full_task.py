"""A task with every field and nested object populated lands exactly, in every table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lake_pages import SNAPSHOT_AT, SNAPSHOT_ID

from pipelines.lake.flatten import flatten_tasks

TASK_ID = "0f8e6c2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b"
SNAP = {"snapshot_id": SNAPSHOT_ID, "snapshot_at": SNAPSHOT_AT}


@pytest.fixture
def batch(full_task):
    return flatten_tasks([full_task], SNAPSHOT_ID, SNAPSHOT_AT)


def test_task_row_holds_every_scalar_and_prefixed_field(batch):
    assert batch["tasks"].to_pylist() == [
        {
            **SNAP,
            "id": TASK_ID,
            "name": "erp-db-01 migration",
            "type": "MIGRATE_BLOCK",
            "os_type": "LINUX",
            "state": "SYNCING",
            "estimate_complete_time": datetime(2023, 11, 14, 23, 13, 20, tzinfo=UTC),
            "create_date": datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
            "priority": 2,
            "speed_limit": 300,
            "migrate_speed": 87.5,
            "compress_rate": 1.25,
            "start_target_server": False,
            "error_json": "",
            "total_time": 5_400_000,
            "migration_ip": "10.1.2.3",
            "enterprise_project_id": "ep-42",
            "log_collect_status": "UPLOADED",
            "syncing": True,
            "total_cpu_usage": 45.5,
            "agent_cpu_usage": 3.25,
            "total_mem_usage": 2048.0,
            "agent_mem_usage": 128.5,
            "total_disk_io": 120.0,
            "agent_disk_io": 80.75,
            "need_migration_test": True,
            "subtask_info": "MIGRATE_LINUX_BLOCK 42%",
            "source_server_id": "src-0001",
            "target_server_id": "tgt-0001",
            "clone_server_vm_id": "ecs-clone-1",
            "clone_server_name": "erp-db-01-clone",
            "network_check_info_domain_connectivity": True,
            "network_check_info_destination_connectivity": False,
            "network_check_info_network_delay": 12.5,
            "network_check_info_network_jitter": 1.5,
            "network_check_info_migration_speed": 95.0,
            "network_check_info_loss_percentage": 0.25,
            "network_check_info_cpu_usage": 33.0,
            "network_check_info_mem_usage": 61.5,
            "network_check_info_evaluation_result": "GOOD",
            "extra": None,
        }
    ]


def test_sub_tasks_keep_their_order_and_exact_timestamps(batch):
    assert batch["sub_tasks"].to_pylist() == [
        {
            **SNAP,
            "task_id": TASK_ID,
            "ordinal": 0,
            "id": 9001,
            "name": "ATTACH_AGENT_IMAGE",
            "progress": 100,
            "start_date": datetime(2023, 11, 14, 22, 15, 0, tzinfo=UTC),
            "end_date": datetime(2023, 11, 14, 22, 16, 0, 500_000, tzinfo=UTC),
            "process_trace": "attached",
            "extra": None,
        },
        {
            **SNAP,
            "task_id": TASK_ID,
            "ordinal": 1,
            "id": 9002,
            "name": "MIGRATE_LINUX_BLOCK",
            "progress": 42,
            "start_date": datetime(2023, 11, 14, 22, 16, 40, tzinfo=UTC),
            "end_date": None,
            "process_trace": "copying /dev/vda1",
            "extra": None,
        },
    ]


def test_source_and_target_servers_are_one_row_each(batch):
    assert batch["source_servers"].to_pylist() == [
        {
            **SNAP,
            "task_id": TASK_ID,
            "id": "src-0001",
            "ip": "192.168.10.7",
            "name": "erp-db-01",
            "os_type": "LINUX",
            "os_version": "CENTOS_7_6_64BIT",
            "oem_system": False,
            "state": "syncing",
            "extra": None,
        }
    ]
    assert batch["target_servers"].to_pylist() == [
        {
            **SNAP,
            "task_id": TASK_ID,
            "id": "tgt-0001",
            "vm_id": "ecs-7788",
            "name": "erp-db-01-cloud",
            "ip": "10.1.2.3",
            "os_type": "LINUX",
            "os_version": "CENTOS_7_6_64BIT",
            "extra": None,
        }
    ]


def test_special_configs_are_one_row_per_entry(batch):
    assert batch["special_configs"].to_pylist() == [
        {
            **SNAP,
            "task_id": TASK_ID,
            "ordinal": 0,
            "config_key": "LINUX_CPU_LIMIT",
            "config_value": "50",
            "config_status": "OK",
            "extra": None,
        },
        {
            **SNAP,
            "task_id": TASK_ID,
            "ordinal": 1,
            "config_key": "MIGRATE_EXCLUDE_DIR",
            "config_value": "/tmp,/var/cache",
            "config_status": None,
            "extra": None,
        },
    ]


def test_a_complete_task_is_not_quarantined_and_has_no_unknown_fields(batch):
    assert batch["quarantine"].num_rows == 0
    assert batch.unknown_fields == frozenset()
