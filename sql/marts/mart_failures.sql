-- Grain: one row per source and failed task (outcome failed), from that source's latest
--     committed snapshot.
-- Purpose: Why and where migrations fail. error_json is parsed defensively: text that is
--     not a JSON object yields null fields and error_json_status 'malformed', never an error.
-- Columns:
--   source: Source the task was read from (see stg_snapshots); task ids are unique per source.
--   task_id: Migration task id.
--   task_name: Task name.
--   state: MIGRATE_FAIL or SYNC_FAIL.
--   os_type: WINDOWS or LINUX.
--   type: MIGRATE_FILE or MIGRATE_BLOCK.
--   failed_at: When the task finished (mart_task_durations.finished_at), UTC.
--   error_code: `error_code` from error_json, e.g. SMS.1204; null when absent or unparsable.
--   error_msg: `error_msg` from error_json; null when absent or unparsable.
--   error_json_status: 'ok' (a JSON object), 'malformed' (anything else) or 'missing' (empty).
--   error_json: The raw error text, for the malformed cases.
--   last_sub_task: The last sub-task that started (highest ordinal), else the last one listed.
--   failed_phase: `phase` from error_json when present, else last_sub_task.
--   failed_phase_source: 'error_json', 'last_sub_task' or null when neither is known.
WITH failed AS (
    SELECT
        durations.source,
        durations.task_id,
        durations.task_name,
        durations.state,
        durations.os_type,
        durations.type,
        durations.finished_at AS failed_at,
        tasks.error_json,
        CASE
            WHEN tasks.error_json IS NULL THEN 'missing'
            WHEN json_valid(tasks.error_json) AND json_type(tasks.error_json) = 'OBJECT' THEN 'ok'
            ELSE 'malformed'
        END AS error_json_status
    FROM mart_task_durations AS durations
    INNER JOIN stg_tasks AS tasks
        ON durations.source = tasks.source AND durations.task_id = tasks.task_id
    WHERE durations.outcome = 'failed'
),

parsed AS (
    SELECT
        *,
        CASE WHEN error_json_status = 'ok' THEN json_extract_string(error_json, '$.error_code') END
            AS error_code,
        CASE WHEN error_json_status = 'ok' THEN json_extract_string(error_json, '$.error_msg') END
            AS error_msg,
        CASE WHEN error_json_status = 'ok' THEN nullif(json_extract_string(error_json, '$.phase'), '') END
            AS error_phase
    FROM failed
),

last_sub_tasks AS (
    SELECT source, task_id, sub_task_name AS last_sub_task
    FROM stg_sub_tasks
    QUALIFY row_number() OVER (
        PARTITION BY source, task_id ORDER BY started_at IS NOT NULL DESC, sub_task_ordinal DESC
    ) = 1
)

SELECT
    parsed.source,
    parsed.task_id,
    parsed.task_name,
    parsed.state,
    parsed.os_type,
    parsed.type,
    parsed.failed_at,
    parsed.error_code,
    parsed.error_msg,
    parsed.error_json_status,
    parsed.error_json,
    last_sub_tasks.last_sub_task,
    coalesce(parsed.error_phase, last_sub_tasks.last_sub_task) AS failed_phase,
    CASE
        WHEN parsed.error_phase IS NOT NULL THEN 'error_json'
        WHEN last_sub_tasks.last_sub_task IS NOT NULL THEN 'last_sub_task'
    END AS failed_phase_source
FROM parsed
LEFT JOIN last_sub_tasks
    ON parsed.source = last_sub_tasks.source AND parsed.task_id = last_sub_tasks.task_id
ORDER BY parsed.source, parsed.failed_at, parsed.task_id
