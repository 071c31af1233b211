-- Grain: one row per advanced option per task, in its source's latest committed snapshot.
-- Purpose: The advanced migration options (`special_config`) of each current task.
-- Columns:
--   source: Source the row was read from (see stg_snapshots); task ids are unique per source.
--   snapshot_id: The source's latest snapshot.
--   snapshot_at: When that snapshot's listing started (UTC).
--   task_id: Task the option belongs to.
--   config_ordinal: Position in the task's option list, from 0.
--   config_key: Advanced option, e.g. LINUX_CPU_LIMIT.
--   config_value: Option value.
--   config_status: Reserved status field.
--   extra: Fields this schema version does not know, as JSON; null when none.
SELECT
    configs.source,
    configs.snapshot_id,
    configs.snapshot_at,
    configs.task_id,
    configs.ordinal AS config_ordinal,
    configs.config_key,
    configs.config_value,
    configs.config_status,
    configs.extra
FROM lake.special_configs AS configs
WHERE configs.snapshot_id IN (SELECT snapshot_id FROM stg_snapshots WHERE is_latest)
