-- Grain: one row per source and UTC day, from the source's first event day to the day of
--     its latest snapshot.
-- Purpose: Progress of each source's migration programme over time, from the tasks of its
--     latest snapshot (mart_task_durations): what was created, started, completed and
--     failed each day, the running totals and what is still left. Across sources, sum
--     the daily counts by day (a source's rows stop at its latest snapshot's day).
-- Columns:
--   source: Source the tasks were read from (see stg_snapshots).
--   day: Calendar day (UTC).
--   created: Tasks whose created_at falls on the day.
--   started: Tasks whose first sub-task started on the day.
--   completed: Tasks with outcome success whose finished_at falls on the day.
--   failed: Tasks with outcome failed whose finished_at falls on the day.
--   cumulative_created: Tasks created up to and including the day.
--   cumulative_started: Tasks started up to and including the day.
--   cumulative_completed: Tasks completed up to and including the day.
--   cumulative_failed: Tasks failed up to and including the day.
--   remaining: cumulative_created - cumulative_completed - cumulative_failed.
WITH events AS (
    SELECT source, timezone('UTC', created_at)::DATE AS day, 'created' AS kind
    FROM mart_task_durations WHERE created_at IS NOT NULL
    UNION ALL
    SELECT source, timezone('UTC', first_started_at)::DATE, 'started'
    FROM mart_task_durations WHERE first_started_at IS NOT NULL
    UNION ALL
    SELECT source, timezone('UTC', finished_at)::DATE, 'completed'
    FROM mart_task_durations WHERE outcome = 'success' AND finished_at IS NOT NULL
    UNION ALL
    SELECT source, timezone('UTC', finished_at)::DATE, 'failed'
    FROM mart_task_durations WHERE outcome = 'failed' AND finished_at IS NOT NULL
),

bounds AS (
    SELECT
        events.source,
        min(events.day) AS first_day,
        greatest(max(events.day), any_value(timezone('UTC', latest.snapshot_at)::DATE))
            AS last_day
    FROM events
    INNER JOIN stg_snapshots AS latest ON events.source = latest.source AND latest.is_latest
    GROUP BY events.source
),

days AS (
    SELECT source, unnest(generate_series(first_day, last_day, INTERVAL 1 DAY))::DATE AS day
    FROM bounds
),

daily AS (
    SELECT
        days.source,
        days.day,
        count(*) FILTER (WHERE events.kind = 'created') AS created,
        count(*) FILTER (WHERE events.kind = 'started') AS started,
        count(*) FILTER (WHERE events.kind = 'completed') AS completed,
        count(*) FILTER (WHERE events.kind = 'failed') AS failed
    FROM days
    LEFT JOIN events ON days.source = events.source AND days.day = events.day
    GROUP BY days.source, days.day
),

cumulative AS (
    SELECT
        *,
        sum(created) OVER running_total::BIGINT AS cumulative_created,
        sum(started) OVER running_total::BIGINT AS cumulative_started,
        sum(completed) OVER running_total::BIGINT AS cumulative_completed,
        sum(failed) OVER running_total::BIGINT AS cumulative_failed
    FROM daily
    WINDOW running_total AS (
        PARTITION BY source ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    )
)

SELECT
    *,
    cumulative_created - cumulative_completed - cumulative_failed AS remaining
FROM cumulative
ORDER BY source, day
