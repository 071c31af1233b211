"""Every query the migration report makes, in one place.

The marts are built by ``sql/marts/*.sql``; when a mart's columns change, this is
the only file of the report to adapt. A mart that is absent reads as "no rows", so
a warehouse built from zero tasks (or an older one) still renders.

With more than one source (``source`` column of the marts), every figure that would
otherwise mix sources is split by source: bar labels start with ``<source>: ``, line
series carry the source, and the stalled-task table gains a ``source`` column. Headline
figures stay totals over all sources.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from pipelines.delivery.warehouse_access import SnapshotInfo, read_snapshot_info, relation_names

# mart_task_durations.outcome: success, failed, running or other.
SUCCESS_OUTCOME = "success"
FAILURE_OUTCOME = "failed"
CONCURRENCY_LIMIT = 100  # SMS runs at most 100 migration tasks at once per account
STALLED_ROWS_SHOWN = 200
PHASE_ROWS_SHOWN = 20
FAILURE_GROUPS_SHOWN = 15  # most frequent causes / phases
SOURCE_COLUMN = "source"
STALLED_COLUMNS = (
    "task_id",
    "task_name",
    "current_sub_task",
    "progress_pct",
    "unchanged_since",
    "unchanged_snapshots",
    "stalled_hours",
)

# Every mart column the queries below read: a test checks them against sql/marts headers.
COLUMNS_READ: dict[str, tuple[str, ...]] = {
    "mart_task_durations": ("source", "task_id", "outcome", "total_time_s"),
    "mart_throughput": ("source", "os_type", "type", "migrate_speed", "is_transferring"),
    "mart_phase_durations": (
        "source",
        "sub_task_name",
        "os_type",
        "type",
        "p50_s",
        "p90_s",
        "p99_s",
    ),
    "mart_daily_burndown": (
        "source",
        "day",
        "cumulative_created",
        "cumulative_completed",
        "cumulative_failed",
    ),
    "mart_failures": ("source", "error_code", "failed_phase"),
    "mart_hourly_concurrency": (
        "source",
        "hour_start",
        "tasks_running",
        "peak_running",
        "concurrency_limit",
    ),
    "mart_stalled_tasks": (SOURCE_COLUMN, *STALLED_COLUMNS),
}

Row = tuple[object, ...]
_PHASE_LABEL = (
    "coalesce(sub_task_name, 'unknown') || ' (' || coalesce(os_type, 'unknown') || ' / ' "
    "|| coalesce(type, 'unknown') || ')'"
)


@dataclass(frozen=True)
class Headline:
    tasks: int
    succeeded: int
    failed: int
    success_rate: float | None  # succeeded / (succeeded + failed); None when none finished
    median_duration_s: float | None  # of succeeded tasks
    median_throughput: float | None  # migrate_speed of transferring tasks, Mbit/s (assumed)


@dataclass(frozen=True)
class ReportData:
    """What the report shows. ``series`` is the source when split by source, else ''."""

    snapshot: SnapshotInfo
    headline: Headline
    outcomes: list[tuple[str, int]]  # "[source: ]outcome", tasks
    phase_durations: list[tuple[str, float, float, float]]  # label, p50, p90, p99
    throughput: list[tuple[str, list[float]]]  # "[source: ]OS / type", speeds
    # series, day, cumulative created, completed, failed
    burndown: list[tuple[str, dt.date, int, int, int]]
    failures_by_cause: list[tuple[str, int]]
    failures_by_phase: list[tuple[str, int]]
    # series, hour, running, peak, limit
    concurrency: list[tuple[str, dt.datetime, int, int, int]]
    stalled_columns: list[str] = field(default_factory=list)
    stalled_rows: list[Row] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # sources with tasks, sorted


class _Reader:
    """Runs queries, answering "no rows" when a relation they need is missing."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.relations = relation_names(con)
        self.sources: list[str] = []
        if SOURCE_COLUMN in self.columns("mart_task_durations"):
            self.sources = [
                str(source)
                for (source,) in con.execute(
                    f"SELECT DISTINCT {SOURCE_COLUMN} FROM mart_task_durations "
                    f"WHERE {SOURCE_COLUMN} IS NOT NULL ORDER BY 1"
                ).fetchall()
            ]

    def has(self, *names: str) -> bool:
        return all(name in self.relations for name in names)

    def rows(self, sql: str, *needs: str) -> list[Row]:
        return self.con.execute(sql).fetchall() if self.has(*needs) else []

    def columns(self, name: str) -> set[str]:
        if not self.has(name):
            return set()
        return {row[0] for row in self.con.execute(f"DESCRIBE {self.relations[name]}").fetchall()}

    def series(self, mart: str) -> str:
        """SQL for a row's series: its source when the report splits by source, else ''."""
        if len(self.sources) > 1 and SOURCE_COLUMN in self.columns(mart):
            return f"coalesce({SOURCE_COLUMN}, 'unknown')"
        return "''"

    def label(self, mart: str, label_sql: str) -> str:
        """SQL for a bar label: ``<source>: <label>`` when split by source, else the label."""
        return f"concat_ws(': ', nullif({self.series(mart)}, ''), {label_sql})"

    def counts(self, mart: str, value_sql: str, limit: int | None = None) -> list[Row]:
        """``(label, rows)`` per value of ``value_sql`` (per source when split), most first."""
        limit_sql = f" LIMIT {limit}" if limit else ""
        return self.rows(
            f"SELECT {self.label(mart, value_sql)}, count(*) FROM {mart} "
            f"GROUP BY 1 ORDER BY 2 DESC, 1{limit_sql}",
            mart,
        )


def _headline(reader: _Reader) -> Headline:
    rows = reader.rows(
        f"""
        SELECT count(*),
               count(*) FILTER (WHERE outcome = '{SUCCESS_OUTCOME}'),
               count(*) FILTER (WHERE outcome = '{FAILURE_OUTCOME}'),
               quantile_cont(total_time_s, 0.5) FILTER (WHERE outcome = '{SUCCESS_OUTCOME}')
        FROM mart_task_durations
        """,
        "mart_task_durations",
    )
    tasks, succeeded, failed, median_duration = rows[0] if rows else (0, 0, 0, None)
    # Finished tasks report speed 0: only transferring tasks carry a live sample.
    speed = reader.rows(
        "SELECT quantile_cont(migrate_speed, 0.5) FROM mart_throughput WHERE is_transferring",
        "mart_throughput",
    )
    finished = succeeded + failed
    return Headline(
        tasks=tasks,
        succeeded=succeeded,
        failed=failed,
        success_rate=succeeded / finished if finished else None,
        median_duration_s=median_duration,
        median_throughput=speed[0][0] if speed else None,
    )


def load_report_data(con: duckdb.DuckDBPyConnection) -> ReportData:
    """Read everything the report shows from an open (read-only) warehouse connection."""
    reader = _Reader(con)
    stalled_columns: list[str] = []
    stalled_rows: list[Row] = []
    if reader.has("mart_stalled_tasks"):
        available = [c[0] for c in con.execute("DESCRIBE mart_stalled_tasks").fetchall()]
        wanted = (SOURCE_COLUMN, *STALLED_COLUMNS) if len(reader.sources) > 1 else STALLED_COLUMNS
        shown = [c for c in wanted if c in available] or available
        order = "stalled_hours DESC, task_id" if "stalled_hours" in available else "1"
        cursor = con.execute(
            f"SELECT {', '.join(shown)} FROM mart_stalled_tasks "
            f"ORDER BY {order} LIMIT {STALLED_ROWS_SHOWN}"
        )
        stalled_columns = [c[0] for c in cursor.description]
        stalled_rows = cursor.fetchall()
    throughput: dict[str, list[float]] = {}
    group_sql = "coalesce(os_type, 'unknown') || ' / ' || coalesce(type, 'unknown')"
    for group, speed in reader.rows(
        f"""
        SELECT {reader.label("mart_throughput", group_sql)}, migrate_speed
        FROM mart_throughput
        WHERE is_transferring
        ORDER BY 1, 2
        """,
        "mart_throughput",
    ):
        throughput.setdefault(str(group), []).append(float(speed))
    return ReportData(
        snapshot=read_snapshot_info(con),
        headline=_headline(reader),
        outcomes=reader.counts("mart_task_durations", "coalesce(outcome, 'unknown')"),
        phase_durations=reader.rows(
            f"""
            SELECT {reader.label("mart_phase_durations", _PHASE_LABEL)}, p50_s, p90_s, p99_s
            FROM mart_phase_durations
            WHERE p50_s IS NOT NULL
            ORDER BY p90_s DESC, 1 LIMIT {PHASE_ROWS_SHOWN}
            """,
            "mart_phase_durations",
        ),
        throughput=list(throughput.items()),
        burndown=reader.rows(
            f"""
            SELECT {reader.series("mart_daily_burndown")} AS series, day,
                   cumulative_created, cumulative_completed, cumulative_failed
            FROM mart_daily_burndown ORDER BY series, day
            """,
            "mart_daily_burndown",
        ),
        failures_by_cause=reader.counts(
            "mart_failures", "coalesce(error_code, 'unknown')", FAILURE_GROUPS_SHOWN
        ),
        failures_by_phase=reader.counts(
            "mart_failures", "coalesce(failed_phase, 'unknown')", FAILURE_GROUPS_SHOWN
        ),
        concurrency=reader.rows(
            f"""
            SELECT {reader.series("mart_hourly_concurrency")} AS series, hour_start,
                   tasks_running, peak_running, coalesce(concurrency_limit, {CONCURRENCY_LIMIT})
            FROM mart_hourly_concurrency ORDER BY series, hour_start
            """,
            "mart_hourly_concurrency",
        ),
        stalled_columns=stalled_columns,
        stalled_rows=stalled_rows,
        sources=reader.sources,
    )
