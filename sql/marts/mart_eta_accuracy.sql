-- Grain: one row per source, task and snapshot that carried an estimate (estimate_complete_time),
--     up to (excluding) the snapshot where the task was first seen MIGRATE_SUCCESS.
-- Purpose: How good SMS's completion estimates are. The actual completion is taken from the
--     first snapshot that shows the task MIGRATE_SUCCESS: the latest end_date of its
--     sub-tasks in that snapshot, or that snapshot's snapshot_at when no sub-task has an end.
--     Tasks not (yet) completed keep their rows with a null actual and error.
-- Columns:
--   source: Source the task was read from (see stg_snapshots); task ids are unique per source.
--   task_id: Migration task id.
--   snapshot_id: Snapshot that carried the estimate.
--   snapshot_at: When that snapshot's listing started (UTC).
--   state: Task state in that snapshot.
--   progress_pct: Mean sub-task progress in that snapshot (%).
--   progress_band: '0-25%', '25-50%', '50-75%', '75-100%' or 'unknown' (no sub-tasks).
--   estimated_completion_at: The estimate (UTC).
--   actual_completed_at: Actual completion as defined above (UTC); null when not completed.
--   error_s: estimated_completion_at - actual_completed_at, seconds: positive = the estimate
--     was late (pessimistic), negative = early (optimistic).
--   abs_error_s: |error_s|, seconds.
--   lead_time_s: actual_completed_at - snapshot_at: how far ahead the estimate was made, seconds.
WITH completions AS (
    SELECT
        source,
        task_id,
        min(snapshot_at) AS completed_snapshot_at,
        arg_min(coalesce(last_ended_at, snapshot_at), snapshot_at) AS actual_completed_at
    FROM mart_task_progress_history
    WHERE state = 'MIGRATE_SUCCESS'
    GROUP BY source, task_id
),

estimates AS (
    SELECT
        progress.source,
        progress.task_id,
        progress.snapshot_id,
        progress.snapshot_at,
        progress.state,
        progress.progress_pct,
        CASE
            WHEN progress.progress_pct IS NULL THEN 'unknown'
            WHEN progress.progress_pct < 25 THEN '0-25%'
            WHEN progress.progress_pct < 50 THEN '25-50%'
            WHEN progress.progress_pct < 75 THEN '50-75%'
            ELSE '75-100%'
        END AS progress_band,
        progress.estimated_completion_at,
        completions.actual_completed_at
    FROM mart_task_progress_history AS progress
    LEFT JOIN completions
        ON progress.source = completions.source AND progress.task_id = completions.task_id
    WHERE progress.estimated_completion_at IS NOT NULL
        AND (
            completions.completed_snapshot_at IS NULL
            OR progress.snapshot_at < completions.completed_snapshot_at
        )
)

SELECT
    *,
    date_diff('millisecond', actual_completed_at, estimated_completion_at) / 1000.0 AS error_s,
    abs(date_diff('millisecond', actual_completed_at, estimated_completion_at)) / 1000.0
        AS abs_error_s,
    date_diff('millisecond', snapshot_at, actual_completed_at) / 1000.0 AS lead_time_s
FROM estimates
ORDER BY source, task_id, snapshot_at
