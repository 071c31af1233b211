-- Grain: one row per source, task and committed snapshot of that source.
-- Purpose: A task's progress as each snapshot saw it, the shared input of the ETA and
--     stall marts. Task progress is the mean of its sub-tasks' progress; the fingerprint
--     changes whenever any sub-task's progress or completion changes.
-- Columns:
--   source: Source the task was read from (see stg_snapshots); task ids are unique per source.
--   snapshot_id: Snapshot that read the row.
--   snapshot_at: When that snapshot's listing started (UTC).
--   task_id: Migration task id.
--   task_name: Task name.
--   state: Task state in that snapshot.
--   outcome: success, failed, running or other.
--   estimated_completion_at: The API's estimate in that snapshot (UTC); often null.
--   sub_task_count: Sub-tasks listed (0 when none).
--   sub_tasks_ended: Sub-tasks with an end time.
--   progress_pct: Mean sub-task progress, 0-100 (%); null when the task has no sub-tasks.
--   current_sub_task: The started sub-task with the highest ordinal; null when none started.
--   last_ended_at: Latest sub-task end in that snapshot (UTC).
--   progress_fingerprint: 'ordinal:progress:ended' per sub-task, comma-joined in ordinal
--     order; '' when the task has no sub-tasks.
SELECT
    tasks.source,
    tasks.snapshot_id,
    tasks.snapshot_at,
    tasks.task_id,
    tasks.task_name,
    tasks.state,
    tasks.outcome,
    tasks.estimated_completion_at,
    count(sub_tasks.sub_task_ordinal) AS sub_task_count,
    count(sub_tasks.ended_at) AS sub_tasks_ended,
    avg(sub_tasks.progress_pct) AS progress_pct,
    arg_max(sub_tasks.sub_task_name, sub_tasks.sub_task_ordinal)
        FILTER (WHERE sub_tasks.started_at IS NOT NULL) AS current_sub_task,
    max(sub_tasks.ended_at) AS last_ended_at,
    coalesce(
        string_agg(
            concat_ws(
                ':',
                sub_tasks.sub_task_ordinal,
                coalesce(sub_tasks.progress_pct::VARCHAR, '?'),
                sub_tasks.ended_at IS NOT NULL
            ),
            ',' ORDER BY sub_tasks.sub_task_ordinal
        ),
        ''
    ) AS progress_fingerprint
FROM stg_tasks_history AS tasks
LEFT JOIN stg_sub_tasks_history AS sub_tasks
    ON tasks.source = sub_tasks.source
        AND tasks.snapshot_id = sub_tasks.snapshot_id
        AND tasks.task_id = sub_tasks.task_id
GROUP BY ALL
