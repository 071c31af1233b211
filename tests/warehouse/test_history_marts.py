"""Marts built from snapshot history: ETA accuracy, stalls, state transitions."""

import pytest

from pipelines.warehouse.variables import WarehouseVariables

from .conftest import materialize_warehouse, query


def test_eta_accuracy_compares_estimates_with_first_success(sql_on):
    rows = sql_on(
        "SELECT task_id, strftime(snapshot_at, '%d %H:%M'), round(progress_pct, 3), "
        "progress_band, strftime(actual_completed_at, '%d %H:%M'), error_s, abs_error_s, "
        "lead_time_s FROM mart_eta_accuracy"
    )
    assert rows == [
        # S1: estimate 11:00, first MIGRATE_SUCCESS in S2 whose last sub-task end is 11:30;
        # progress mean(100, 40, 0) = 46.667; lead 10:00 -> 11:30
        ("T1", "01 10:00", 46.667, "25-50%", "01 11:30", -1800.0, 1800.0, 5400.0),
        # T4 never completed: estimates kept, no actual (mean(100, 60, 0) = 53.333)
        ("T4", "01 12:00", 53.333, "50-75%", None, None, None, None),
        ("T4", "01 14:00", 53.333, "50-75%", None, None, None, None),
        ("T4", "02 09:00", 53.333, "50-75%", None, None, None, None),
    ]


def test_eta_bias_by_progress_band(sql_on):
    rows = sql_on("SELECT * FROM mart_eta_bias ORDER BY progress_band")
    assert rows == [
        ("test", "25-50%", 1, 1, -1800.0, 1800.0, 1800.0, 1800.0),
        ("test", "all", 1, 1, -1800.0, 1800.0, 1800.0, 1800.0),
    ]


def test_stalled_task_by_both_rules_with_defaults(sql_on):
    rows = sql_on(
        "SELECT task_id, current_sub_task, strftime(unchanged_since, '%d %H:%M'), "
        "unchanged_snapshots, stalled_hours, stalled_by_snapshots, stalled_by_hours, "
        "stall_snapshots, stall_hours FROM mart_stalled_tasks"
    )
    # T4 shows the same progress in S2, S3, S4 (12:00 -> d2 09:00 = 21 h). T5 moved in S4.
    # The uncommitted S5 (T4 at 80 %) must not count.
    assert rows == [("T4", "MIGRATE_LINUX_BLOCK", "01 12:00", 3, 21.0, True, True, 3, 6.0)]


@pytest.mark.parametrize(
    ("stall_snapshots", "stall_hours", "expected"),
    [
        (4, 24.0, []),  # 3 snapshots < 4 and 21 h < 24 h
        (4, 21.0, [("T4", False, True)]),  # exactly 21 h counts
        (3, 48.0, [("T4", True, False)]),
    ],
)
def test_stall_thresholds_come_from_the_resource(
    scenario_dir, tmp_path, stall_snapshots, stall_hours, expected
):
    # A subset run (only the stall mart + publish) on a copy of the published warehouse.
    import shutil

    data_dir = tmp_path / "data"
    shutil.copytree(scenario_dir, data_dir)
    result = materialize_warehouse(
        data_dir,
        variables=WarehouseVariables(stall_snapshots=stall_snapshots, stall_hours=stall_hours),
        selection=["mart_stalled_tasks", "warehouse"],
    )
    assert result.success
    rows = query(
        data_dir / "warehouse.duckdb",
        "SELECT task_id, stalled_by_snapshots, stalled_by_hours FROM mart_stalled_tasks",
    )
    assert rows == expected
    # the other marts came along unchanged from the copied warehouse
    assert query(data_dir / "warehouse.duckdb", "SELECT count(*) FROM mart_task_durations") == [
        (8,)
    ]


def test_state_transitions_with_time_in_previous_state(sql_on):
    rows = sql_on(
        "SELECT task_id, transition_seq, previous_state, state, "
        "strftime(first_seen_at, '%d %H:%M'), time_in_previous_state_s, is_current "
        "FROM mart_state_transitions"
    )
    assert rows == [
        ("T1", 1, None, "RUNNING", "01 10:00", None, False),
        ("T1", 2, "RUNNING", "MIGRATE_SUCCESS", "01 12:00", 7200.0, True),
        ("T2", 1, None, "RUNNING", "01 10:00", None, False),
        # T2 was not listed in S2: its RUNNING lasts from S1 to S3 (10:00 -> 14:00)
        ("T2", 2, "RUNNING", "MIGRATE_FAIL", "01 14:00", 14400.0, True),
        ("T3", 1, None, "MIGRATE_FAIL", "02 09:00", None, True),
        ("T4", 1, None, "RUNNING", "01 12:00", None, True),
        ("T5", 1, None, "RUNNING", "01 14:00", None, True),
        ("T6", 1, None, "READY", "02 09:00", None, True),
        ("T7", 1, None, "MIGRATE_SUCCESS", "01 10:00", None, True),
        ("T8", 1, None, "ABORT", "02 09:00", None, True),
    ]


def test_completion_falls_back_to_total_time_then_snapshot_time_without_sub_task_ends(tmp_path):
    from .lake_builder import LakeBuilder
    from .scenario import sub, task

    def x(state: str, estimate: str | None) -> dict:
        return task(
            "X", "LINUX", "MIGRATE_FILE", state, "2024-03-01 08:00",
            estimate_complete_time=estimate,
            sub_tasks=[sub("MIGRATE_LINUX_FILE", 50 if state == "RUNNING" else 100, "09:00")],
        )  # fmt: skip

    builder = LakeBuilder(tmp_path / "lake")
    builder.snapshot("2024-03-01 10:00", [x("RUNNING", "2024-03-01 13:00")])
    # Y finished too, with no sub-task end but a total_time of 1.5 h
    y = {**x("MIGRATE_SUCCESS", None), "id": "Y", "total_time": 5_400_000}
    builder.snapshot("2024-03-01 12:00", [x("MIGRATE_SUCCESS", None)])
    builder.snapshot("2024-03-01 14:00", [x("MIGRATE_SUCCESS", None), y])
    assert materialize_warehouse(tmp_path).success
    warehouse = tmp_path / "warehouse.duckdb"
    # first success snapshot is 12:00 and no sub-task ever ended -> completion at 12:00
    assert query(
        warehouse,
        "SELECT strftime(actual_completed_at, '%H:%M'), error_s, progress_band "
        "FROM mart_eta_accuracy",
    ) == [("12:00", 3600.0, "50-75%")]
    # finished_at likewise: the first snapshot that saw the final state
    assert query(
        warehouse,
        "SELECT task_id, strftime(finished_at, '%H:%M'), active_time_s, timeline_complete "
        "FROM mart_task_durations ORDER BY task_id",
    ) == [
        ("X", "12:00", 10800.0, False),  # 09:00 -> 12:00
        ("Y", "09:30", 1800.0, False),  # created 08:00 + 1.5 h; active from 09:00
    ]
