-- Grain: one row per source, task and state change seen across the source's snapshots
--     (the first sighting of a task counts as a change from null).
-- Purpose: The life of each task as its source's snapshots saw it. Times are snapshot
--     times: a state is "first seen" at the snapshot_at of the first snapshot that showed
--     it, so time in a state is accurate to the snapshot interval. Snapshots that did not
--     list the task are skipped (the task keeps its last seen state).
-- Columns:
--   source: Source the task was read from (see stg_snapshots); task ids are unique per source.
--   task_id: Migration task id.
--   transition_seq: 1 for the first sighting, then 2, 3, ... per task.
--   previous_state: State before the change; null at the first sighting.
--   state: State entered.
--   first_seen_at: snapshot_at of the first snapshot showing this state (UTC).
--   first_seen_snapshot_id: That snapshot.
--   previous_state_since: first_seen_at of the previous state (UTC).
--   time_in_previous_state_s: first_seen_at - previous_state_since, seconds.
--   is_current: True for the task's last transition (its state when last seen).
WITH sightings AS (
    SELECT
        source,
        task_id,
        snapshot_id,
        snapshot_at,
        state,
        lag(state) OVER by_time AS last_seen_state,
        row_number() OVER by_time AS sighting_seq
    FROM stg_tasks_history
    WINDOW by_time AS (PARTITION BY source, task_id ORDER BY snapshot_at, snapshot_id)
),

changes AS (
    SELECT *
    FROM sightings
    WHERE sighting_seq = 1 OR state IS DISTINCT FROM last_seen_state
)

SELECT
    source,
    task_id,
    row_number() OVER by_time AS transition_seq,
    lag(state) OVER by_time AS previous_state,
    state,
    snapshot_at AS first_seen_at,
    snapshot_id AS first_seen_snapshot_id,
    lag(snapshot_at) OVER by_time AS previous_state_since,
    date_diff('millisecond', lag(snapshot_at) OVER by_time, snapshot_at) / 1000.0
        AS time_in_previous_state_s,
    row_number() OVER by_time = count(*) OVER (PARTITION BY source, task_id) AS is_current
FROM changes
WINDOW by_time AS (PARTITION BY source, task_id ORDER BY snapshot_at, snapshot_id)
ORDER BY source, task_id, transition_seq
