"""mart_task_durations and mart_phase_durations on the scenario lake (see scenario.py)."""

# One row per task of S4: (task, outcome, queue_s, active_s, migration_s, timeline_complete,
# bottleneck, bottleneck_s, total_time_s, sub_task_count), computed by hand:
EXPECTED_DURATIONS = {
    # created 08:00, first start 09:00 -> queue 3600; 09:00 -> 11:30 = 9000; MIGRATE 09:10-11:10
    "T1": ("success", 3600.0, 9000.0, 7200.0, True, "MIGRATE_LINUX_BLOCK", 7200.0, 9000.0, 3),
    # created 09:00, start 09:30 -> 1800; 09:30 -> 10:40 = 4200; MIGRATE 09:40-10:40
    "T2": ("failed", 1800.0, 4200.0, 3600.0, True, "MIGRATE_WINDOWS_BLOCK", 3600.0, 4200.0, 2),
    # failed with MIGRATE open: active to the last end 10:05 = 300; the open phase has no span
    "T3": ("failed", 0.0, 300.0, None, False, "ATTACH_AGENT_IMAGE", 300.0, None, 2),
    # running: 11:00 -> snapshot d2 09:00 = 22 h = 79200; MIGRATE 11:15 -> 09:00 = 78300
    "T4": ("running", 0.0, 79200.0, 78300.0, False, "MIGRATE_LINUX_BLOCK", 78300.0, None, 3),
    # running: 13:00 -> 09:00 = 20 h = 72000; MIGRATE 13:30 -> 09:00 = 70200
    "T5": ("running", 0.0, 72000.0, 70200.0, False, "MIGRATE_WINDOWS_BLOCK", 70200.0, None, 2),
    # no sub-tasks at all
    "T6": ("other", None, None, None, False, None, None, None, 0),
    # CONFIGURE starts 09:10, before MIGRATE ended 09:20 -> timeline not complete; 07:00-09:30
    "T7": ("success", 0.0, 9000.0, 7200.0, False, "MIGRATE_WINDOWS_BLOCK", 7200.0, None, 3),
    # ATTACH "ends" 12:20 before it starts 12:30: no span, no active time, never negative
    "T8": ("other", 1800.0, None, None, False, None, None, None, 1),
}


def test_task_durations_are_exact_for_every_edge_case(sql_on):
    rows = sql_on(
        "SELECT task_id, outcome, queue_time_s, active_time_s, migration_phase_s, "
        "timeline_complete, bottleneck_phase, bottleneck_phase_s, total_time_s, sub_task_count "
        "FROM mart_task_durations ORDER BY task_id"
    )
    assert {row[0]: row[1:] for row in rows} == EXPECTED_DURATIONS


def test_finished_at_is_the_last_sub_task_end_for_finished_tasks_only(sql_on):
    rows = sql_on(
        "SELECT task_id, strftime(finished_at, '%d %H:%M') FROM mart_task_durations "
        "ORDER BY task_id"
    )
    assert dict(rows) == {
        "T1": "01 11:30",
        "T2": "01 10:40",
        "T3": "01 10:05",
        "T4": None,
        "T5": None,
        "T6": None,
        "T7": "01 09:30",
        "T8": None,
    }


def test_tasks_without_source_server_keep_their_row(sql_on):
    rows = sql_on(
        "SELECT task_id FROM mart_task_durations WHERE source_server_id IS NULL ORDER BY 1"
    )
    assert rows == [("T3",), ("T6",)]
    assert sql_on("SELECT count(*) FROM stg_source_servers") == [(6,)]


def test_phase_percentiles_use_linear_interpolation_over_finished_sub_tasks(sql_on):
    rows = sql_on(
        "SELECT sub_task_name, os_type, type, n, p50_s, p90_s, p99_s, max_s "
        "FROM mart_phase_durations ORDER BY ALL"
    )
    assert rows == [
        # LINUX/BLOCK ATTACH: T1 600, T4 900 -> p50 750, p90 600+0.9*300, p99 600+0.99*300
        ("ATTACH_AGENT_IMAGE", "LINUX", "MIGRATE_BLOCK", 2, 750.0, 870.0, 897.0, 900.0),
        # LINUX/FILE ATTACH: T3 300 (T8's reversed timestamps are excluded)
        ("ATTACH_AGENT_IMAGE", "LINUX", "MIGRATE_FILE", 1, 300.0, 300.0, 300.0, 300.0),
        # WINDOWS/BLOCK ATTACH: T2 600, T7 1200, T5 1800 -> rank 1.8: 1200+0.8*600, 1.98
        ("ATTACH_AGENT_IMAGE", "WINDOWS", "MIGRATE_BLOCK", 3, 1200.0, 1680.0, 1788.0, 1800.0),
        ("CONFIGURE_LINUX_BLOCK", "LINUX", "MIGRATE_BLOCK", 1, 1200.0, 1200.0, 1200.0, 1200.0),
        ("CONFIGURE_WINDOWS", "WINDOWS", "MIGRATE_BLOCK", 1, 1200.0, 1200.0, 1200.0, 1200.0),
        # running T4's MIGRATE is not finished: only T1's 7200
        ("MIGRATE_LINUX_BLOCK", "LINUX", "MIGRATE_BLOCK", 1, 7200.0, 7200.0, 7200.0, 7200.0),
        # T2 3600, T7 7200 (T5 still running): 5400, 3600+0.9*3600, 3600+0.99*3600
        ("MIGRATE_WINDOWS_BLOCK", "WINDOWS", "MIGRATE_BLOCK", 2, 5400.0, 6840.0, 7164.0, 7200.0),
    ]
