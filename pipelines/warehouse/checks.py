"""Blocking data checks per model: SQL counting the rows that break a rule.

A failing check stops the ``warehouse`` asset, so a wrong build is never published.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelCheck:
    name: str
    description: str
    violations_sql: str
    """SELECT returning one integer: how many rows break the rule (0 = pass)."""


MODEL_CHECKS: dict[str, tuple[ModelCheck, ...]] = {
    "stg_tasks_history": (
        ModelCheck(
            "one_row_per_task_and_snapshot",
            "A task appears at most once per snapshot.",
            "SELECT count(*) FROM (SELECT snapshot_id, task_id FROM stg_tasks_history "
            "GROUP BY ALL HAVING count(*) > 1)",
        ),
    ),
    "mart_task_durations": (
        ModelCheck(
            "one_row_per_latest_task",
            "Exactly one row per source and task of the source's latest committed snapshot.",
            "SELECT (SELECT count(*) FROM (SELECT source, task_id FROM mart_task_durations "
            "GROUP BY ALL HAVING count(*) > 1)) "
            "+ (SELECT count(*) FROM (SELECT source, task_id FROM stg_tasks "
            "EXCEPT SELECT source, task_id FROM mart_task_durations)) "
            "+ (SELECT count(*) FROM (SELECT source, task_id FROM mart_task_durations "
            "EXCEPT SELECT source, task_id FROM stg_tasks))",
        ),
        ModelCheck(
            "no_negative_durations",
            "No duration column is negative.",
            "SELECT count(*) FROM mart_task_durations WHERE total_time_s < 0 "
            "OR queue_time_s < 0 OR active_time_s < 0 OR migration_phase_s < 0 "
            "OR bottleneck_phase_s < 0",
        ),
    ),
    "mart_phase_durations": (
        ModelCheck(
            "percentiles_ordered",
            "0 <= p50 <= p90 <= p99 <= max for every group.",
            "SELECT count(*) FROM mart_phase_durations "
            "WHERE NOT (0 <= p50_s AND p50_s <= p90_s AND p90_s <= p99_s AND p99_s <= max_s)",
        ),
    ),
    "mart_hourly_concurrency": (
        ModelCheck(
            "concurrency_non_negative",
            "Running-task counts are never negative.",
            "SELECT count(*) FROM mart_hourly_concurrency "
            "WHERE peak_running < 0 OR tasks_running < 0",
        ),
    ),
}
