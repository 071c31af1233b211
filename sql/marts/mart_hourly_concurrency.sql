-- Grain: one row per source and UTC hour, from the source's first task start to the hour
--     of its latest snapshot.
-- Purpose: How close each source (one account and region) came to the SMS limit of
--     concurrent migrations (100; DuckDB variable concurrency_limit). A task runs from its
--     first sub-task start to finished_at (success/failed), to its snapshot time (running)
--     or to its last sub-task end (other states); tasks with no start, or no known end,
--     are not placed.
-- Columns:
--   source: Source the tasks were read from (see stg_snapshots).
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
        source,
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
    SELECT
        placed.source,
        unnest(generate_series(
            date_trunc('hour', min(placed.started_at)),
            greatest(
                date_trunc('hour', max(placed.ended_at)),
                date_trunc('hour', any_value(latest.snapshot_at))
            ),
            INTERVAL 1 HOUR
        )) AS hour_start
    FROM placed
    INNER JOIN stg_snapshots AS latest ON placed.source = latest.source AND latest.is_latest
    GROUP BY placed.source
),

events AS (
    SELECT source, event_at, sum(delta) AS net_change
    FROM (
        SELECT source, started_at AS event_at, 1 AS delta FROM placed
        UNION ALL
        SELECT source, ended_at AS event_at, -1 AS delta FROM placed
    ) AS changes
    GROUP BY source, event_at
),

levels AS (
    SELECT
        source,
        event_at,
        sum(net_change) OVER (
            PARTITION BY source ORDER BY event_at ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS level
    FROM events
),

per_hour AS (
    SELECT
        hours.source,
        hours.hour_start,
        (
            SELECT count(*) FROM placed
            WHERE placed.source = hours.source
                AND placed.started_at < hours.hour_start + INTERVAL 1 HOUR
                AND placed.ended_at > hours.hour_start
        ) AS tasks_running,
        greatest(
            (
                SELECT count(*) FROM placed
                WHERE placed.source = hours.source
                    AND placed.started_at <= hours.hour_start
                    AND placed.ended_at > hours.hour_start
            ),
            (
                SELECT coalesce(max(levels.level), 0) FROM levels
                WHERE levels.source = hours.source
                    AND levels.event_at >= hours.hour_start
                    AND levels.event_at < hours.hour_start + INTERVAL 1 HOUR
            )
        )::BIGINT AS peak_running
    FROM hours
)

SELECT
    per_hour.source,
    per_hour.hour_start,
    per_hour.tasks_running,
    per_hour.peak_running,
    params.concurrency_limit,
    params.concurrency_limit - per_hour.peak_running AS headroom,
    per_hour.peak_running > params.concurrency_limit AS over_limit
FROM per_hour
CROSS JOIN params
ORDER BY per_hour.source, per_hour.hour_start
