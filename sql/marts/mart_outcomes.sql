-- Grain: one row per source overall (scope 'overall') plus one per source x os_type x type
--     (scope 'os_type_x_type'), from each source's latest committed snapshot.
-- Purpose: How often migrations succeed. Rates are over finished tasks (success + failed);
--     running and other tasks are counted but do not dilute the rates. Figures across
--     sources add up: sum the counts of the 'overall' rows.
-- Columns:
--   source: Source the tasks were read from (see stg_snapshots).
--   scope: 'overall' or 'os_type_x_type'.
--   os_type: WINDOWS, LINUX, 'unknown' (null in the data) or 'all' for the overall row.
--   type: MIGRATE_FILE, MIGRATE_BLOCK, 'unknown' or 'all' for the overall row.
--   n_tasks: Tasks in the group.
--   n_success: Tasks with outcome success.
--   n_failed: Tasks with outcome failed.
--   n_running: Tasks with outcome running.
--   n_other: Tasks in any other state.
--   success_rate: n_success / (n_success + n_failed); null when none finished.
--   failure_rate: n_failed / (n_success + n_failed); null when none finished.
WITH tasks AS (
    SELECT
        source,
        coalesce(os_type, 'unknown') AS os_type,
        coalesce(type, 'unknown') AS type,
        outcome
    FROM stg_tasks
),

counted AS (
    SELECT
        source,
        CASE WHEN grouping(os_type) = 1 THEN 'overall' ELSE 'os_type_x_type' END AS scope,
        CASE WHEN grouping(os_type) = 1 THEN 'all' ELSE os_type END AS os_type,
        CASE WHEN grouping(type) = 1 THEN 'all' ELSE type END AS type,
        count(*) AS n_tasks,
        count(*) FILTER (WHERE outcome = 'success') AS n_success,
        count(*) FILTER (WHERE outcome = 'failed') AS n_failed,
        count(*) FILTER (WHERE outcome = 'running') AS n_running,
        count(*) FILTER (WHERE outcome = 'other') AS n_other
    FROM tasks
    GROUP BY GROUPING SETS ((source), (source, os_type, type))
)

SELECT
    *,
    n_success / nullif(n_success + n_failed, 0) AS success_rate,
    n_failed / nullif(n_success + n_failed, 0) AS failure_rate
FROM counted
ORDER BY source, scope DESC, os_type, type
