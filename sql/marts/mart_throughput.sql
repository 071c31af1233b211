-- Grain: one row per source and task, from that source's latest committed snapshot.
-- Purpose: Migration speed against the measured link. migrate_speed is kept as the
--     API sends it; its unit is assumed to be Mbit/s (the ListTasks page says Mbit/s,
--     other pages say MB/s), the same unit as the link speed, so utilisation is their ratio.
-- Columns:
--   source: Source the task was read from (see stg_snapshots); task ids are unique per source.
--   task_id: Migration task id.
--   task_name: Task name.
--   state: Task state.
--   outcome: success, failed, running or other.
--   os_type: WINDOWS or LINUX.
--   type: MIGRATE_FILE or MIGRATE_BLOCK.
--   migrate_speed: Rate over the last 5 s, after compression, raw API value (assumed Mbit/s).
--   link_speed_mbps: Network check bandwidth to the target (network_check_info.migration_speed), Mbit/s.
--   utilisation: migrate_speed / link_speed_mbps; null when the link speed is null or 0.
--   speed_limit_mbps: Rate limit, Mbit/s; 0 = none.
--   throttled: speed_limit_mbps > 0.
--   compress_rate: Compression rate as the API sends it.
--   network_delay_ms: Network check latency, ms.
--   latency_band: '<10 ms', '10-50 ms', '50-100 ms', '>=100 ms' or 'unknown' (no latency).
--   evaluation_result: Network check evaluation result.
--   is_transferring: Running with migrate_speed > 0: the only rows whose speed is a live
--     sample (finished tasks report 0); mart_throughput_summary uses these.
SELECT
    source,
    task_id,
    task_name,
    state,
    outcome,
    os_type,
    type,
    migrate_speed,
    link_speed_mbps,
    CASE WHEN link_speed_mbps > 0 THEN migrate_speed / link_speed_mbps END AS utilisation,
    speed_limit_mbps,
    speed_limit_mbps > 0 AS throttled,
    compress_rate,
    network_delay_ms,
    CASE
        WHEN network_delay_ms IS NULL THEN 'unknown'
        WHEN network_delay_ms < 10 THEN '<10 ms'
        WHEN network_delay_ms < 50 THEN '10-50 ms'
        WHEN network_delay_ms < 100 THEN '50-100 ms'
        ELSE '>=100 ms'
    END AS latency_band,
    evaluation_result,
    coalesce(outcome = 'running' AND migrate_speed > 0, false) AS is_transferring
FROM stg_tasks
ORDER BY source, task_id
