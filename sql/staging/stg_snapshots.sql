-- Grain: one row per committed snapshot (a row in the lake's commit log).
-- Purpose: The snapshots this warehouse was built from, newest first; every other
--     model joins here so a half-written snapshot is never seen.
-- Columns:
--   snapshot_id: Snapshot id, `YYYYMMDDTHHMMSSZ-<6 hex>`.
--   snapshot_at: When the snapshot's listing started (UTC).
--   finished_at: When the snapshot was committed (UTC).
--   source: Endpoint host, or 'simulator'.
--   is_simulated: True when the data came from the built-in simulator.
--   api_count: `count` the API reported for the whole listing.
--   task_count: Distinct tasks stored.
--   pages: Pages read, retries excluded.
--   filters: Listing filters as JSON; '{}' for all tasks.
--   schema_version: Lake schema version the snapshot was written with.
--   snapshot_rank: 1 for the latest snapshot, 2 for the one before, ...
--   is_latest: True for the latest committed snapshot (the one the "current" models show).
SELECT
    snapshot_id,
    snapshot_at,
    finished_at,
    source,
    is_simulated,
    api_count,
    task_count,
    pages,
    filters,
    schema_version,
    row_number() OVER (ORDER BY snapshot_at DESC, snapshot_id DESC) AS snapshot_rank,
    row_number() OVER (ORDER BY snapshot_at DESC, snapshot_id DESC) = 1 AS is_latest
FROM lake.snapshots
