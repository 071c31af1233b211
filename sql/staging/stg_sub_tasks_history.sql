-- Grain: one row per sub-task per task per committed snapshot.
-- Purpose: Typed, renamed sub-tasks (the phases of a migration) as every snapshot saw them.
-- Columns:
--   source: Source the row was read from (see stg_snapshots); task ids are unique per source.
--   snapshot_id: Snapshot that read the row.
--   snapshot_at: When that snapshot's listing started (UTC).
--   task_id: Task the sub-task belongs to.
--   sub_task_ordinal: Position in the task's sub-task list, from 0.
--   sub_task_id: Sub-task id (integer).
--   sub_task_name: Sub-task name, e.g. MIGRATE_LINUX_BLOCK.
--   phase_family: First word of the name (MIGRATE, SYNC, FORMAT, CONFIGURE, ATTACH, ...).
--   progress_pct: Progress 0-100 (%).
--   started_at: Sub-task start (UTC); null when not started.
--   ended_at: Sub-task end (UTC); null while running.
--   duration_s: ended_at - started_at in seconds; null unless both are set and in order.
--   process_trace: Detailed progress text.
--   extra: Fields this schema version does not know, as JSON; null when none.
SELECT
    source,
    snapshot_id,
    snapshot_at,
    task_id,
    ordinal AS sub_task_ordinal,
    id AS sub_task_id,
    name AS sub_task_name,
    split_part(name, '_', 1) AS phase_family,
    progress AS progress_pct,
    start_date AS started_at,
    end_date AS ended_at,
    CASE
        WHEN end_date >= start_date THEN date_diff('millisecond', start_date, end_date) / 1000.0
    END AS duration_s,
    process_trace,
    extra
FROM lake.sub_tasks
