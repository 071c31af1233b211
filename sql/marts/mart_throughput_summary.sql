-- Grain: one row per source x (dimension, value): all of the source's tasks, then each
--     os_type, type, evaluation_result and latency_band.
-- Purpose: Typical and high throughput per slice of each source, over transferring tasks
--     only (is_transferring in mart_throughput). Percentiles use quantile_cont (linear
--     interpolation). Null dimension values appear as 'unknown'. A source with no
--     transferring task has no rows.
-- Columns:
--   source: Source the tasks were read from (see stg_snapshots).
--   dimension: 'all', 'os_type', 'type', 'evaluation_result' or 'latency_band'.
--   value: The dimension's value ('all' for the source's overall row).
--   n_tasks: Transferring tasks in the slice.
--   p50_migrate_speed: Median migrate_speed (assumed Mbit/s).
--   p90_migrate_speed: 90th percentile migrate_speed (assumed Mbit/s).
--   p50_utilisation: Median utilisation (migrate_speed / link speed).
--   p90_utilisation: 90th percentile utilisation.
WITH transferring AS (
    SELECT
        source,
        coalesce(os_type, 'unknown') AS os_type,
        coalesce(type, 'unknown') AS type,
        coalesce(evaluation_result, 'unknown') AS evaluation_result,
        latency_band,
        migrate_speed,
        utilisation
    FROM mart_throughput
    WHERE is_transferring
)

SELECT
    source,
    CASE
        WHEN grouping(os_type) = 0 THEN 'os_type'
        WHEN grouping(type) = 0 THEN 'type'
        WHEN grouping(evaluation_result) = 0 THEN 'evaluation_result'
        WHEN grouping(latency_band) = 0 THEN 'latency_band'
        ELSE 'all'
    END AS dimension,
    CASE
        WHEN grouping(os_type) = 0 THEN os_type
        WHEN grouping(type) = 0 THEN type
        WHEN grouping(evaluation_result) = 0 THEN evaluation_result
        WHEN grouping(latency_band) = 0 THEN latency_band
        ELSE 'all'
    END AS value,
    count(*) AS n_tasks,
    quantile_cont(migrate_speed, 0.5) AS p50_migrate_speed,
    quantile_cont(migrate_speed, 0.9) AS p90_migrate_speed,
    quantile_cont(utilisation, 0.5) AS p50_utilisation,
    quantile_cont(utilisation, 0.9) AS p90_utilisation
FROM transferring
GROUP BY GROUPING SETS (
    (source),
    (source, os_type),
    (source, type),
    (source, evaluation_result),
    (source, latency_band)
)
