-- Grain: one row per source and progress band, plus one row 'all' per source.
-- Purpose: Whether SMS estimates run early or late, and by how much, depending on how far
--     the task had progressed. Only estimates of tasks that did complete count; a source
--     with none has no rows. Percentiles use quantile_cont (linear interpolation).
-- Columns:
--   source: Source the tasks were read from (see stg_snapshots).
--   progress_band: '0-25%', '25-50%', '50-75%', '75-100%', 'unknown' or 'all'.
--   n_estimates: Estimates with a known actual completion.
--   n_tasks: Distinct tasks behind them.
--   bias_s: Mean error_s, seconds (positive = estimates late/pessimistic).
--   mean_abs_error_s: Mean absolute error, seconds.
--   p50_abs_error_s: Median absolute error, seconds.
--   p90_abs_error_s: 90th percentile absolute error, seconds.
SELECT
    source,
    CASE WHEN grouping(progress_band) = 1 THEN 'all' ELSE progress_band END AS progress_band,
    count(*) AS n_estimates,
    count(DISTINCT task_id) AS n_tasks,
    avg(error_s) AS bias_s,
    avg(abs_error_s) AS mean_abs_error_s,
    quantile_cont(abs_error_s, 0.5) AS p50_abs_error_s,
    quantile_cont(abs_error_s, 0.9) AS p90_abs_error_s
FROM mart_eta_accuracy
WHERE error_s IS NOT NULL
GROUP BY GROUPING SETS ((source), (source, progress_band))
