"""Deterministic generator of realistic SMS migration-task plans.

Random draws are made as numpy arrays for a whole batch (vectorised), then
each task's plan is assembled in one pass. Same seed and same call sequence
give the same tasks, byte for byte.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

from .plan import LastStepMode, Step, TaskPlan

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
HISTORY_SPAN_MS = 56 * DAY_MS  # create dates spread over ~8 weeks before "now"
MAX_CONCURRENT = 100  # account limit on RUNNING + SYNCING migrations

ENTERPRISE_PROJECTS = (
    "0",
    "2b1f6c0e-8a4d-4f3e-9c6b-1d2e3f4a5b6c",
    "7e9a3b51-0c2d-4e6f-8a1b-3c4d5e6f7a8b",
    "c4d5e6f7-1a2b-4c3d-9e8f-0a1b2c3d4e5f",
)
ENTERPRISE_WEIGHTS = (0.64, 0.18, 0.12, 0.06)

# Share of generated tasks per state; RUNNING and SYNCING are capped separately.
STATE_SHARES: dict[str, float] = {
    "MIGRATE_FAIL": 0.08,
    "SYNC_SUCCESS": 0.04,
    "SYNC_FAIL": 0.025,
    "SKIPPING": 0.02,
    "RESETING": 0.02,
    "READY": 0.05,
    "ABORT": 0.03,
    "ABORTING": 0.01,
    "DELETING": 0.01,
    "SYNC_F_ROLLBACKING": 0.005,
    "SYNC_F_ROLLBACK_SUCCESS": 0.005,
}
RUNNING_SHARE, RUNNING_CAP = 0.04, 80
SYNCING_SHARE, SYNCING_CAP = 0.01, 20

LINUX_VERSIONS = (
    "CENTOS_7_6_64BIT",
    "CENTOS_7_9_64BIT",
    "UBUNTU_20_04_64BIT",
    "UBUNTU_22_04_64BIT",
    "EULEROS_2_5_64BIT",
    "DEBIAN_11_64BIT",
    "SUSE_12_SP5_64BIT",
)
WINDOWS_VERSIONS = (
    "WINDOWS2012_R2_64BIT",
    "WINDOWS2016_64BIT",
    "WINDOWS2019_64BIT",
    "WINDOWS2008_R2_64BIT",
)
FAILURES = (
    ("SMS.1105", "Failed to create the target server."),
    ("SMS.1204", "Failed to format the target disk."),
    ("SMS.1351", "The agent on the source server went offline."),
    ("SMS.1509", "Data transmission to the target server failed."),
    ("SMS.1510", "The migration network was interrupted."),
    ("SMS.1702", "Failed to configure the target server."),
)
CONFIG_KEYS = (
    ("MIGRATE_EXCLUDE_DIR", "/tmp,/var/cache"),
    ("SYNC_EXCLUDE_DIR", "/var/log"),
    ("LINUX_BLOCK_COMPRESS_THREAD_NUM", "4"),
    ("LINUX_CPU_LIMIT", "50"),
    ("NUM_PROCESS_MIGRATE", "8"),
    ("DYNAMIC_PORT", "8899"),
)
LOG_STATUSES = ("INIT", "UPLOADING", "UPLOAD_FAIL", "UPLOADED")
EVALUATIONS = ("EXCELLENT", "GOOD", "GENERAL", "POOR")
ROLES = ("web", "db", "app", "cache", "mq", "erp", "crm", "files", "build", "batch")

# Name patterns: plain ASCII mostly, plus Unicode and characters that stress exports.
NAME_PATTERNS = (
    "sms_task_{role}-{num:04d}",
    "sms_task_{role}-{num:04d}",
    "sms_task_{role}-{num:04d}",
    "sms_task_{role}-{num:04d}",
    "迁移任务-{role}-{num:03d}",
    "数据库迁移 {num}",
    "🚀 {role}-{num:03d}",
    "serveur-éàü-{role}-{num}",
    "Łódź café {role} {num}",
    "{role}, batch {num}",
    'the "{role}" box {num}',
    "{role}\nline two {num}",
    "={role}+{num}",
    "+{role}-{num}",
    "-{role} {num}",
    "@{role}{num}",
)


def uuid_strings(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` version-4 UUID strings drawn from the seeded RNG (vectorised)."""
    raw = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    h = raw.tobytes().hex()
    return [
        f"{h[k : k + 8]}-{h[k + 8 : k + 12]}-{h[k + 12 : k + 16]}-{h[k + 16 : k + 20]}-"
        f"{h[k + 20 : k + 32]}"
        for k in range(0, 32 * n, 32)
    ]


def _main_steps(os_type: str, task_type: str, create_server: bool) -> list[str]:
    """Sub-task names of a full migration, in the documented order."""
    names = ["CREATE_CLOUD_SERVER"] if create_server else []
    if os_type == "WINDOWS":
        names += [
            "ATTACH_AGENT_IMAGE",
            "FORMAT_DISK_WINDOWS",
            "MIGRATE_WINDOWS_BLOCK",
            "CONFIGURE_WINDOWS",
            "DETTACH_AGENT_IMAGE",
        ]
    else:
        kind = "FILE" if task_type == "MIGRATE_FILE" else "BLOCK"
        names += [
            "SSL_CONFIG",
            "ATTACH_AGENT_IMAGE",
            f"FORMAT_DISK_LINUX_{kind}",
            f"MIGRATE_LINUX_{kind}",
            f"CONFIGURE_LINUX_{kind}",
            "DETTACH_AGENT_IMAGE",
        ]
    return names


def _sync_step(os_type: str, task_type: str) -> str:
    if os_type == "WINDOWS":
        return "SYNC_WINDOWS_BLOCK"
    return "SYNC_LINUX_FILE" if task_type == "MIGRATE_FILE" else "SYNC_LINUX_BLOCK"


def migration_hours(disk_gb: float, link_mbps: float, utilisation: float) -> float:
    """Huawei's sizing rule: hours = GB x 8000 / Mbit/s / 3600 / U."""
    return disk_gb * 8000 / link_mbps / 3600 / utilisation


class TaskFactory:
    """Makes task plans from one seeded RNG; owns the sub-task id sequence."""

    def __init__(self, rng: np.random.Generator, first_subtask_id: int = 1_000_001) -> None:
        self.rng = rng
        self.next_subtask_id = first_subtask_id
        self.serial = 0

    def state_mix(self, n: int) -> list[str]:
        """States for an initial population of ``n`` tasks, shuffled."""
        running = min(RUNNING_CAP, round(n * RUNNING_SHARE))
        syncing = min(SYNCING_CAP, round(n * SYNCING_SHARE))
        states = ["RUNNING"] * running + ["SYNCING"] * syncing
        for state, share in STATE_SHARES.items():
            states += [state] * round(n * share)
        states = states[:n]
        states += ["MIGRATE_SUCCESS"] * (n - len(states))
        order = self.rng.permutation(n)
        return [states[i] for i in order]

    def initial(self, n: int, now_ms: int) -> list[TaskPlan]:
        """The account's tasks at the start: history, a few running, some ready."""
        return self.batch(self.state_mix(n), now_ms, create_after=None)

    def new_arrivals(self, n: int, after_ms: int, until_ms: int) -> list[TaskPlan]:
        """``n`` freshly created READY tasks created in ``(after_ms, until_ms]``."""
        return self.batch(["NEW"] * n, until_ms, create_after=after_ms)

    def batch(self, states: list[str], now_ms: int, create_after: int | None) -> list[TaskPlan]:
        n = len(states)
        if n == 0:
            return []
        rng = self.rng
        uuids = uuid_strings(rng, 4 * n)
        is_windows = rng.random(n) < 0.3
        is_file = (~is_windows) & (rng.random(n) < 0.4)
        create_server = rng.random(n) < 0.4
        disk_gb = np.clip(np.exp(rng.normal(np.log(200), 0.9, n)), 40, 2000)
        link_mbps = np.clip(np.exp(rng.normal(np.log(300), 0.8, n)), 10, 10_000)
        utilisation = rng.uniform(0.5, 0.8, n)
        throttled = rng.random(n) < 0.12
        limits = rng.choice([50, 100, 200, 300, 500], n)
        small_step_ms = rng.integers(30_000, 8 * MINUTE_MS, (n, 8))
        sync_fraction = rng.uniform(0.02, 0.2, (n, 4))
        sync_count = rng.integers(1, 4, n)
        fail_at_migrate = rng.random(n) < 0.7
        fail_index = rng.random(n)
        fail_progress = rng.integers(0, 100, n)
        failure = rng.integers(0, len(FAILURES), n)
        anchor = rng.random(n)
        elapsed = rng.uniform(0.02, 0.98, n)
        create_delay = rng.exponential(6 * HOUR_MS, n).astype(np.int64) + MINUTE_MS
        ready_start = rng.exponential(3 * HOUR_MS, n).astype(np.int64) + MINUTE_MS
        never_starts = rng.random(n) < 0.2
        run_outcome_fail = rng.random(n) < 0.12
        estimate = rng.random(n) < 0.85
        speed_zero = rng.random(n) < 0.1
        measure_low = rng.random(n) < 0.05
        pattern = rng.integers(0, len(NAME_PATTERNS), n)
        role = rng.integers(0, len(ROLES), n)
        number = rng.integers(1, 10_000, n)
        ep = rng.choice(len(ENTERPRISE_PROJECTS), n, p=ENTERPRISE_WEIGHTS)
        priority = rng.choice(3, n, p=(0.2, 0.6, 0.2))
        version = rng.integers(0, 100, n)
        ip = rng.integers(1, 255, (n, 4))
        no_source = rng.random(n) < 0.02
        oem = rng.random(n) < 0.1
        start_target = rng.random(n) < 0.8
        migration_test = rng.random(n) < 0.06
        compress = np.round(rng.uniform(1.0, 2.5, n), 2)
        n_configs = rng.choice(4, n, p=(0.6, 0.2, 0.15, 0.05))
        config_pick = rng.integers(0, len(CONFIG_KEYS), (n, 3))
        log_pick = rng.random(n)
        net = rng.random((n, 6))
        usage = rng.random((n, 6))
        arrival = rng.random(n)
        effective_v = link_mbps * utilisation
        effective_v = np.where(throttled, np.minimum(effective_v, limits), effective_v)
        measured_v = link_mbps * np.where(measure_low, 0.8 * utilisation, 1.0)
        net_v = np.round(
            np.column_stack(
                [
                    1 + net[:, 2] * 80,
                    net[:, 3] * 10,
                    measured_v,
                    net[:, 4] ** 4 * 5,
                    5 + net[:, 5] * 60,
                    10 + net[:, 0] * 70,
                ]
            ),
            2,
        ).tolist()
        usage_v = np.round(
            np.column_stack(
                [
                    10 + usage[:, 0] * 80,
                    1 + usage[:, 1] * 30,
                    512 + usage[:, 2] * 32_000,
                    50 + usage[:, 3] * 900,
                    usage[:, 4] * effective_v * 1.2,
                    usage[:, 5] * effective_v,
                ]
            ),
            2,
        ).tolist()
        effective_r = np.round(effective_v, 2).tolist()
        evaluation = (net[:, 2] * 4).astype(np.int64).tolist()
        connectivity = (net[:, :2] > (0.03, 0.02)).tolist()
        disk_r = np.round(disk_gb, 2).tolist()
        effective_v = effective_v.tolist()

        (
            is_windows,
            is_file,
            create_server,
            disk_gb,
            link_mbps,
            utilisation,
            throttled,
            limits,
            small_step_ms,
            sync_fraction,
            sync_count,
            fail_at_migrate,
            fail_index,
            fail_progress,
            failure,
            anchor,
            elapsed,
            create_delay,
            ready_start,
            never_starts,
            run_outcome_fail,
            estimate,
            speed_zero,
            measure_low,
            pattern,
            role,
            number,
            ep,
            priority,
            version,
            ip,
            no_source,
            oem,
            start_target,
            migration_test,
            compress,
            n_configs,
            config_pick,
            log_pick,
            arrival,
        ) = (
            is_windows.tolist(),
            is_file.tolist(),
            create_server.tolist(),
            disk_gb.tolist(),
            link_mbps.tolist(),
            utilisation.tolist(),
            throttled.tolist(),
            limits.tolist(),
            small_step_ms.tolist(),
            sync_fraction.tolist(),
            sync_count.tolist(),
            fail_at_migrate.tolist(),
            fail_index.tolist(),
            fail_progress.tolist(),
            failure.tolist(),
            anchor.tolist(),
            elapsed.tolist(),
            create_delay.tolist(),
            ready_start.tolist(),
            never_starts.tolist(),
            run_outcome_fail.tolist(),
            estimate.tolist(),
            speed_zero.tolist(),
            measure_low.tolist(),
            pattern.tolist(),
            role.tolist(),
            number.tolist(),
            ep.tolist(),
            priority.tolist(),
            version.tolist(),
            ip.tolist(),
            no_source.tolist(),
            oem.tolist(),
            start_target.tolist(),
            migration_test.tolist(),
            compress.tolist(),
            n_configs.tolist(),
            config_pick.tolist(),
            log_pick.tolist(),
            arrival.tolist(),
        )

        plans: list[TaskPlan] = []
        for i, state in enumerate(states):
            ids = uuids[4 * i : 4 * i + 4]
            os_type = "WINDOWS" if is_windows[i] else "LINUX"
            task_type = "MIGRATE_FILE" if is_file[i] else "MIGRATE_BLOCK"
            names = _main_steps(os_type, task_type, bool(create_server[i]))
            if migration_test[i]:
                names.append("CLONE_VM")
            migrate_index = next(k for k, name in enumerate(names) if name.startswith("MIGRATE_"))
            effective = effective_v[i]
            speed_limit = int(limits[i]) if throttled[i] else 0
            hours = disk_gb[i] * 8000 / effective / 3600
            durations = [int(small_step_ms[i][k % 8]) for k in range(len(names))]
            durations[migrate_index] = max(MINUTE_MS, int(hours * HOUR_MS))

            last_mode: LastStepMode = "close"
            outcome = state
            syncs = 0
            run = len(names)
            if state == "MIGRATE_FAIL" or state == "ABORT":
                last_mode = "fail"
                run = (
                    migrate_index + 1
                    if fail_at_migrate[i] or state == "ABORT"
                    else 1 + int(fail_index[i] * len(names))
                )
            elif state in ("SYNC_SUCCESS", "SYNC_F_ROLLBACKING", "SYNC_F_ROLLBACK_SUCCESS"):
                syncs = int(sync_count[i])
            elif state == "SYNC_FAIL":
                syncs, last_mode = int(sync_count[i]), "fail"
            elif state == "SYNCING":
                syncs, last_mode = int(sync_count[i]), "open"
            elif state in ("ABORTING", "SKIPPING", "RESETING"):
                run, last_mode = migrate_index + 1, "open"
            elif state in ("RUNNING", "NEW"):
                if run_outcome_fail[i]:
                    outcome, last_mode = "MIGRATE_FAIL", "fail"
                    run = migrate_index + 1
                else:
                    outcome = "MIGRATE_SUCCESS"
            elif state == "READY":
                outcome = "MIGRATE_SUCCESS"
            steps_names = names[:run] + [_sync_step(os_type, task_type)] * syncs
            step_durations = durations[:run] + [
                max(MINUTE_MS, int(durations[migrate_index] * sync_fraction[i][k]))
                for k in range(syncs)
            ]
            steps = []
            for name, duration in zip(steps_names, step_durations, strict=True):
                steps.append(Step(self.next_subtask_id, name, duration))
                self.next_subtask_id += 1
            total = sum(step_durations)
            last = step_durations[-1]

            if state == "NEW":
                assert create_after is not None
                create = create_after + 1 + int(arrival[i] * max(0, now_ms - create_after - 1))
                start: int | None = create + int(ready_start[i] // 6)
            elif state == "READY":
                create = now_ms - int(arrival[i] * 3 * DAY_MS) - MINUTE_MS
                start = None if never_starts[i] else now_ms + int(ready_start[i])
            elif state == "RUNNING":
                start = now_ms - int(elapsed[i] * total)
                create = start - int(create_delay[i])
            else:
                # The last step starts at `anchor`; closed plans must have ended by now.
                latest = now_ms - (MINUTE_MS if last_mode == "open" else last + MINUTE_MS)
                last_start = latest - int(anchor[i] * HISTORY_SPAN_MS)
                start = last_start - (total - last)
                create = start - int(create_delay[i])

            error_json = ""
            if outcome in ("MIGRATE_FAIL", "SYNC_FAIL"):
                code, message = FAILURES[int(failure[i])]
                error_json = orjson.dumps(
                    {"error_code": code, "error_msg": message, "phase": steps_names[-1]}
                ).decode()

            versions = WINDOWS_VERSIONS if os_type == "WINDOWS" else LINUX_VERSIONS
            os_version = versions[int(version[i]) % len(versions)]
            role_name = ROLES[int(role[i])]
            host = f"{role_name}-{os_type.lower()}-{int(number[i]):04d}"
            src_ip = f"192.168.{int(ip[i][0])}.{int(ip[i][1])}"
            dst_ip = f"10.{int(ip[i][2])}.{int(ip[i][3])}.{int(ip[i][0])}"
            self.serial += 1
            name = NAME_PATTERNS[int(pattern[i])].format(role=role_name, num=int(number[i]))
            source = (
                None
                if no_source[i]
                else {
                    "id": ids[1],
                    "ip": src_ip,
                    "name": host,
                    "os_type": os_type,
                    "os_version": os_version,
                    "oem_system": bool(oem[i]) and os_type == "WINDOWS",
                    "state": "waiting",
                }
            )
            started = state not in ("READY", "NEW")
            log_status = (
                LOG_STATUSES[1 + int(log_pick[i] * 3)]
                if outcome in ("MIGRATE_FAIL", "SYNC_FAIL") and log_pick[i] < 0.6
                else "INIT"
            )
            static: dict[str, Any] = {
                "id": ids[0],
                "name": name,
                "type": task_type,
                "os_type": os_type,
                "create_date": int(create),
                "priority": int(priority[i]),
                "speed_limit": speed_limit,
                "compress_rate": float(compress[i]),
                "start_target_server": bool(start_target[i]),
                "migration_ip": dst_ip if started or not never_starts[i] else "",
                "source_server": source,
                "enterprise_project_id": ENTERPRISE_PROJECTS[int(ep[i])],
                "target_server": {
                    "id": ids[2],
                    "vm_id": ids[3],
                    "name": f"{host}-target",
                    "ip": dst_ip,
                    "os_type": os_type,
                    "os_version": os_version,
                },
                "log_collect_status": log_status,
                "clone_server": {
                    "vm_id": ids[3][::-1] if migration_test[i] else "",
                    "name": f"{host}-clone" if migration_test[i] else "",
                },
                "syncing": syncs > 0,
                "network_check_info": {
                    "domain_connectivity": connectivity[i][0],
                    "destination_connectivity": connectivity[i][1],
                    "network_delay": net_v[i][0],
                    "network_jitter": net_v[i][1],
                    "migration_speed": net_v[i][2],
                    "loss_percentage": net_v[i][3],
                    "cpu_usage": net_v[i][4],
                    "mem_usage": net_v[i][5],
                    "evaluation_result": EVALUATIONS[evaluation[i]],
                },
                "special_config": [
                    {
                        "config_key": CONFIG_KEYS[int(config_pick[i][k])][0],
                        "config_value": CONFIG_KEYS[int(config_pick[i][k])][1],
                        "config_status": "",
                    }
                    for k in range(int(n_configs[i]))
                ],
                "total_cpu_usage": usage_v[i][0],
                "agent_cpu_usage": usage_v[i][1],
                "total_mem_usage": usage_v[i][2],
                "agent_mem_usage": usage_v[i][3],
                "total_disk_io": usage_v[i][4],
                "agent_disk_io": usage_v[i][5],
                "need_migration_test": bool(migration_test[i]),
            }
            plans.append(
                TaskPlan(
                    static=static,
                    steps=steps,
                    start_ms=None if start is None else int(start),
                    outcome=outcome,
                    last_mode=last_mode,
                    fail_progress=int(fail_progress[i]),
                    error_json=error_json,
                    speed_mbps=effective_r[i],
                    final_speed=0.0 if speed_zero[i] else effective_r[i],
                    disk_gb=disk_r[i],
                    estimate=bool(estimate[i]),
                )
            )
        return plans
