"""A run's private staging directory: one Parquet file per table, fed page by page.

The directory is ``lake/.staging/<snapshot_id>/``. Its ``lock`` file is ``flock``ed for as
long as the run lives; the kernel drops the lock when the process dies (even by SIGKILL),
which is how :func:`is_live` tells a running writer from a killed one's leftovers.
Memory stays bounded: rows are buffered only up to one row group per table.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.lake.columnar import arrow_tables
from pipelines.lake.errors import LakeError
from pipelines.lake.flatten import FlatBatch, flatten_tasks
from pipelines.lake.layout import staging_dir
from pipelines.lake.schema import FLAT_TABLES, SCHEMA_VERSION, TABLES

#: Rows buffered per table before a row group is written (small pages are batched). Two
#: row groups per table are in memory (one filling, one being written), so this sets how
#: peak RSS grows with N: 5,000 -> 65,735 tasks grew it 1.36x at 4,096, 1.45x at 8,192 and
#: 1.56x at 16,384 (bench/, simulator, system allocator). It also lets a 5,000-task
#: snapshot write its tasks while later pages are parsed, not all at the end.
ROW_GROUP_ROWS = 4_096
#: Arrow-parsed tasks gathered before they are flattened together.
ARROW_BATCH_ROWS = 4_096
LOCK_FILE = "lock"
# A run opens its lock file and flocks it in the next statement; this covers the gap.
LOCK_TAKING_GRACE_S = 2.0
PARTIAL = ".partial"
#: Age under which a staging directory is taken as a run still starting up.
STARTING_GRACE_S = 60.0


#: Row groups queued per table for its writer thread before the caller waits (bounds memory).
MAX_QUEUED_WRITES = 1


def _key_column(table: str) -> str:
    return "id" if table == "tasks" else "task_id"


class BackgroundWrites:
    """One thread writing one table's row groups, in submission order, while the caller
    flattens on.

    Parquet encoding and zstd release the GIL, so on two cores they overlap the next page's
    flattening, and each table having its own thread lets the last row groups, the footers
    and the fsyncs of all tables run at once when a snapshot closes (at small N that tail is
    most of the work). A failed write surfaces on the next :meth:`submit` or :meth:`wait`.
    """

    def __init__(self, table: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"lake-{table}")
        self._queued: deque[Future[None]] = deque()

    def submit(self, write: Callable[[], None]) -> None:
        while len(self._queued) >= MAX_QUEUED_WRITES:
            self._queued.popleft().result()
        self._queued.append(self._pool.submit(write))

    def wait(self) -> None:
        """Block until every queued write is done; raise the first failure."""
        while self._queued:
            self._queued.popleft().result()

    def shutdown(self) -> None:
        """Wait for writes in flight (ignoring failures) and stop the thread."""
        with contextlib.suppress(Exception):
            self.wait()
        self._queued.clear()
        self._pool.shutdown(wait=True)


class StagedTable:
    """One table's staging Parquet file, fed per page and written in row groups."""

    def __init__(self, path: Path, table: str, row_group_rows: int) -> None:
        self.path = path
        self._writes = BackgroundWrites(table)
        self.table = table
        self.row_group_rows = row_group_rows
        self.rows = 0
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._writer: pq.ParquetWriter | None = _parquet_writer(path, table)

    def append(self, rows: pa.Table) -> None:
        if rows.num_rows == 0:
            return
        self._buffer.append(rows)
        self._buffered += rows.num_rows
        self.rows += rows.num_rows
        if self._buffered >= self.row_group_rows:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer or self._writer is None:
            return
        batch = pa.concat_tables(self._buffer)
        writer = self._writer
        self._writes.submit(lambda: writer.write_table(batch, row_group_size=batch.num_rows))
        self._buffer, self._buffered = [], 0

    def start_close(self) -> None:
        """Queue the last row group, the footer and the fsync on this table's thread."""
        if self._writer is None:
            return
        self._flush()
        writer, path = self._writer, self.path
        self._writer = None
        self._writes.submit(lambda: _close_synced(writer, path))

    def close(self) -> None:
        """Flush, close and fsync the file, then stop its thread (idempotent)."""
        self.start_close()
        self._writes.wait()
        self._writes.shutdown()

    def drop_tasks(self, removed_ids: set[str]) -> None:
        """Rewrite the closed file without the rows of ``removed_ids`` (the rare path)."""
        source = pq.ParquetFile(self.path)
        rewritten = self.path.with_name(self.path.name + ".rewrite")
        writer = _parquet_writer(rewritten, self.table)
        removed = pa.array(sorted(i for i in removed_ids if isinstance(i, str)), pa.string())
        kept = 0
        for group in range(source.num_row_groups):
            rows = source.read_row_group(group)
            rows = rows.filter(pc.invert(pc.is_in(rows[_key_column(self.table)], removed)))
            writer.write_table(rows, row_group_size=max(rows.num_rows, 1))
            kept += rows.num_rows
        writer.close()
        with rewritten.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(rewritten, self.path)
        self.rows = kept

    def abandon(self) -> None:
        """Stop the table's thread and close the file without flushing."""
        self._writes.shutdown()
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
            self._writer = None


def _parquet_writer(path: Path, table: str) -> pq.ParquetWriter:
    schema = TABLES[table].with_metadata({"sms_lake_schema_version": str(SCHEMA_VERSION)})
    # Plain encoding + zstd: ~20 % less CPU than dictionary encoding, and smaller files here.
    return pq.ParquetWriter(path, schema, compression="zstd", use_dictionary=False)


def _close_synced(writer: pq.ParquetWriter, path: Path) -> None:
    """Write the footer, then make the file durable (the commit renames it next)."""
    writer.close()
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


class StagedSnapshot:
    """A run's staging directory: locked while alive, one staged file per flattened table."""

    def __init__(self, lake_root: Path, snapshot_id: str, snapshot_at: datetime) -> None:
        self.snapshot_id = snapshot_id
        self.snapshot_at = snapshot_at
        self.directory = staging_dir(lake_root, snapshot_id)
        try:
            self.directory.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            raise LakeError(
                f"staging for snapshot {snapshot_id} already exists ({self.directory}): another "
                "run is writing it, or a killed run left it (see cleanup_stale_staging)"
            ) from None
        self._lock = (self.directory / LOCK_FILE).open("w")
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.tables = {
            table: StagedTable(self.directory / f"{table}.parquet{PARTIAL}", table, ROW_GROUP_ROWS)
            for table in FLAT_TABLES
        }
        self.unknown_fields: set[str] = set()
        self.stored_ids: set[Hashable] = set()
        self._arrow_pending: list[Any] = []  # FreshTasks not flattened yet
        self._arrow_rows = 0

    def add(self, tasks: Sequence[Any]) -> None:
        """Flatten and stage ``tasks``; each task id may be staged once per snapshot.

        ``tasks`` is a list of parsed tasks, or the listing's ``FreshTasks``, which carry
        their ids and their Arrow rows: those are gathered over several pages and flattened
        together (Arrow's per-call overhead dominates at one page).
        """
        ids = getattr(tasks, "ids", None)  # FreshTasks know theirs without parsing
        if ids is None:
            ids = _readable_ids(tasks)
        distinct = set(ids)
        if len(distinct) < len(ids) or not self.stored_ids.isdisjoint(distinct):
            repeated = sorted({i for i in ids if i in self.stored_ids} | _repeats(ids), key=str)
            raise LakeError(
                f"task ids delivered more than once in snapshot {self.snapshot_id}: "
                f"{repeated[:5]} (the listing must pass each task once)"
            )
        self.stored_ids.update(ids)  # stored or quarantined: every task is one or the other
        if getattr(tasks, "arrow", None) is not None:
            self._arrow_pending.append(tasks)
            self._arrow_rows += len(tasks)
            if self._arrow_rows >= ARROW_BATCH_ROWS:
                self._flush_arrow()
            return
        self._flush_arrow()  # keep rows in arrival order
        self._stage(flatten_tasks(tasks, self.snapshot_id, self.snapshot_at))

    def _stage(self, batch: FlatBatch) -> None:
        self.unknown_fields.update(batch.unknown_fields)
        for table in FLAT_TABLES:
            self.tables[table].append(batch[table])

    def _flush_arrow(self) -> None:
        """Flatten the gathered Arrow pages in one go (page by page if that one refuses)."""
        pending, self._arrow_pending, self._arrow_rows = self._arrow_pending, [], 0
        if not pending:
            return
        rows = pa.concat_arrays([tasks.arrow for tasks in pending])
        tables = arrow_tables(rows, self.snapshot_id, self.snapshot_at)
        if tables is None:  # some value needs the validating path: find it page by page
            for tasks in pending:
                self._stage(flatten_tasks(tasks, self.snapshot_id, self.snapshot_at))
            return
        for table, rows_of_table in tables[0].items():
            self.tables[table].append(rows_of_table)

    def finish(self, removed_ids: set[str]) -> None:
        """Close every staged file; drop ``removed_ids`` rows if any."""
        self._flush_arrow()
        for staged in self.tables.values():
            staged.start_close()  # every table's tail at once, each on its own thread
        for staged in self.tables.values():
            staged.close()
        if removed_ids:
            for staged in self.tables.values():
                staged.drop_tasks(removed_ids)
            self.stored_ids -= removed_ids

    def discard(self) -> None:
        """Remove the staging directory and release the lock (after an abort or a publish)."""
        for staged in self.tables.values():
            staged.abandon()
        shutil.rmtree(self.directory, ignore_errors=True)
        self._lock.close()


def _readable_ids(tasks: Sequence[Any]) -> list[Hashable]:
    """The :func:`readable_id` of each task that has one, in order."""
    if not set(map(type, tasks)) - {dict}:
        ids = [task.get("id") for task in tasks]
        if not set(map(type, ids)) - {str}:  # the usual page: every id a string
            return ids
    return [task_id for task in tasks if (task_id := readable_id(task)) is not None]


def readable_id(task: Any) -> Hashable | None:
    """A task's id as the listing keys it (any JSON scalar), or None when it has none."""
    task_id = task.get("id") if type(task) is dict else None
    return task_id if isinstance(task_id, str | int | float) else None


def _repeats(ids: list[Hashable]) -> set[Hashable]:
    seen: set[Hashable] = set()
    repeated: set[Hashable] = set()
    for task_id in ids:
        if task_id in seen:
            repeated.add(task_id)
        seen.add(task_id)
    return repeated


def is_live(staging: Path, *, starting_grace_s: float = STARTING_GRACE_S) -> bool:
    """Whether a live run holds this staging directory's lock.

    Without a lock file yet, a directory changed less than ``starting_grace_s`` ago counts
    as live: its run may be between creating it and taking the lock. An unlocked lock file
    means a dead run, unless it is a moment old (open and flock are two statements).
    """
    lock_path = staging / LOCK_FILE
    try:
        if not lock_path.exists():
            return time.time() - staging.stat().st_mtime < starting_grace_s
        with lock_path.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
        # Unlocked: dead, unless the lock file is so new its run is between open and flock.
        grace = min(starting_grace_s, LOCK_TAKING_GRACE_S)
        return time.time() - lock_path.stat().st_mtime < grace
    except FileNotFoundError:
        return False
