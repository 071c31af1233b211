"""A small hand-made warehouse: the mart tables the delivery layer reads, with exact rows.

Task names are hostile on purpose (commas, quotes, newlines, HTML, formula triggers),
so every test of exports, report and CLI also tests escaping.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

SNAPSHOT_ID = "20250301T120000Z-a1b2c3"
REPORT_GENERATED_AT = dt.datetime(2025, 3, 1, 12, 30, tzinfo=dt.UTC)

HOSTILE_NAMES = {
    "t1": "web-01, prod",
    "t2": '=HYPERLINK("http://evil.example","click")',
    "t3": 'db "main"\nline2 <script>alert(1)</script> & co',
    "t4": "+cmd|' /C calc'!A0",
    "t5": "@SUM(A1:A9)",
    "t6": "-2+3",
    "t7": "file-server",
    "t8": "app \t tab",
}

# Shown as a chart label: must be escaped in SVG and never parsed as mathtext.
FAILED_PHASE_T6 = 'CHECK <&"$\\frac$">'

# Column names follow sql/marts/*.sql headers (a subset of each mart is enough here).
MART_DDL = """
CREATE TABLE stg_snapshots (snapshot_id VARCHAR, snapshot_at TIMESTAMPTZ, source VARCHAR,
    is_simulated BOOLEAN, is_latest BOOLEAN);
CREATE TABLE mart_task_durations (task_id VARCHAR, task_name VARCHAR, state VARCHAR,
    outcome VARCHAR, type VARCHAR, os_type VARCHAR, enterprise_project_id VARCHAR,
    created_at TIMESTAMPTZ, total_time_s DOUBLE, queue_time_s DOUBLE, active_time_s DOUBLE,
    migration_phase_s DOUBLE, timeline_complete BOOLEAN, bottleneck_phase VARCHAR,
    bottleneck_phase_s DOUBLE);
CREATE TABLE mart_phase_durations (sub_task_name VARCHAR, os_type VARCHAR, type VARCHAR,
    n BIGINT, p50_s DOUBLE, p90_s DOUBLE, p99_s DOUBLE, max_s DOUBLE);
CREATE TABLE mart_throughput (task_id VARCHAR, outcome VARCHAR, os_type VARCHAR, type VARCHAR,
    migrate_speed DOUBLE, speed_limit_mbps INTEGER, utilisation DOUBLE, throttled BOOLEAN,
    latency_band VARCHAR, is_transferring BOOLEAN);
CREATE TABLE mart_outcomes (scope VARCHAR, os_type VARCHAR, type VARCHAR, n_tasks BIGINT,
    n_success BIGINT, n_failed BIGINT, success_rate DOUBLE);
CREATE TABLE mart_failures (task_id VARCHAR, task_name VARCHAR, error_code VARCHAR,
    failed_phase VARCHAR);
CREATE TABLE mart_daily_burndown (day DATE, created BIGINT, started BIGINT, completed BIGINT,
    failed BIGINT, cumulative_created BIGINT, cumulative_started BIGINT,
    cumulative_completed BIGINT, cumulative_failed BIGINT, remaining BIGINT);
CREATE TABLE mart_hourly_concurrency (hour_start TIMESTAMPTZ, tasks_running BIGINT,
    peak_running BIGINT, concurrency_limit INTEGER, over_limit BOOLEAN);
CREATE TABLE mart_eta_accuracy (task_id VARCHAR, error_s DOUBLE);
CREATE TABLE mart_stalled_tasks (task_id VARCHAR, task_name VARCHAR, current_sub_task VARCHAR,
    progress_pct DOUBLE, unchanged_since TIMESTAMPTZ, unchanged_snapshots INTEGER,
    stalled_hours DOUBLE);
"""


def create_empty_marts(path: Path) -> None:
    """Every mart table with no rows (a warehouse built from a listing of zero tasks)."""
    con = duckdb.connect(str(path))
    con.execute(MART_DDL)
    con.close()


def create_sample_warehouse(path: Path) -> None:
    """The marts of eight tasks: 3 succeeded, 2 failed, 3 running (t4 stalled)."""
    create_empty_marts(path)
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    n = HOSTILE_NAMES
    con.execute(
        "INSERT INTO stg_snapshots VALUES (?, TIMESTAMPTZ '2025-03-01 12:00:00+00', "
        "'simulator', true, true)",
        [SNAPSHOT_ID],
    )
    con.executemany(
        "INSERT INTO mart_task_durations VALUES "
        "(?, ?, ?, ?, ?, ?, 'ep-0', ?::TIMESTAMPTZ, ?, ?, ?, ?, ?, ?, ?)",
        [
            ["t1", n["t1"], "MIGRATE_SUCCESS", "success", "MIGRATE_BLOCK", "LINUX",
             "2025-02-27 08:00:00+00", 3600.0, 60.0, 3540.0, 3000.0, True,
             "MIGRATE_LINUX_BLOCK", 3000.0],
            ["t2", n["t2"], "MIGRATE_SUCCESS", "success", "MIGRATE_FILE", "WINDOWS",
             "2025-02-27 09:30:00+00", 7200.0, 120.0, 7080.0, 6000.0, True,
             "MIGRATE_WINDOWS_FILE", 6000.0],
            ["t3", n["t3"], "MIGRATE_FAIL", "failed", "MIGRATE_FILE", "LINUX",
             "2025-02-28 10:00:00+00", 1800.0, 30.0, 1770.0, 1500.0, True,
             "MIGRATE_LINUX_FILE", 1500.0],
            ["t4", n["t4"], "RUNNING", "running", "MIGRATE_BLOCK", "WINDOWS",
             "2025-02-28 11:00:00+00", None, 45.0, None, None, False, None, None],
            ["t5", n["t5"], "MIGRATE_SUCCESS", "success", "MIGRATE_BLOCK", "LINUX",
             "2025-03-01 07:15:00+00", 5400.0, 15.0, 5385.0, 5000.0, True,
             "MIGRATE_LINUX_BLOCK", 5000.0],
            ["t6", n["t6"], "MIGRATE_FAIL", "failed", "MIGRATE_BLOCK", "LINUX",
             "2025-03-01 08:00:00+00", 900.0, 10.0, 890.0, None, False, None, None],
            ["t7", n["t7"], "RUNNING", "running", "MIGRATE_BLOCK", "WINDOWS",
             "2025-03-01 09:00:00+00", None, 20.0, None, None, False, None, None],
            ["t8", n["t8"], "SYNCING", "running", "MIGRATE_FILE", "LINUX",
             "2025-03-01 10:00:00+00", None, 5.0, None, None, False, None, None],
        ],
    )  # fmt: skip
    con.execute(
        """
        INSERT INTO mart_phase_durations VALUES
          ('MIGRATE_LINUX_BLOCK', 'LINUX', 'MIGRATE_BLOCK', 2, 4000.0, 4800.0, 4980.0, 5000.0),
          ('MIGRATE_WINDOWS_FILE', 'WINDOWS', 'MIGRATE_FILE', 1, 6000.0, 6000.0, 6000.0, 6000.0),
          ('MIGRATE_LINUX_FILE', 'LINUX', 'MIGRATE_FILE', 1, 1500.0, 1500.0, 1500.0, 1500.0),
          ('CREATE_CLOUD_SERVER', 'LINUX', 'MIGRATE_BLOCK', 3, 120.0, 300.0, 340.0, 345.0)
        """
    )
    # Finished tasks report migrate_speed 0; only running ones with a speed are transferring.
    con.execute(
        """
        INSERT INTO mart_throughput VALUES
          ('t1', 'success', 'LINUX', 'MIGRATE_BLOCK', 0.0, 0, 0.0, false, '<10 ms', false),
          ('t2', 'success', 'WINDOWS', 'MIGRATE_FILE', 0.0, 50, 0.0, true, '10-50 ms', false),
          ('t3', 'failed', 'LINUX', 'MIGRATE_FILE', 0.0, 10, 0.0, true, '10-50 ms', false),
          ('t4', 'running', 'WINDOWS', 'MIGRATE_BLOCK', 80.0, 0, 0.8, false, '<10 ms', true),
          ('t5', 'success', 'LINUX', 'MIGRATE_BLOCK', 0.0, 100, 0.0, true, '<10 ms', false),
          ('t6', 'failed', 'LINUX', 'MIGRATE_BLOCK', NULL, 0, NULL, false, 'unknown', false),
          ('t7', 'running', 'WINDOWS', 'MIGRATE_BLOCK', 40.0, 0, 0.4, false, '<10 ms', true),
          ('t8', 'running', 'LINUX', 'MIGRATE_FILE', 10.0, 10, 1.0, true, '>=100 ms', true)
        """
    )
    con.execute(
        """
        INSERT INTO mart_outcomes VALUES
          ('overall', 'all', 'all', 8, 3, 2, 0.6),
          ('os_type_x_type', 'LINUX', 'MIGRATE_BLOCK', 3, 2, 1, 0.6666666666666666)
        """
    )
    con.executemany(
        "INSERT INTO mart_failures VALUES (?, ?, ?, ?)",
        [
            ["t3", n["t3"], "SMS.6503", "MIGRATE_LINUX_FILE"],
            ["t6", n["t6"], "SMS.1806", FAILED_PHASE_T6],
        ],
    )
    con.execute(
        """
        INSERT INTO mart_daily_burndown VALUES
          (DATE '2025-02-27', 2, 2, 2, 0, 2, 2, 2, 0, 0),
          (DATE '2025-02-28', 2, 2, 0, 1, 4, 4, 2, 1, 1),
          (DATE '2025-03-01', 4, 4, 1, 1, 8, 8, 3, 2, 3)
        """
    )
    con.execute(
        """
        INSERT INTO mart_hourly_concurrency VALUES
          (TIMESTAMPTZ '2025-03-01 07:00:00+00', 45, 40, 100, false),
          (TIMESTAMPTZ '2025-03-01 08:00:00+00', 98, 95, 100, false),
          (TIMESTAMPTZ '2025-03-01 09:00:00+00', 130, 120, 100, true),
          (TIMESTAMPTZ '2025-03-01 10:00:00+00', 85, 80, 100, false),
          (TIMESTAMPTZ '2025-03-01 11:00:00+00', 12, 10, 100, false)
        """
    )
    con.execute("INSERT INTO mart_eta_accuracy VALUES ('t1', -3.5), ('t2', 12.25)")
    con.execute(
        "INSERT INTO mart_stalled_tasks VALUES "
        "('t4', ?, 'MIGRATE_WINDOWS_BLOCK', 42.5, TIMESTAMPTZ '2025-03-01 06:00:00+00', 4, 6.0)",
        [n["t4"]],
    )
    con.close()


@pytest.fixture
def sample_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "warehouse.duckdb"
    path.parent.mkdir(parents=True)
    create_sample_warehouse(path)
    return path


@pytest.fixture
def empty_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "warehouse.duckdb"
    path.parent.mkdir(parents=True)
    create_empty_marts(path)
    return path


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory: pytest.TempPathFactory):
    """The report of the sample warehouse, built once per session (tests only read it)."""
    from pipelines.delivery.report import build_report

    root = tmp_path_factory.mktemp("sample_report")
    warehouse = root / "warehouse.duckdb"
    create_sample_warehouse(warehouse)
    return build_report(warehouse, root / "report", generated_at=REPORT_GENERATED_AT)
