-- Grain: one row per task that has a target server, in its source's latest committed snapshot.
-- Purpose: The target server of each current task.
-- Columns:
--   source: Source the row was read from (see stg_snapshots); task ids are unique per source.
--   snapshot_id: The source's latest snapshot.
--   snapshot_at: When that snapshot's listing started (UTC).
--   task_id: Task the server belongs to.
--   target_server_id: Target server id in SMS.
--   target_vm_id: ECS id of the target server.
--   target_name: Target server name.
--   target_ip: Target server IP.
--   target_os_type: WINDOWS or LINUX.
--   target_os_version: OS version.
--   extra: Fields this schema version does not know, as JSON; null when none.
SELECT
    servers.source,
    servers.snapshot_id,
    servers.snapshot_at,
    servers.task_id,
    servers.id AS target_server_id,
    servers.vm_id AS target_vm_id,
    servers.name AS target_name,
    servers.ip AS target_ip,
    servers.os_type AS target_os_type,
    servers.os_version AS target_os_version,
    servers.extra
FROM lake.target_servers AS servers
WHERE servers.snapshot_id IN (SELECT snapshot_id FROM stg_snapshots WHERE is_latest)
