-- Grain: one row per source x sub-task name x os_type x type, from each source's latest
--     committed snapshot.
-- Purpose: How long each phase takes, as a distribution. Only finished sub-tasks count
--     (start and end both set, end >= start); running or unstarted ones are excluded.
--     Percentiles use quantile_cont: linear interpolation between the two nearest
--     ranks (numpy's default), e.g. p90 of [10, 20, 30, 40] = 37.
-- Columns:
--   source: Source the tasks were read from (see stg_snapshots).
--   sub_task_name: Sub-task name, e.g. MIGRATE_LINUX_BLOCK.
--   os_type: WINDOWS or LINUX (of the task).
--   type: MIGRATE_FILE or MIGRATE_BLOCK (of the task).
--   n: Finished sub-tasks in the group.
--   p50_s: Median duration, seconds.
--   p90_s: 90th percentile duration, seconds.
--   p99_s: 99th percentile duration, seconds.
--   max_s: Longest duration, seconds.
SELECT
    tasks.source,
    sub_tasks.sub_task_name,
    tasks.os_type,
    tasks.type,
    count(*) AS n,
    quantile_cont(sub_tasks.duration_s, 0.5) AS p50_s,
    quantile_cont(sub_tasks.duration_s, 0.9) AS p90_s,
    quantile_cont(sub_tasks.duration_s, 0.99) AS p99_s,
    max(sub_tasks.duration_s) AS max_s
FROM stg_sub_tasks AS sub_tasks
INNER JOIN stg_tasks AS tasks
    ON sub_tasks.source = tasks.source AND sub_tasks.task_id = tasks.task_id
WHERE sub_tasks.duration_s IS NOT NULL
GROUP BY tasks.source, sub_tasks.sub_task_name, tasks.os_type, tasks.type
ORDER BY tasks.source, sub_tasks.sub_task_name, tasks.os_type, tasks.type
