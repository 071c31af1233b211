-- Grain: one row per source and task that is RUNNING in the source's latest snapshot and
--     stalled.
-- Purpose: Migrations that stopped moving. A task is stalled when its progress fingerprint
--     (mart_task_progress_history) is unchanged over its last N appearances (N = DuckDB
--     variable stall_snapshots, default 3) or has been unchanged for at least H hours
--     (variable stall_hours, default 6), counted from the first snapshot that showed the
--     current progress to its source's latest snapshot. Only the task's own appearances
--     count: a snapshot that did not list the task neither breaks nor extends its streak.
-- Columns:
--   source: Source the task was read from (see stg_snapshots); task ids are unique per source.
--   task_id: Migration task id.
--   task_name: Task name.
--   current_sub_task: The started sub-task with the highest ordinal.
--   progress_pct: Mean sub-task progress (%).
--   unchanged_since: snapshot_at of the first snapshot showing the current progress (UTC).
--   unchanged_snapshots: Consecutive appearances (ending at the latest) with this progress.
--   stalled_hours: Hours from unchanged_since to the source's latest snapshot.
--   stalled_by_snapshots: unchanged_snapshots >= stall_snapshots.
--   stalled_by_hours: stalled_hours >= stall_hours.
--   stall_snapshots: The N threshold used.
--   stall_hours: The H threshold used.
WITH params AS (
    SELECT
        coalesce(getvariable('stall_snapshots'), 3)::INTEGER AS stall_snapshots,
        coalesce(getvariable('stall_hours'), 6)::DOUBLE AS stall_hours
),

running_now AS (
    SELECT
        progress.source,
        progress.task_id,
        progress.task_name,
        progress.current_sub_task,
        progress.progress_pct,
        progress.snapshot_at AS latest_snapshot_at
    FROM mart_task_progress_history AS progress
    WHERE progress.snapshot_id IN (SELECT snapshot_id FROM stg_snapshots WHERE is_latest)
        AND progress.state = 'RUNNING'
),

changes AS (
    SELECT
        progress.source,
        progress.task_id,
        progress.snapshot_at,
        CASE
            WHEN progress.progress_fingerprint IS DISTINCT FROM lag(progress.progress_fingerprint)
                OVER by_time THEN 1
            ELSE 0
        END AS changed
    FROM mart_task_progress_history AS progress
    WHERE (progress.source, progress.task_id) IN (SELECT source, task_id FROM running_now)
    WINDOW by_time AS (PARTITION BY progress.source, progress.task_id ORDER BY progress.snapshot_at)
),

streaks AS (
    SELECT
        source,
        task_id,
        snapshot_at,
        sum(changed) OVER (
            PARTITION BY source, task_id ORDER BY snapshot_at ROWS UNBOUNDED PRECEDING
        ) AS streak_id
    FROM changes
),

current_streaks AS (
    SELECT source, task_id, count(*) AS unchanged_snapshots, min(snapshot_at) AS unchanged_since
    FROM streaks
    WHERE (source, task_id, streak_id) IN (
        SELECT source, task_id, max(streak_id) FROM streaks GROUP BY source, task_id
    )
    GROUP BY source, task_id
),

measured AS (
    SELECT
        running_now.*,
        current_streaks.unchanged_since,
        current_streaks.unchanged_snapshots,
        date_diff(
            'millisecond', current_streaks.unchanged_since, running_now.latest_snapshot_at
        ) / 3600000.0 AS stalled_hours,
        params.stall_snapshots,
        params.stall_hours AS stall_hours_threshold
    FROM running_now
    INNER JOIN current_streaks
        ON running_now.source = current_streaks.source
        AND running_now.task_id = current_streaks.task_id
    CROSS JOIN params
)

SELECT
    source,
    task_id,
    task_name,
    current_sub_task,
    progress_pct,
    unchanged_since,
    unchanged_snapshots,
    stalled_hours,
    unchanged_snapshots >= stall_snapshots AS stalled_by_snapshots,
    stalled_hours >= stall_hours_threshold AS stalled_by_hours,
    stall_snapshots,
    stall_hours_threshold AS stall_hours
FROM measured
WHERE unchanged_snapshots >= stall_snapshots OR stalled_hours >= stall_hours_threshold
ORDER BY stalled_hours DESC, source, task_id
