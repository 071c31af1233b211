-- Grain: one row per record the flattener could not load, per committed snapshot.
-- Purpose: Quarantined input, so nothing is dropped silently: what was rejected and why.
-- Columns:
--   source: Source the record was read from (see stg_snapshots).
--   snapshot_id: Snapshot that read the record.
--   snapshot_at: When that snapshot's listing started (UTC).
--   task_id: Task id when it could be read, else null.
--   table_name: Lake table the record was bound for.
--   field: Offending field path, e.g. sub_tasks[2].progress.
--   reason: Why the record could not be loaded.
--   raw: The offending record as JSON text.
SELECT source, snapshot_id, snapshot_at, task_id, table_name, field, reason, raw
FROM lake.quarantine
