"""The hand-made lake every known-answer test reads (all times UTC, 2024-03-01 = day 1).

Committed snapshots S1 d1 10:00, S2 d1 12:00, S3 d1 14:00, S4 d2 09:00 (latest);
S5 d2 10:00 is written but never committed, so it must stay invisible.

Tasks in S4 (the "current" tasks):
  T1 LINUX/BLOCK   MIGRATE_SUCCESS  created 08:00  ATTACH 09:00-09:10 (600 s),
                   MIGRATE 09:10-11:10 (7200 s), CONFIGURE 11:10-11:30 (1200 s)
                   seen S1 RUNNING (estimate 11:00, progress 100/40/0), S2..S4 success
  T2 WINDOWS/BLOCK MIGRATE_FAIL     created 09:00  ATTACH 09:30-09:40, MIGRATE 09:40-10:40
                   good error_json with phase; seen S1 RUNNING, missing in S2, S3-S4 failed
  T3 LINUX/FILE    MIGRATE_FAIL     created 10:00  ATTACH 10:00-10:05, MIGRATE from 10:05 open
                   malformed error_json, no source server; only in S4
  T4 LINUX/BLOCK   RUNNING          created 11:00  ATTACH 11:00-11:15, MIGRATE from 11:15 at 60%
                   unchanged in S2, S3, S4 (stalled); estimates in S2, S3, S4
  T5 WINDOWS/BLOCK RUNNING          created 13:00  ATTACH 13:00-13:30, MIGRATE from 13:30,
                   10% in S3 then 70% in S4 (moving)
  T6 LINUX/FILE    READY            created d2 08:00, no sub-tasks, no source server; only S4
  T7 WINDOWS/BLOCK MIGRATE_SUCCESS  created 07:00  ATTACH 07:00-07:20, MIGRATE 07:20-09:20,
                   CONFIGURE 09:10-09:30 (starts before MIGRATE ended: timeline out of order)
  T8 LINUX/FILE    ABORT            created 12:00  ATTACH starts 12:30 but "ends" 12:20 (bad clock)
"""

from __future__ import annotations

import zlib
from typing import Any

from .lake_builder import LakeBuilder

D1, D2 = "2024-03-01", "2024-03-02"
S1_AT, S2_AT, S3_AT, S4_AT, S5_AT = (
    f"{D1} 10:00",
    f"{D1} 12:00",
    f"{D1} 14:00",
    f"{D2} 09:00",
    f"{D2} 10:00",
)


def sub(name: str, progress: int, start: str | None, end: str | None = None, day: str = D1):
    return {
        "id": zlib.crc32(f"{name}{start}".encode()),
        "name": name,
        "progress": progress,
        "start_date": f"{day} {start}" if start else None,
        "end_date": f"{day} {end}" if end else None,
    }


def task(task_id: str, os_type: str, task_type: str, state: str, created: str, **fields: Any):
    row = {
        "id": task_id,
        "name": f"task {task_id}",
        "os_type": os_type,
        "type": task_type,
        "state": state,
        "create_date": created,
        "priority": 1,
        "speed_limit": 0,
        "migrate_speed": 0.0,
        "error_json": "",
        "enterprise_project_id": "0",
        "source_server": {"id": f"src-{task_id}", "name": f"src {task_id}", "state": "FINISHED"},
        "target_server": {"id": f"tgt-{task_id}", "os_type": os_type},
    }
    row.update(fields)
    return row


def t1(snapshot: str) -> dict:
    if snapshot == "S1":
        return task(
            "T1", "LINUX", "MIGRATE_BLOCK", "RUNNING", f"{D1} 08:00",
            estimate_complete_time=f"{D1} 11:00",
            sub_tasks=[
                sub("ATTACH_AGENT_IMAGE", 100, "09:00", "09:10"),
                sub("MIGRATE_LINUX_BLOCK", 40, "09:10"),
                sub("CONFIGURE_LINUX_BLOCK", 0, None),
            ],
        )  # fmt: skip
    return task(
        "T1", "LINUX", "MIGRATE_BLOCK", "MIGRATE_SUCCESS", f"{D1} 08:00",
        total_time=9_000_000,
        network_check_info_migration_speed=100.0,
        network_check_info_network_delay=5.0,
        network_check_info_evaluation_result="GOOD",
        sub_tasks=[
            sub("ATTACH_AGENT_IMAGE", 100, "09:00", "09:10"),
            sub("MIGRATE_LINUX_BLOCK", 100, "09:10", "11:10"),
            sub("CONFIGURE_LINUX_BLOCK", 100, "11:10", "11:30"),
        ],
    )  # fmt: skip


def t2(snapshot: str) -> dict:
    if snapshot == "S1":
        return task(
            "T2", "WINDOWS", "MIGRATE_BLOCK", "RUNNING", f"{D1} 09:00",
            sub_tasks=[
                sub("ATTACH_AGENT_IMAGE", 100, "09:30", "09:40"),
                sub("MIGRATE_WINDOWS_BLOCK", 30, "09:40"),
            ],
        )  # fmt: skip
    return task(
        "T2", "WINDOWS", "MIGRATE_BLOCK", "MIGRATE_FAIL", f"{D1} 09:00",
        total_time=4_200_000,
        speed_limit=50,
        network_check_info_network_delay=60.0,
        error_json='{"error_code":"SMS.1204","error_msg":"disk full",'
        '"phase":"MIGRATE_WINDOWS_BLOCK"}',
        sub_tasks=[
            sub("ATTACH_AGENT_IMAGE", 100, "09:30", "09:40"),
            sub("MIGRATE_WINDOWS_BLOCK", 100, "09:40", "10:40"),
        ],
    )  # fmt: skip


T3 = task(
    "T3", "LINUX", "MIGRATE_FILE", "MIGRATE_FAIL", f"{D1} 10:00",
    error_json="not json{",
    source_server=None,
    sub_tasks=[
        sub("ATTACH_AGENT_IMAGE", 100, "10:00", "10:05"),
        sub("MIGRATE_LINUX_FILE", 50, "10:05"),
    ],
)  # fmt: skip


def t4(snapshot: str) -> dict:
    estimates = {"S2": f"{D1} 18:00", "S3": f"{D1} 20:00", "S4": f"{D2} 12:00", "S5": None}
    progress = 80 if snapshot == "S5" else 60
    return task(
        "T4", "LINUX", "MIGRATE_BLOCK", "RUNNING", f"{D1} 11:00",
        estimate_complete_time=estimates[snapshot],
        migrate_speed=40.0,
        network_check_info_migration_speed=80.0,
        network_check_info_network_delay=20.0,
        network_check_info_evaluation_result="GOOD",
        sub_tasks=[
            sub("ATTACH_AGENT_IMAGE", 100, "11:00", "11:15"),
            sub("MIGRATE_LINUX_BLOCK", progress, "11:15"),
            sub("CONFIGURE_LINUX_BLOCK", 0, None),
        ],
    )  # fmt: skip


def t5(snapshot: str) -> dict:
    return task(
        "T5", "WINDOWS", "MIGRATE_BLOCK", "RUNNING", f"{D1} 13:00",
        migrate_speed=90.0,
        network_check_info_migration_speed=100.0,
        network_check_info_network_delay=150.0,
        network_check_info_evaluation_result="BAD",
        sub_tasks=[
            sub("ATTACH_AGENT_IMAGE", 100, "13:00", "13:30"),
            sub("MIGRATE_WINDOWS_BLOCK", 10 if snapshot == "S3" else 70, "13:30"),
        ],
    )  # fmt: skip


T6 = task("T6", "LINUX", "MIGRATE_FILE", "READY", f"{D2} 08:00", source_server=None, sub_tasks=[])
T7 = task(
    "T7", "WINDOWS", "MIGRATE_BLOCK", "MIGRATE_SUCCESS", f"{D1} 07:00",
    sub_tasks=[
        sub("ATTACH_AGENT_IMAGE", 100, "07:00", "07:20"),
        sub("MIGRATE_WINDOWS_BLOCK", 100, "07:20", "09:20"),
        sub("CONFIGURE_WINDOWS", 100, "09:10", "09:30"),
    ],
)  # fmt: skip
T8 = task(
    "T8", "LINUX", "MIGRATE_FILE", "ABORT", f"{D1} 12:00",
    sub_tasks=[sub("ATTACH_AGENT_IMAGE", 100, "12:30", "12:20")],
)  # fmt: skip


def write_scenario(builder: LakeBuilder) -> dict[str, str]:
    """Write S1..S4 (committed) and S5 (not committed); return snapshot ids by name."""
    return {
        "S1": builder.snapshot(S1_AT, [t1("S1"), t2("S1"), T7]),
        "S2": builder.snapshot(S2_AT, [t1("S2"), t4("S2"), T7]),
        "S3": builder.snapshot(S3_AT, [t1("S3"), t2("S3"), t4("S3"), t5("S3"), T7]),
        "S4": builder.snapshot(S4_AT, [t1("S4"), t2("S4"), T3, t4("S4"), t5("S4"), T6, T7, T8]),
        "S5": builder.snapshot(
            S5_AT, [t1("S5"), t4("S5"), {**T6, "state": "RUNNING"}], commit=False
        ),
    }
