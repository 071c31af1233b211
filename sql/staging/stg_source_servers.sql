-- Grain: one row per task that has a source server, in its source's latest committed snapshot.
-- Purpose: The source server of each current task (tasks without one have no row).
-- Columns:
--   source: Source the row was read from (see stg_snapshots); task ids are unique per source.
--   snapshot_id: The source's latest snapshot.
--   snapshot_at: When that snapshot's listing started (UTC).
--   task_id: Task the server belongs to.
--   source_server_id: Source server id in SMS.
--   source_ip: Source server IP.
--   source_name: Source server name.
--   source_os_type: WINDOWS or LINUX.
--   source_os_version: OS version, e.g. CENTOS_7_6_64BIT.
--   oem_system: Whether the OS is an OEM Windows.
--   source_state: Source server state, lower-cased (the API mixes cases).
--   extra: Fields this schema version does not know, as JSON; null when none.
SELECT
    servers.source,
    servers.snapshot_id,
    servers.snapshot_at,
    servers.task_id,
    servers.id AS source_server_id,
    servers.ip AS source_ip,
    servers.name AS source_name,
    servers.os_type AS source_os_type,
    servers.os_version AS source_os_version,
    servers.oem_system,
    lower(servers.state) AS source_state,
    servers.extra
FROM lake.source_servers AS servers
WHERE servers.snapshot_id IN (SELECT snapshot_id FROM stg_snapshots WHERE is_latest)
