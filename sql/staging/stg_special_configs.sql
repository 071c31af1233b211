-- Grain: one row per advanced option per task, in the latest committed snapshot.
-- Purpose: The advanced migration options (`special_config`) of each current task.
-- Columns:
--   snapshot_id: The latest snapshot.
--   snapshot_at: When the latest snapshot's listing started (UTC).
--   task_id: Task the option belongs to.
--   config_ordinal: Position in the task's option list, from 0.
--   config_key: Advanced option, e.g. LINUX_CPU_LIMIT.
--   config_value: Option value.
--   config_status: Reserved status field.
--   extra: Fields this schema version does not know, as JSON; null when none.
SELECT
    configs.snapshot_id,
    configs.snapshot_at,
    configs.task_id,
    configs.ordinal AS config_ordinal,
    configs.config_key,
    configs.config_value,
    configs.config_status,
    configs.extra
FROM lake.special_configs AS configs
WHERE configs.snapshot_id = (SELECT snapshot_id FROM stg_snapshots WHERE is_latest)
