-- Grain: one row per committed snapshot (a row in the lake's commit log).
-- Purpose: The snapshots this warehouse was built from; every other model joins here so a
--     half-written snapshot is never seen. Each source has its own sequence of snapshots
--     (taken at its own times), so ranks and "latest" are per source.
-- Columns:
--   source: Source the snapshot read: its name in sources.yaml, or (without a sources file)
--     'simulator' or the endpoint host. Task ids are unique only within a source.
--   snapshot_id: Snapshot id, `YYYYMMDDTHHMMSSZ-<6 hex>` (unique across sources).
--   snapshot_at: When the snapshot's listing started (UTC).
--   finished_at: When the snapshot was committed (UTC).
--   is_simulated: True when the data came from the built-in simulator.
--   api_count: `count` the API reported for the whole listing.
--   task_count: Distinct tasks stored.
--   pages: Pages read, retries excluded.
--   filters: Listing filters as JSON; '{}' for all tasks.
--   schema_version: Lake schema version the snapshot was written with.
--   snapshot_rank: 1 for the source's latest snapshot, 2 for the one before, ...
--   is_latest: True for the source's latest committed snapshot (the one the "current"
--     models show for that source).
SELECT
    source,
    snapshot_id,
    snapshot_at,
    finished_at,
    is_simulated,
    api_count,
    task_count,
    pages,
    filters,
    schema_version,
    row_number() OVER newest_first AS snapshot_rank,
    row_number() OVER newest_first = 1 AS is_latest
FROM lake.snapshots
WINDOW newest_first AS (PARTITION BY source ORDER BY snapshot_at DESC, snapshot_id DESC)
