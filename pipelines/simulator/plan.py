"""A task's hidden schedule and how it looks at a given moment.

The generator decides each task's whole future once (sub-task durations, when
it starts, how it ends); :func:`render` turns that plan into the API's task
JSON at any simulated time. Advancing the clock is then just re-rendering the
tasks that can still change, which keeps the simulation deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

LastStepMode = Literal["close", "fail", "open"]

# The label a task shows while one of its sub-tasks is open (unless the plan's
# last step stays open forever, in which case it shows the plan's outcome).
RUNNING = "RUNNING"
READY = "READY"

SOURCE_STATE_FOR = {
    "READY": "waiting",
    "RUNNING": "replicate",
    "SYNCING": "syncing",
    "MIGRATE_SUCCESS": "finished",
    "SYNC_SUCCESS": "finished",
    "MIGRATE_FAIL": "error",
    "SYNC_FAIL": "error",
    "ABORTING": "stopping",
    "ABORT": "stopped",
    "SKIPPING": "skipping",
    "DELETING": "deleting",
    "RESETING": "initialize",
    "SYNC_F_ROLLBACKING": "clearing",
    "SYNC_F_ROLLBACK_SUCCESS": "cleared",
}


@dataclass(slots=True)
class Step:
    """One planned sub-task: its fixed integer id, name and duration."""

    id: int
    name: str
    duration_ms: int


@dataclass(slots=True)
class TaskPlan:
    """Everything needed to render one task at any time.

    ``static`` holds the fields that never change, in API field order.
    ``steps`` are the sub-tasks that will run; ``start_ms`` is when the first
    one starts (``None``: the task stays READY). ``last_mode`` says how the
    last step ends: closed normally, failed part-way (``fail_progress``), or
    left open for good (states such as SYNCING or ABORTING).
    """

    static: dict[str, Any]
    steps: list[Step]
    start_ms: int | None
    outcome: str
    last_mode: LastStepMode
    fail_progress: int
    error_json: str
    speed_mbps: float
    final_speed: float
    disk_gb: float
    estimate: bool

    @property
    def end_ms(self) -> int | None:
        """When the last step ends (``None`` if never started or open for good)."""
        if self.start_ms is None or self.last_mode == "open":
            return None
        return self.start_ms + sum(step.duration_ms for step in self.steps)

    def is_live(self, now_ms: int) -> bool:
        """Whether this task can still change after ``now_ms`` (READY or RUNNING)."""
        if self.start_ms is None or self.last_mode == "open":
            return False
        end = self.end_ms
        return end is not None and now_ms < end


def _trace(step: Step, plan: TaskPlan, progress: int) -> str:
    if step.name.startswith(("MIGRATE_", "SYNC_")):
        total = plan.disk_gb if step.name.startswith("MIGRATE_") else plan.disk_gb * 0.1
        return f"{total * progress / 100:.2f}GB/{total:.2f}GB"
    return ""


def render(plan: TaskPlan, now_ms: int) -> dict[str, Any]:
    """The task exactly as the API would list it at ``now_ms``."""
    sub_tasks: list[dict[str, Any]] = []
    state = READY
    open_step: Step | None = None
    open_progress = 0
    started_at = plan.start_ms
    last_end = started_at
    if started_at is not None and now_ms >= started_at:
        cursor = started_at
        last_index = len(plan.steps) - 1
        state = plan.outcome
        for index, step in enumerate(plan.steps):
            if cursor > now_ms:
                break
            end = cursor + step.duration_ms
            is_last = index == last_index
            if (is_last and plan.last_mode == "open") or now_ms < end:
                elapsed = max(0, min(now_ms, end) - cursor)
                progress = min(99, elapsed * 100 // max(1, step.duration_ms))
                if is_last and plan.last_mode == "open":
                    progress = min(progress, 99)
                else:
                    state = RUNNING
                open_step, open_progress = step, progress
                sub_tasks.append(
                    {
                        "id": step.id,
                        "name": step.name,
                        "progress": progress,
                        "start_date": cursor,
                        "end_date": None,
                        "process_trace": _trace(step, plan, progress),
                    }
                )
                last_end = None
                break
            progress = plan.fail_progress if is_last and plan.last_mode == "fail" else 100
            sub_tasks.append(
                {
                    "id": step.id,
                    "name": step.name,
                    "progress": progress,
                    "start_date": cursor,
                    "end_date": end,
                    "process_trace": _trace(step, plan, progress),
                }
            )
            cursor = last_end = end
    static = plan.static
    running = state == RUNNING or (open_step is not None)
    if state == READY:
        total_time = 0
    elif last_end is None:
        total_time = now_ms - (started_at or now_ms)
    else:
        total_time = last_end - (started_at or last_end)
    if open_step is not None and open_step.name.startswith(("MIGRATE_", "SYNC_")):
        migrate_speed = plan.speed_mbps
    elif running or state == READY:
        migrate_speed = 0.0
    else:
        migrate_speed = plan.final_speed
    estimate = None
    if state == RUNNING and plan.estimate and started_at is not None:
        estimate = started_at + sum(step.duration_ms for step in plan.steps)
    source = static["source_server"]
    if source is not None:
        source = {**source, "state": SOURCE_STATE_FOR.get(state, "waiting")}
    subtask_info = f"{open_step.name}:{open_progress}%" if open_step is not None else ""
    failed = state in ("MIGRATE_FAIL", "SYNC_FAIL")
    return {
        "id": static["id"],
        "name": static["name"],
        "type": static["type"],
        "os_type": static["os_type"],
        "state": state,
        "estimate_complete_time": estimate,
        "create_date": static["create_date"],
        "priority": static["priority"],
        "speed_limit": static["speed_limit"],
        "migrate_speed": migrate_speed,
        "compress_rate": static["compress_rate"],
        "start_target_server": static["start_target_server"],
        "error_json": plan.error_json if failed else "",
        "total_time": total_time,
        "migration_ip": static["migration_ip"],
        "sub_tasks": sub_tasks,
        "source_server": source,
        "enterprise_project_id": static["enterprise_project_id"],
        "target_server": static["target_server"],
        "log_collect_status": static["log_collect_status"],
        "clone_server": static["clone_server"],
        "syncing": static["syncing"],
        "network_check_info": static["network_check_info"],
        "special_config": static["special_config"],
        "total_cpu_usage": static["total_cpu_usage"] if running else 0.0,
        "agent_cpu_usage": static["agent_cpu_usage"] if running else 0.0,
        "total_mem_usage": static["total_mem_usage"],
        "agent_mem_usage": static["agent_mem_usage"] if running else 0.0,
        "total_disk_io": static["total_disk_io"] if running else 0.0,
        "agent_disk_io": static["agent_disk_io"] if running else 0.0,
        "need_migration_test": static["need_migration_test"],
        "subtask_info": subtask_info,
    }
