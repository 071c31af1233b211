"""An analyst in another process: query the published warehouse read-only, in a loop.

Run as ``python analyst_reader.py <warehouse> <out.jsonl> <stop-file>``. Each iteration
opens the warehouse read-only (as the CLI and BI tools do), reads the latest snapshot's
task count and the task-grain mart's row count in one session, writes one JSON line,
and closes. It stops when the stop file appears. Errors are recorded, never raised.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

QUERY = """
SELECT
    (SELECT snapshot_id FROM stg_snapshots WHERE is_latest) AS snapshot_id,
    (SELECT task_count FROM stg_snapshots WHERE is_latest) AS task_count,
    (SELECT count(*) FROM mart_task_durations) AS mart_rows,
    (SELECT max(snapshot_at) FROM mart_task_durations)
        = (SELECT snapshot_at FROM stg_snapshots WHERE is_latest) AS mart_is_of_latest
"""


def read_once(warehouse: Path) -> dict[str, object]:
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            snapshot_id, task_count, mart_rows, of_latest = con.execute(QUERY).fetchone()
        finally:
            con.close()
    except duckdb.Error as error:
        return {"error": f"{type(error).__name__}: {error}"}
    return {
        "snapshot_id": snapshot_id,
        "task_count": task_count,
        "mart_rows": mart_rows,
        "mart_is_of_latest": of_latest,
    }


def main(warehouse: Path, out: Path, stop: Path) -> int:
    with out.open("a") as lines:
        while True:
            stopping = stop.exists()  # read once more after the stop signal, then leave
            lines.write(json.dumps(read_once(warehouse)) + "\n")
            lines.flush()
            if stopping:
                return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
