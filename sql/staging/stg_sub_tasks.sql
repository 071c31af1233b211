-- Grain: one row per sub-task of each task in its source's latest committed snapshot.
-- Purpose: The current sub-tasks: `stg_sub_tasks_history` restricted to each source's
--     latest snapshot.
-- Columns:
--   source: Source the row was read from (see stg_snapshots); task ids are unique per source.
--   snapshot_id: The source's latest snapshot.
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
SELECT history.*
FROM stg_sub_tasks_history AS history
WHERE history.snapshot_id IN (SELECT snapshot_id FROM stg_snapshots WHERE is_latest)
