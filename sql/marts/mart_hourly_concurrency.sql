-- Grain: one row per UTC hour, from the first task start to the latest snapshot's hour.
-- Purpose: How close the account came to the SMS limit of concurrent migrations (100;
--     DuckDB variable concurrency_limit). A task runs from its first sub-task start to
--     finished_at (success/failed), to the snapshot time (running) or to its last
--     sub-task end (other states); tasks with no start, or no known end, are not placed.
-- Columns:
--   hour_start: Start of the hour (UTC).
--   tasks_running: Tasks running at any moment in the hour (intervals overlapping it).
--   peak_running: Most tasks running at the same instant within the hour (all starts and
--     ends at one instant apply together, so a hand-over does not count as overlap).
--   concurrency_limit: The account limit compared against.
--   headroom: concurrency_limit - peak_running (negative when over the limit).
--   over_limit: peak_running > concurrency_limit.
WITH params AS (
    SELECT coalesce(getvariable('concurrency_limit'), 100)::INTEGER AS concurrency_limit
),

intervals AS (
    SELECT
        first_started_at AS started_at,
        CASE
            WHEN outcome = 'running' THEN snapshot_at
            WHEN outcome IN ('success', 'failed') THEN finished_at
            ELSE last_ended_at
        END AS ended_at
    FROM mart_task_durations
    WHERE first_started_at IS NOT NULL
),

placed AS (
    SELECT * FROM intervals WHERE ended_at > started_at
),

hours AS (
    SELECT unnest(generate_series(
        date_trunc('hour', min(started_at)),
        greatest(
            date_trunc('hour', max(ended_at)),
            (SELECT date_trunc('hour', snapshot_at) FROM stg_snapshots WHERE is_latest)
        ),
        INTERVAL 1 HOUR
    )) AS hour_start
    FROM placed
    HAVING count(*) > 0
),

events AS (
    SELECT event_at, sum(delta) AS net_change
    FROM (
        SELECT started_at AS event_at, 1 AS delta FROM placed
        UNION ALL
        SELECT ended_at AS event_at, -1 AS delta FROM placed
    ) AS changes
    GROUP BY event_at
),

levels AS (
    SELECT
        event_at,
        sum(net_change) OVER (ORDER BY event_at ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
            AS level
    FROM events
),

per_hour AS (
    SELECT
        hours.hour_start,
        (
            SELECT count(*) FROM placed
            WHERE placed.started_at < hours.hour_start + INTERVAL 1 HOUR
                AND placed.ended_at > hours.hour_start
        ) AS tasks_running,
        greatest(
            (
                SELECT count(*) FROM placed
                WHERE placed.started_at <= hours.hour_start
                    AND placed.ended_at > hours.hour_start
            ),
            (
                SELECT coalesce(max(levels.level), 0) FROM levels
                WHERE levels.event_at >= hours.hour_start
                    AND levels.event_at < hours.hour_start + INTERVAL 1 HOUR
            )
        )::BIGINT AS peak_running
    FROM hours
)

SELECT
    per_hour.hour_start,
    per_hour.tasks_running,
    per_hour.peak_running,
    params.concurrency_limit,
    params.concurrency_limit - per_hour.peak_running AS headroom,
    per_hour.peak_running > params.concurrency_limit AS over_limit
FROM per_hour
CROSS JOIN params
ORDER BY per_hour.hour_start
