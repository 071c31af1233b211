-- Grain: one row per source and task, from that source's latest committed snapshot.
-- Purpose: Where each migration's time went: queueing, active work, the migration
--     phase and the slowest phase. A duration whose end precedes its start is null
--     (never negative) and the task's timeline_complete is false.
-- Columns:
--   source: Source the task was read from (see stg_snapshots); task ids are unique per source.
--   task_id: Migration task id.
--   task_name: Task name.
--   state: Task state in its source's latest snapshot.
--   outcome: success, failed, running or other (see stg_tasks_history).
--   type: MIGRATE_FILE or MIGRATE_BLOCK.
--   os_type: WINDOWS or LINUX.
--   enterprise_project_id: Enterprise project of the task.
--   source_server_id: Source server id; null when the task has no source server.
--   created_at: Task creation time (UTC).
--   first_started_at: Earliest sub-task start (UTC); null when no sub-task started.
--   last_ended_at: Latest sub-task end (UTC); null when no sub-task ended.
--   finished_at: For success/failed tasks: last_ended_at; when no sub-task has an end,
--     created_at + total_time (when total_time > 0); else the snapshot_at of the first
--     snapshot that saw the task in its final state. Null for other outcomes.
--   snapshot_at: When the source's latest snapshot's listing started (UTC): "now" for its
--     running tasks.
--   sub_task_count: Number of sub-tasks (0 when the task has none).
--   total_time_s: Task duration the API reports (total_time / 1000), seconds.
--   queue_time_s: created_at -> first_started_at, seconds.
--   active_time_s: first_started_at -> snapshot_at while running, -> finished_at for
--     success/failed tasks, -> last_ended_at otherwise; seconds.
--   migration_phase_s: Time in the MIGRATE_* sub-task(s) (summed; an open one counts up to
--     snapshot_at while the task runs), seconds.
--   timeline_complete: True when every sub-task has a start and an end, each end >= its
--     start and each sub-task starts no earlier than the previous one (by ordinal) ended.
--     False for a task with no sub-tasks.
--   bottleneck_phase: Name of the longest sub-task (ties: the earlier ordinal).
--   bottleneck_phase_s: Its duration (open sub-tasks of a running task count to snapshot_at), seconds.
WITH sub_task_spans AS (
    SELECT
        sub_tasks.source,
        sub_tasks.task_id,
        sub_tasks.sub_task_ordinal,
        sub_tasks.sub_task_name,
        sub_tasks.started_at,
        sub_tasks.ended_at,
        lag(sub_tasks.ended_at) OVER (
            PARTITION BY sub_tasks.source, sub_tasks.task_id ORDER BY sub_tasks.sub_task_ordinal
        ) AS previous_ended_at,
        CASE
            WHEN sub_tasks.ended_at >= sub_tasks.started_at
                THEN date_diff('millisecond', sub_tasks.started_at, sub_tasks.ended_at) / 1000.0
            WHEN sub_tasks.ended_at IS NULL AND tasks.outcome = 'running'
                AND sub_tasks.snapshot_at >= sub_tasks.started_at
                THEN date_diff('millisecond', sub_tasks.started_at, sub_tasks.snapshot_at) / 1000.0
        END AS span_s
    FROM stg_sub_tasks AS sub_tasks
    INNER JOIN stg_tasks AS tasks
        ON sub_tasks.source = tasks.source AND sub_tasks.task_id = tasks.task_id
),

per_task AS (
    SELECT
        source,
        task_id,
        count(*) AS sub_task_count,
        min(started_at) AS first_started_at,
        max(ended_at) AS last_ended_at,
        bool_and(
            started_at IS NOT NULL
            AND ended_at IS NOT NULL
            AND ended_at >= started_at
            AND coalesce(started_at >= previous_ended_at, sub_task_ordinal = min_ordinal)
        ) AS timeline_complete,
        sum(span_s) FILTER (WHERE sub_task_name LIKE 'MIGRATE\_%' ESCAPE '\') AS migration_phase_s
    FROM (
        SELECT *, min(sub_task_ordinal) OVER (PARTITION BY source, task_id) AS min_ordinal
        FROM sub_task_spans
    ) AS spans
    GROUP BY source, task_id
),

bottlenecks AS (
    SELECT source, task_id, sub_task_name AS bottleneck_phase, span_s AS bottleneck_phase_s
    FROM sub_task_spans
    WHERE span_s IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY source, task_id ORDER BY span_s DESC, sub_task_ordinal
    ) = 1
),

final_state_seen AS (
    SELECT history.source, history.task_id, min(history.snapshot_at) AS first_seen_in_state_at
    FROM stg_tasks_history AS history
    INNER JOIN stg_tasks AS tasks
        ON history.source = tasks.source
        AND history.task_id = tasks.task_id
        AND history.state = tasks.state
    GROUP BY history.source, history.task_id
),

finished AS (
    SELECT
        tasks.*,
        coalesce(per_task.sub_task_count, 0) AS sub_task_count,
        per_task.first_started_at,
        per_task.last_ended_at,
        coalesce(per_task.timeline_complete, false) AS timeline_complete,
        per_task.migration_phase_s,
        CASE
            WHEN tasks.outcome IN ('success', 'failed') THEN coalesce(
                per_task.last_ended_at,
                CASE
                    WHEN tasks.total_time_s > 0
                        THEN tasks.created_at + to_milliseconds((tasks.total_time_s * 1000)::BIGINT)
                END,
                final_state_seen.first_seen_in_state_at
            )
        END AS finished_at
    FROM stg_tasks AS tasks
    LEFT JOIN per_task
        ON tasks.source = per_task.source AND tasks.task_id = per_task.task_id
    LEFT JOIN final_state_seen
        ON tasks.source = final_state_seen.source AND tasks.task_id = final_state_seen.task_id
),

timed AS (
    SELECT
        finished.*,
        CASE
            WHEN finished.outcome = 'running' THEN finished.snapshot_at
            WHEN finished.outcome IN ('success', 'failed') THEN finished.finished_at
            ELSE finished.last_ended_at
        END AS active_end_at
    FROM finished
)

SELECT
    timed.source,
    timed.task_id,
    timed.task_name,
    timed.state,
    timed.outcome,
    timed.type,
    timed.os_type,
    timed.enterprise_project_id,
    timed.source_server_id,
    timed.created_at,
    timed.first_started_at,
    timed.last_ended_at,
    timed.finished_at,
    timed.snapshot_at,
    timed.sub_task_count,
    timed.total_time_s,
    CASE
        WHEN timed.first_started_at >= timed.created_at
            THEN date_diff('millisecond', timed.created_at, timed.first_started_at) / 1000.0
    END AS queue_time_s,
    CASE
        WHEN timed.active_end_at >= timed.first_started_at
            THEN date_diff('millisecond', timed.first_started_at, timed.active_end_at) / 1000.0
    END AS active_time_s,
    timed.migration_phase_s,
    timed.timeline_complete,
    bottlenecks.bottleneck_phase,
    bottlenecks.bottleneck_phase_s
FROM timed
LEFT JOIN bottlenecks
    ON timed.source = bottlenecks.source AND timed.task_id = bottlenecks.task_id
ORDER BY timed.source, timed.created_at, timed.task_id
