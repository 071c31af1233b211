"""mart_throughput(_summary), mart_outcomes and mart_failures on the scenario lake."""


def test_throughput_keeps_raw_speed_and_derives_utilisation_band_and_throttle(sql_on):
    rows = sql_on(
        "SELECT task_id, migrate_speed, link_speed_mbps, utilisation, throttled, latency_band, "
        "is_transferring FROM mart_throughput WHERE task_id IN ('T1', 'T2', 'T4', 'T5', 'T6') "
        "ORDER BY task_id"
    )
    assert rows == [
        ("T1", 0.0, 100.0, 0.0, False, "<10 ms", False),
        ("T2", 0.0, None, None, True, "50-100 ms", False),  # no link speed; limit 50
        ("T4", 40.0, 80.0, 0.5, False, "10-50 ms", True),
        ("T5", 90.0, 100.0, 0.9, False, ">=100 ms", True),
        ("T6", 0.0, None, None, False, "unknown", False),
    ]


def test_throughput_summary_percentiles_over_transferring_tasks(sql_on):
    rows = sql_on(
        "SELECT dimension, value, n_tasks, p50_migrate_speed, p90_migrate_speed, "
        "round(p50_utilisation, 6), round(p90_utilisation, 6) "
        "FROM mart_throughput_summary ORDER BY dimension, value"
    )
    # transferring: T4 (40 Mbit/s, 0.5) and T5 (90, 0.9); p90 = 40 + 0.9*50 = 85, 0.5+0.9*0.4
    assert rows == [
        ("all", "all", 2, 65.0, 85.0, 0.7, 0.86),
        ("evaluation_result", "BAD", 1, 90.0, 90.0, 0.9, 0.9),
        ("evaluation_result", "GOOD", 1, 40.0, 40.0, 0.5, 0.5),
        ("latency_band", "10-50 ms", 1, 40.0, 40.0, 0.5, 0.5),
        ("latency_band", ">=100 ms", 1, 90.0, 90.0, 0.9, 0.9),
        ("os_type", "LINUX", 1, 40.0, 40.0, 0.5, 0.5),
        ("os_type", "WINDOWS", 1, 90.0, 90.0, 0.9, 0.9),
        ("type", "MIGRATE_BLOCK", 2, 65.0, 85.0, 0.7, 0.86),
    ]


def test_outcome_rates_are_over_finished_tasks(sql_on):
    rows = sql_on(
        "SELECT scope, os_type, type, n_tasks, n_success, n_failed, n_running, n_other, "
        "success_rate, failure_rate FROM mart_outcomes"
    )
    assert rows == [
        ("overall", "all", "all", 8, 2, 2, 2, 2, 0.5, 0.5),
        ("os_type_x_type", "LINUX", "MIGRATE_BLOCK", 2, 1, 0, 1, 0, 1.0, 0.0),  # T1, T4
        ("os_type_x_type", "LINUX", "MIGRATE_FILE", 3, 0, 1, 0, 2, 0.0, 1.0),  # T3, T6, T8
        ("os_type_x_type", "WINDOWS", "MIGRATE_BLOCK", 3, 1, 1, 1, 0, 0.5, 0.5),  # T2, T5, T7
    ]


def test_failures_parse_error_json_and_survive_malformed_json(sql_on):
    rows = sql_on(
        "SELECT task_id, error_code, error_msg, error_json_status, failed_phase, "
        "failed_phase_source, strftime(failed_at, '%H:%M') FROM mart_failures"
    )
    assert rows == [
        ("T3", None, None, "malformed", "MIGRATE_LINUX_FILE", "last_sub_task", "10:05"),
        ("T2", "SMS.1204", "disk full", "ok", "MIGRATE_WINDOWS_BLOCK", "error_json", "10:40"),
    ]
