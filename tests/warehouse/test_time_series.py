"""mart_daily_burndown and mart_hourly_concurrency on the scenario lake."""


def test_daily_burndown_counts_and_cumulates_per_utc_day(sql_on):
    rows = sql_on(
        "SELECT source, strftime(day, '%m-%d'), * EXCLUDE (source, day) FROM mart_daily_burndown"
    )
    # d1: created T7 T1 T2 T3 T4 T8 T5 (7), started the same 7, completed T7 T1, failed T3 T2
    # d2 (latest snapshot's day): created T6 only
    assert rows == [
        ("test", "03-01", 7, 7, 2, 2, 7, 7, 2, 2, 3),
        ("test", "03-02", 1, 0, 0, 0, 8, 7, 2, 2, 4),
    ]


def test_hourly_concurrency_counts_overlap_and_peak(sql_on):
    rows = sql_on(
        "SELECT strftime(hour_start, '%d %H'), tasks_running, peak_running, headroom, over_limit "
        "FROM mart_hourly_concurrency"
    )
    # intervals: T7 07:00-09:30, T1 09:00-11:30, T2 09:30-10:40, T3 10:00-10:05,
    # T4 11:00-d2 09:00, T5 13:00-d2 09:00; T8 (end before start) is not placed
    expected = {
        "01 07": (1, 1),
        "01 08": (1, 1),
        "01 09": (3, 2),  # T7 hands over to T2 at 09:30: never 3 at once
        "01 10": (3, 3),  # T1, T2, T3 at 10:00
        "01 11": (2, 2),
        "01 12": (1, 1),
        **{f"01 {hour:02d}": (2, 2) for hour in range(13, 24)},
        **{f"02 {hour:02d}": (2, 2) for hour in range(0, 9)},
        "02 09": (0, 0),  # both running tasks are measured up to the snapshot at 09:00
    }
    assert [row[0] for row in rows] == list(expected)
    assert {row[0]: row[1:3] for row in rows} == expected
    assert all(row[3] == 100 - row[2] and row[4] is False for row in rows)
