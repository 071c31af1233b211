"""Generated tasks: deterministic, all 32 fields, consistent timelines, realistic mix."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from pipelines.simulator import SimulatorConfig, SimulatorServer

TASK_FIELDS = {
    "id", "name", "type", "os_type", "state", "estimate_complete_time", "create_date",
    "priority", "speed_limit", "migrate_speed", "compress_rate", "start_target_server",
    "error_json", "total_time", "migration_ip", "sub_tasks", "source_server",
    "enterprise_project_id", "target_server", "log_collect_status", "clone_server", "syncing",
    "network_check_info", "special_config", "total_cpu_usage", "agent_cpu_usage",
    "total_mem_usage", "agent_mem_usage", "total_disk_io", "agent_disk_io",
    "need_migration_test", "subtask_info",
}  # fmt: skip
MAIN_ORDER = {
    ("WINDOWS", "MIGRATE_BLOCK"): [
        "ATTACH_AGENT_IMAGE", "FORMAT_DISK_WINDOWS", "MIGRATE_WINDOWS_BLOCK",
        "CONFIGURE_WINDOWS", "DETTACH_AGENT_IMAGE",
    ],
    ("LINUX", "MIGRATE_BLOCK"): [
        "SSL_CONFIG", "ATTACH_AGENT_IMAGE", "FORMAT_DISK_LINUX_BLOCK", "MIGRATE_LINUX_BLOCK",
        "CONFIGURE_LINUX_BLOCK", "DETTACH_AGENT_IMAGE",
    ],
    ("LINUX", "MIGRATE_FILE"): [
        "SSL_CONFIG", "ATTACH_AGENT_IMAGE", "FORMAT_DISK_LINUX_FILE", "MIGRATE_LINUX_FILE",
        "CONFIGURE_LINUX_FILE", "DETTACH_AGENT_IMAGE",
    ],
}  # fmt: skip
SYNC_STEP = {"WINDOWS": "SYNC_WINDOWS_BLOCK", "MIGRATE_BLOCK": "SYNC_LINUX_BLOCK"}


@pytest.fixture(scope="module")
def tasks() -> list[dict]:
    return SimulatorServer(SimulatorConfig(tasks=3000, seed=3)).store.tasks()


def test_same_seed_same_tasks_other_seed_other_tasks() -> None:
    def make(seed: int) -> list[dict]:
        return SimulatorServer(SimulatorConfig(tasks=200, seed=seed)).store.tasks()

    assert make(5) == make(5)
    assert {t["id"] for t in make(5)}.isdisjoint({t["id"] for t in make(6)})


def test_every_task_has_exactly_the_32_fields(tasks: list[dict]) -> None:
    assert len(TASK_FIELDS) == 32
    assert all(set(task) == TASK_FIELDS for task in tasks)
    assert len({task["id"] for task in tasks}) == len(tasks)


def test_state_mix_includes_states_the_filter_cannot_select(tasks: list[dict]) -> None:
    states = Counter(task["state"] for task in tasks)
    for state in ("SYNC_SUCCESS", "SYNC_FAIL", "SKIPPING", "RESETING", "READY", "RUNNING",
                  "SYNCING", "MIGRATE_SUCCESS", "MIGRATE_FAIL", "ABORT"):  # fmt: skip
        assert states[state] > 0, state
    assert states["RUNNING"] + states["SYNCING"] <= 100


def test_sub_tasks_follow_the_documented_order(tasks: list[dict]) -> None:
    for task in tasks:
        names = [sub["name"] for sub in task["sub_tasks"]]
        main = MAIN_ORDER[(task["os_type"], task["type"])]
        if names and names[0] == "CREATE_CLOUD_SERVER":
            names = names[1:]
        body = [n for n in names if not n.startswith("SYNC_") and n != "CLONE_VM"]
        assert body == main[: len(body)], (task["state"], names)
        syncs = names[len(body) :]
        if "CLONE_VM" in syncs:
            syncs.remove("CLONE_VM")
        assert all(name.startswith("SYNC_") for name in syncs)
        if syncs:
            assert body == main


def test_sub_task_timelines_are_consistent(tasks: list[dict]) -> None:
    sub_ids = [sub["id"] for task in tasks for sub in task["sub_tasks"]]
    assert all(isinstance(i, int) for i in sub_ids)
    assert len(set(sub_ids)) == len(sub_ids)
    for task in tasks:
        previous_end = task["create_date"]
        subs = task["sub_tasks"]
        for position, sub in enumerate(subs):
            assert sub["start_date"] >= previous_end
            if sub["end_date"] is None:
                assert position == len(subs) - 1
                assert 0 <= sub["progress"] <= 99
            else:
                assert sub["end_date"] >= sub["start_date"]
                failed_last = position == len(subs) - 1 and task["state"] in (
                    "MIGRATE_FAIL", "SYNC_FAIL", "ABORT"
                )  # fmt: skip
                if not failed_last:
                    assert sub["progress"] == 100
                previous_end = sub["end_date"]
        if task["state"] == "READY":
            assert subs == [] and task["total_time"] == 0
        if task["state"] == "RUNNING":
            assert subs[-1]["end_date"] is None
        if subs and subs[-1]["end_date"] is not None:
            assert task["total_time"] == subs[-1]["end_date"] - subs[0]["start_date"]


def test_failures_carry_error_json_strings(tasks: list[dict]) -> None:
    for task in tasks:
        if task["state"] in ("MIGRATE_FAIL", "SYNC_FAIL"):
            error = json.loads(task["error_json"])
            assert set(error) == {"error_code", "error_msg", "phase"}
            assert error["error_code"].startswith("SMS.1")
            assert error["phase"] == task["sub_tasks"][-1]["name"]
        else:
            assert task["error_json"] == ""


def test_running_tasks_mostly_have_estimates(tasks: list[dict]) -> None:
    running = [t for t in tasks if t["state"] == "RUNNING"]
    with_estimate = [t for t in running if t["estimate_complete_time"] is not None]
    assert 0 < len(with_estimate) < len(running) or len(running) < 10
    assert all(t["estimate_complete_time"] is None for t in tasks if t["state"] != "RUNNING")


def test_realistic_values(tasks: list[dict]) -> None:
    assert any(t["source_server"] is None for t in tasks)
    assert {t["priority"] for t in tasks} == {0, 1, 2}
    assert {t["enterprise_project_id"] for t in tasks} >= {"0"}
    assert len({t["enterprise_project_id"] for t in tasks}) == 4
    assert any(t["speed_limit"] > 0 for t in tasks)
    assert sum(t["speed_limit"] == 0 for t in tasks) > len(tasks) * 0.8
    assert {t["log_collect_status"] for t in tasks} <= {
        "INIT",
        "UPLOADING",
        "UPLOAD_FAIL",
        "UPLOADED",
    }
    faster = [
        t for t in tasks
        if 0 < t["migrate_speed"] <= t["network_check_info"]["migration_speed"]
    ]  # fmt: skip
    assert len(faster) > 0.8 * sum(t["migrate_speed"] > 0 for t in tasks)
    names = [t["name"] for t in tasks]
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in names)
    assert any("🚀" in name for name in names)
    assert any("é" in name for name in names)
    for marker in (",", '"', "\n"):
        assert any(marker in name for name in names), marker
    for lead in "=+-@":
        assert any(name.startswith(lead) for name in names), lead


def test_huawei_sizing_rule_bounds_migration_time(tasks: list[dict]) -> None:
    """MIGRATE_* duration = GB*8000/Mbit/s/3600/U with GB in 40-2000 and U in 0.5-0.8."""
    for task in tasks:
        for sub in task["sub_tasks"]:
            if sub["name"].startswith("MIGRATE_") and sub["end_date"] and sub["progress"] == 100:
                gb = float(sub["process_trace"].split("/")[1].removesuffix("GB"))
                assert 40 <= gb <= 2000


def test_a_hundred_thousand_tasks() -> None:
    sim = SimulatorServer(SimulatorConfig(tasks=100_000, seed=1))
    assert sim.store.count() == 100_000
    assert len(set(sim.store.ids())) == 100_000
