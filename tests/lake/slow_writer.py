"""A writer process for the crash tests: it stops at a chosen point and waits to be killed.

usage: slow_writer.py LAKE_ROOT SNAPSHOT_ID {after-first-page|before-commit-row}
Prints one line ("waiting") once it has reached the point, then sleeps.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from lake_pages import make_page

from pipelines.lake import store


def wait_to_be_killed() -> None:
    print("waiting", flush=True)
    time.sleep(120)
    raise SystemExit("not killed")


def main() -> None:
    lake_root, snapshot_id, stop_at = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    if stop_at == "before-commit-row":
        publish_row = store._write_parquet_atomically

        def hang_before_commit_row(rows, destination):  # the tables are already in place
            wait_to_be_killed()
            publish_row(rows, destination)

        store._write_parquet_atomically = hang_before_commit_row
    at = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
    tasks = [{"id": f"b-{i}", "name": "from the killed run"} for i in range(4)]
    with store.SnapshotWriter(
        lake_root, snapshot_id, at, source="simulator", is_simulated=True, filters={}
    ) as writer:
        writer.add_page(make_page(tasks[:2], count=4), tasks[:2])
        if stop_at == "after-first-page":
            wait_to_be_killed()
        writer.add_page(make_page(tasks[2:], offset=2, count=4), tasks[2:])
        writer.commit(api_count=4, task_ids=None, removed_ids=set(), pages=2)


if __name__ == "__main__":
    main()
