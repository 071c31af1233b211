"""Two sources in one lake, with the SAME task ids, read at different times (UTC, d1 = 2024-03-01).

  acme  A1 d1 10:00, A2 d1 12:00, A3 d1 14:00 (acme's latest: older than beta's)
  beta  B1 d1 11:00, B2 d2 09:00 (beta's latest)

  X in acme  LINUX/BLOCK    created 08:00, ATTACH 09:00-09:10, MIGRATE from 09:10 (40 %) in A1
             (estimate 11:00), MIGRATE_SUCCESS with MIGRATE 09:10-11:30 in A2 and A3
  X in beta  WINDOWS/FILE   created 10:00, ATTACH 10:30-10:40, MIGRATE from 10:40 (20 %) in B1
             (estimate 15:00), MIGRATE_FAIL with MIGRATE 10:40-13:40 in B2
  Y in acme  LINUX/BLOCK    created 09:00, ATTACH 09:00-09:30, MIGRATE from 09:30 at 50 % in
             A1, A2, A3 (stalled by snapshots; 4 h to acme's latest, not 6); speed 40 of 80
  Y in beta  LINUX/BLOCK    created 10:00, ATTACH 10:00-10:30, MIGRATE from 10:30: 30 % in B1,
             90 % in B2 (moving); speed 90 of 100

Mixing the sources would merge the two X and the two Y: acme's completion would "complete"
beta's estimate, beta's snapshots would break acme's Y streak, and every "now" would be d2 09:00.
"""

from __future__ import annotations

from typing import Any

from .lake_builder import LakeBuilder
from .scenario import sub, task

D1 = "2024-03-01"


def x_acme(snapshot: str) -> dict[str, Any]:
    if snapshot == "A1":
        return task(
            "X", "LINUX", "MIGRATE_BLOCK", "RUNNING", f"{D1} 08:00",
            estimate_complete_time=f"{D1} 11:00",
            sub_tasks=[
                sub("ATTACH_AGENT_IMAGE", 100, "09:00", "09:10"),
                sub("MIGRATE_LINUX_BLOCK", 40, "09:10"),
            ],
        )  # fmt: skip
    return task(
        "X", "LINUX", "MIGRATE_BLOCK", "MIGRATE_SUCCESS", f"{D1} 08:00",
        sub_tasks=[
            sub("ATTACH_AGENT_IMAGE", 100, "09:00", "09:10"),
            sub("MIGRATE_LINUX_BLOCK", 100, "09:10", "11:30"),
        ],
    )  # fmt: skip


def x_beta(snapshot: str) -> dict[str, Any]:
    if snapshot == "B1":
        return task(
            "X", "WINDOWS", "MIGRATE_FILE", "RUNNING", f"{D1} 10:00",
            estimate_complete_time=f"{D1} 15:00",
            sub_tasks=[
                sub("ATTACH_AGENT_IMAGE", 100, "10:30", "10:40"),
                sub("MIGRATE_WINDOWS_FILE", 20, "10:40"),
            ],
        )  # fmt: skip
    return task(
        "X", "WINDOWS", "MIGRATE_FILE", "MIGRATE_FAIL", f"{D1} 10:00",
        error_json='{"error_code":"SMS.1806","error_msg":"lost","phase":"MIGRATE_WINDOWS_FILE"}',
        sub_tasks=[
            sub("ATTACH_AGENT_IMAGE", 100, "10:30", "10:40"),
            sub("MIGRATE_WINDOWS_FILE", 100, "10:40", "13:40"),
        ],
    )  # fmt: skip


Y_ACME = task(
    "Y", "LINUX", "MIGRATE_BLOCK", "RUNNING", f"{D1} 09:00",
    migrate_speed=40.0,
    network_check_info_migration_speed=80.0,
    sub_tasks=[
        sub("ATTACH_AGENT_IMAGE", 100, "09:00", "09:30"),
        sub("MIGRATE_LINUX_BLOCK", 50, "09:30"),
    ],
)  # fmt: skip


def y_beta(snapshot: str) -> dict[str, Any]:
    return task(
        "Y", "LINUX", "MIGRATE_BLOCK", "RUNNING", f"{D1} 10:00",
        migrate_speed=90.0,
        network_check_info_migration_speed=100.0,
        sub_tasks=[
            sub("ATTACH_AGENT_IMAGE", 100, "10:00", "10:30"),
            sub("MIGRATE_LINUX_BLOCK", 30 if snapshot == "B1" else 90, "10:30"),
        ],
    )  # fmt: skip


def write_two_sources(builder: LakeBuilder) -> dict[str, str]:
    """Write both sources' snapshots, interleaved in time; return snapshot ids by name."""
    return {
        "A1": builder.snapshot(f"{D1} 10:00", [x_acme("A1"), Y_ACME], source="acme"),
        "B1": builder.snapshot(f"{D1} 11:00", [x_beta("B1"), y_beta("B1")], source="beta"),
        "A2": builder.snapshot(f"{D1} 12:00", [x_acme("A2"), Y_ACME], source="acme"),
        "A3": builder.snapshot(f"{D1} 14:00", [x_acme("A3"), Y_ACME], source="acme"),
        "B2": builder.snapshot("2024-03-02 09:00", [x_beta("B2"), y_beta("B2")], source="beta"),
    }
