"""Two sources in one lake: the same task id stays two tasks, each source has its own "now".

The lake is described in two_sources.py; every figure below is computed by hand from it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import materialize_warehouse, query
from .lake_builder import LakeBuilder
from .two_sources import write_two_sources


@pytest.fixture(scope="module")
def two_sql(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[tuple]]:
    data_dir = tmp_path_factory.mktemp("two_sources")
    write_two_sources(LakeBuilder(data_dir / "lake"))
    assert materialize_warehouse(data_dir).success
    warehouse: Path = data_dir / "warehouse.duckdb"
    return lambda sql: query(warehouse, sql)


def test_each_source_has_its_own_latest_snapshot(two_sql):
    assert two_sql(
        "SELECT source, strftime(snapshot_at, '%d %H:%M'), snapshot_rank, is_latest "
        "FROM stg_snapshots ORDER BY source, snapshot_at"
    ) == [
        ("acme", "01 10:00", 3, False),
        ("acme", "01 12:00", 2, False),
        ("acme", "01 14:00", 1, True),
        ("beta", "01 11:00", 2, False),
        ("beta", "02 09:00", 1, True),
    ]


def test_a_source_whose_latest_snapshot_is_older_still_shows_its_latest_state(two_sql):
    # acme was last read at d1 14:00, beta at d2 09:00: both are current.
    assert two_sql(
        "SELECT source, task_id, state, strftime(snapshot_at, '%d %H:%M') "
        "FROM stg_tasks ORDER BY source, task_id"
    ) == [
        ("acme", "X", "MIGRATE_SUCCESS", "01 14:00"),
        ("acme", "Y", "RUNNING", "01 14:00"),
        ("beta", "X", "MIGRATE_FAIL", "02 09:00"),
        ("beta", "Y", "RUNNING", "02 09:00"),
    ]
    assert two_sql(
        "SELECT source, task_id, count(*) FROM stg_sub_tasks GROUP BY ALL ORDER BY ALL"
    ) == [("acme", "X", 2), ("acme", "Y", 2), ("beta", "X", 2), ("beta", "Y", 2)]
    assert two_sql(
        "SELECT source, task_id, source_server_id FROM stg_source_servers ORDER BY ALL"
    ) == [
        ("acme", "X", "src-X"),
        ("acme", "Y", "src-Y"),
        ("beta", "X", "src-X"),
        ("beta", "Y", "src-Y"),
    ]


def test_task_durations_are_per_source_with_each_sources_snapshot_as_now(two_sql):
    rows = two_sql(
        "SELECT source, task_id, outcome, os_type, queue_time_s, active_time_s, "
        "migration_phase_s, bottleneck_phase, strftime(finished_at, '%d %H:%M'), "
        "timeline_complete FROM mart_task_durations ORDER BY source, task_id"
    )
    assert rows == [
        # 08:00 -> 09:00 queue; active 09:00 -> 11:30; MIGRATE 09:10 -> 11:30
        ("acme", "X", "success", "LINUX", 3600.0, 9000.0, 8400.0, "MIGRATE_LINUX_BLOCK",
         "01 11:30", True),
        # running: up to acme's latest (d1 14:00), not beta's: 09:00 -> 14:00, 09:30 -> 14:00
        ("acme", "Y", "running", "LINUX", 0.0, 18000.0, 16200.0, "MIGRATE_LINUX_BLOCK",
         None, False),
        # 10:00 -> 10:30 queue; active 10:30 -> 13:40; MIGRATE 10:40 -> 13:40
        ("beta", "X", "failed", "WINDOWS", 1800.0, 11400.0, 10800.0, "MIGRATE_WINDOWS_FILE",
         "01 13:40", True),
        # running: 10:00 -> d2 09:00 = 23 h; MIGRATE 10:30 -> d2 09:00 = 22.5 h
        ("beta", "Y", "running", "LINUX", 0.0, 82800.0, 81000.0, "MIGRATE_LINUX_BLOCK",
         None, False),
    ]  # fmt: skip


def test_phase_durations_do_not_mix_sources(two_sql):
    # (every group here has one type per OS: LINUX = MIGRATE_BLOCK, WINDOWS = MIGRATE_FILE)
    assert two_sql(
        "SELECT source, sub_task_name, os_type, n, p50_s, p90_s, p99_s, max_s "
        "FROM mart_phase_durations"
    ) == [
        # acme X 600, Y 1800: p90 = 600 + 0.9 * 1200, p99 = 600 + 0.99 * 1200
        ("acme", "ATTACH_AGENT_IMAGE", "LINUX", 2, 1200.0, 1680.0, 1788.0, 1800.0),
        ("acme", "MIGRATE_LINUX_BLOCK", "LINUX", 1, 8400.0, 8400.0, 8400.0, 8400.0),
        ("beta", "ATTACH_AGENT_IMAGE", "LINUX", 1, 1800.0, 1800.0, 1800.0, 1800.0),
        ("beta", "ATTACH_AGENT_IMAGE", "WINDOWS", 1, 600.0, 600.0, 600.0, 600.0),
        ("beta", "MIGRATE_WINDOWS_FILE", "WINDOWS", 1, 10800.0, 10800.0, 10800.0, 10800.0),
    ]


def test_outcomes_and_failures_are_per_source(two_sql):
    assert two_sql(
        "SELECT source, scope, os_type, type, n_tasks, n_success, n_failed, n_running, n_other, "
        "success_rate, failure_rate FROM mart_outcomes"
    ) == [
        ("acme", "overall", "all", "all", 2, 1, 0, 1, 0, 1.0, 0.0),
        ("acme", "os_type_x_type", "LINUX", "MIGRATE_BLOCK", 2, 1, 0, 1, 0, 1.0, 0.0),
        ("beta", "overall", "all", "all", 2, 0, 1, 1, 0, 0.0, 1.0),
        ("beta", "os_type_x_type", "LINUX", "MIGRATE_BLOCK", 1, 0, 0, 1, 0, None, None),
        ("beta", "os_type_x_type", "WINDOWS", "MIGRATE_FILE", 1, 0, 1, 0, 0, 0.0, 1.0),
    ]
    assert two_sql(
        "SELECT source, task_id, error_code, failed_phase, strftime(failed_at, '%H:%M') "
        "FROM mart_failures"
    ) == [("beta", "X", "SMS.1806", "MIGRATE_WINDOWS_FILE", "13:40")]


def test_burndown_runs_per_source_to_its_own_latest_day(two_sql):
    assert two_sql(
        "SELECT source, strftime(day, '%m-%d'), * EXCLUDE (source, day) FROM mart_daily_burndown"
    ) == [
        # created X Y, started X Y, completed X; acme's latest snapshot is on d1
        ("acme", "03-01", 2, 2, 1, 0, 2, 2, 1, 0, 1),
        # created X Y, started X Y, failed X; beta's latest snapshot is on d2
        ("beta", "03-01", 2, 2, 0, 1, 2, 2, 0, 1, 1),
        ("beta", "03-02", 0, 0, 0, 0, 2, 2, 0, 1, 1),
    ]


def test_hourly_concurrency_is_per_source(two_sql):
    rows = two_sql(
        "SELECT source, strftime(hour_start, '%d %H'), tasks_running, peak_running "
        "FROM mart_hourly_concurrency"
    )
    # acme: X 09:00-11:30, Y 09:00-14:00 (acme's latest); beta: Y 10:00-d2 09:00, X 10:30-13:40
    expected = [
        ("acme", "01 09", 2, 2),
        ("acme", "01 10", 2, 2),
        ("acme", "01 11", 2, 2),
        ("acme", "01 12", 1, 1),
        ("acme", "01 13", 1, 1),
        ("acme", "01 14", 0, 0),
        ("beta", "01 10", 2, 2),  # Y from 10:00, X joins at 10:30
        ("beta", "01 11", 2, 2),
        ("beta", "01 12", 2, 2),
        ("beta", "01 13", 2, 2),
        *[("beta", f"01 {hour:02d}", 1, 1) for hour in range(14, 24)],
        *[("beta", f"02 {hour:02d}", 1, 1) for hour in range(0, 9)],
        ("beta", "02 09", 0, 0),
    ]
    assert rows == expected


def test_throughput_summary_is_per_source(two_sql):
    assert two_sql(
        "SELECT source, n_tasks, p50_migrate_speed, p50_utilisation FROM mart_throughput_summary "
        "WHERE dimension = 'all' ORDER BY source"
    ) == [("acme", 1, 40.0, 0.5), ("beta", 1, 90.0, 0.9)]


def test_stalled_task_counts_only_its_own_sources_snapshots(two_sql):
    # acme's Y: 50 % in A1, A2, A3 (3 appearances) from 10:00 to acme's latest 14:00 = 4 h;
    # beta's Y moved (30 -> 90 %) and is not stalled.
    assert two_sql(
        "SELECT source, task_id, progress_pct, strftime(unchanged_since, '%d %H:%M'), "
        "unchanged_snapshots, stalled_hours, stalled_by_snapshots, stalled_by_hours "
        "FROM mart_stalled_tasks"
    ) == [("acme", "Y", 75.0, "01 10:00", 3, 4.0, True, False)]


def test_eta_accuracy_uses_the_completion_of_the_same_source(two_sql):
    # acme X: estimate 11:00 at A1 (progress mean(100, 40) = 70), done at 11:30 (first success
    # A2); beta X never succeeded: its estimate has no actual (not acme's 11:30).
    assert two_sql(
        "SELECT source, task_id, strftime(snapshot_at, '%d %H:%M'), progress_band, "
        "strftime(actual_completed_at, '%H:%M'), error_s, lead_time_s FROM mart_eta_accuracy"
    ) == [
        ("acme", "X", "01 10:00", "50-75%", "11:30", -1800.0, 5400.0),
        ("beta", "X", "01 11:00", "50-75%", None, None, None),
    ]
    assert two_sql("SELECT * FROM mart_eta_bias ORDER BY ALL") == [
        ("acme", "50-75%", 1, 1, -1800.0, 1800.0, 1800.0, 1800.0),
        ("acme", "all", 1, 1, -1800.0, 1800.0, 1800.0, 1800.0),
    ]


def test_state_transitions_follow_each_source_separately(two_sql):
    assert two_sql(
        "SELECT source, task_id, transition_seq, previous_state, state, "
        "strftime(first_seen_at, '%d %H:%M'), time_in_previous_state_s, is_current "
        "FROM mart_state_transitions"
    ) == [
        ("acme", "X", 1, None, "RUNNING", "01 10:00", None, False),
        ("acme", "X", 2, "RUNNING", "MIGRATE_SUCCESS", "01 12:00", 7200.0, True),
        ("acme", "Y", 1, None, "RUNNING", "01 10:00", None, True),
        ("beta", "X", 1, None, "RUNNING", "01 11:00", None, False),
        # beta's X: RUNNING from B1 (d1 11:00) to B2 (d2 09:00) = 22 h
        ("beta", "X", 2, "RUNNING", "MIGRATE_FAIL", "02 09:00", 79200.0, True),
        ("beta", "Y", 1, None, "RUNNING", "01 11:00", None, True),
    ]
