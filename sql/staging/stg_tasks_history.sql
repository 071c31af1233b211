-- Grain: one row per task per committed snapshot (a snapshot belongs to one source).
-- Purpose: Typed, renamed migration tasks as every snapshot saw them (the input of
--     the history marts: ETA accuracy, stalls, state transitions).
-- Columns:
--   source: Source the row was read from (see stg_snapshots); task ids are unique per source.
--   snapshot_id: Snapshot that read the row.
--   snapshot_at: When that snapshot's listing started (UTC).
--   task_id: Migration task id (API `id`).
--   task_name: Task name (API `name`).
--   type: MIGRATE_FILE or MIGRATE_BLOCK.
--   os_type: WINDOWS or LINUX.
--   state: Task state as the API reports it (READY, RUNNING, MIGRATE_SUCCESS, ...).
--   outcome: success (MIGRATE_SUCCESS, SYNC_SUCCESS), failed (MIGRATE_FAIL, SYNC_FAIL),
--     running (RUNNING, SYNCING) or other (every other or null state).
--   estimated_completion_at: The API's estimated completion time (UTC); often null.
--   created_at: Task creation time (UTC).
--   priority: 0 low, 1 standard, 2 high.
--   speed_limit_mbps: Rate limit in Mbit/s; 0 = none.
--   migrate_speed: Migration rate over the last 5 s as the API sends it (unit assumed Mbit/s).
--   compress_rate: Compression rate as the API sends it.
--   start_target_server: Start the target server after migration.
--   error_json: Error JSON text when the task failed; null when empty.
--   total_time_s: Task duration the API reports, in seconds (API ms / 1000).
--   migration_ip: Target IP used for the migration.
--   enterprise_project_id: Enterprise project of the task.
--   log_collect_status: INIT, UPLOADING, UPLOAD_FAIL or UPLOADED.
--   syncing: Whether incremental synchronisation is enabled.
--   total_cpu_usage_pct: Server CPU usage (%).
--   agent_cpu_usage_pct: Agent CPU usage (%).
--   total_mem_usage_mb: Server memory usage (MB).
--   agent_mem_usage_mb: Agent memory usage (MB).
--   total_disk_io_mbps: Server disk I/O (Mbit/s).
--   agent_disk_io_mbps: Agent disk I/O (Mbit/s).
--   need_migration_test: Whether migration drilling is enabled.
--   subtask_info: Current sub-task and progress, as text.
--   source_server_id: Source server id; null when the task has no source server.
--   target_server_id: Target server id; null when the task has no target server.
--   clone_server_vm_id: ECS id of the clone server.
--   clone_server_name: Name of the clone server.
--   domain_connectivity: Network check: connectivity to domain names.
--   destination_connectivity: Network check: connectivity to the target server.
--   network_delay_ms: Network check: latency (ms).
--   network_jitter_ms: Network check: jitter (ms).
--   link_speed_mbps: Network check: measured bandwidth to the target (Mbit/s).
--   packet_loss_pct: Network check: packet loss (%).
--   check_cpu_usage_pct: Network check: CPU usage at the check (%).
--   check_mem_usage_pct: Network check: memory usage at the check (%).
--   evaluation_result: Network check: evaluation result.
--   extra: Fields this schema version does not know, as JSON; null when none.
SELECT
    source,
    snapshot_id,
    snapshot_at,
    id AS task_id,
    name AS task_name,
    type,
    os_type,
    state,
    CASE
        WHEN state IN ('MIGRATE_SUCCESS', 'SYNC_SUCCESS') THEN 'success'
        WHEN state IN ('MIGRATE_FAIL', 'SYNC_FAIL') THEN 'failed'
        WHEN state IN ('RUNNING', 'SYNCING') THEN 'running'
        ELSE 'other'
    END AS outcome,
    estimate_complete_time AS estimated_completion_at,
    create_date AS created_at,
    priority,
    speed_limit AS speed_limit_mbps,
    migrate_speed,
    compress_rate,
    start_target_server,
    nullif(trim(error_json), '') AS error_json,
    total_time / 1000.0 AS total_time_s,
    migration_ip,
    enterprise_project_id,
    log_collect_status,
    syncing,
    total_cpu_usage AS total_cpu_usage_pct,
    agent_cpu_usage AS agent_cpu_usage_pct,
    total_mem_usage AS total_mem_usage_mb,
    agent_mem_usage AS agent_mem_usage_mb,
    total_disk_io AS total_disk_io_mbps,
    agent_disk_io AS agent_disk_io_mbps,
    need_migration_test,
    subtask_info,
    source_server_id,
    target_server_id,
    clone_server_vm_id,
    clone_server_name,
    network_check_info_domain_connectivity AS domain_connectivity,
    network_check_info_destination_connectivity AS destination_connectivity,
    network_check_info_network_delay AS network_delay_ms,
    network_check_info_network_jitter AS network_jitter_ms,
    network_check_info_migration_speed AS link_speed_mbps,
    network_check_info_loss_percentage AS packet_loss_pct,
    network_check_info_cpu_usage AS check_cpu_usage_pct,
    network_check_info_mem_usage AS check_mem_usage_pct,
    network_check_info_evaluation_result AS evaluation_result,
    extra
FROM lake.tasks
