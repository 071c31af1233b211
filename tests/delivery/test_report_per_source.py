"""The report on real marts of two sources: every figure that would mix sources is split."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipelines.delivery.report import build_report
from pipelines.delivery.report_queries import ReportData, load_report_data
from pipelines.delivery.warehouse_access import open_warehouse
from tests.warehouse.conftest import materialize_warehouse
from tests.warehouse.lake_builder import LakeBuilder
from tests.warehouse.two_sources import write_two_sources

UTC = dt.UTC


@pytest.fixture(scope="module")
def two_source_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse the real SQL models build from tests/warehouse/two_sources.py."""
    data_dir = tmp_path_factory.mktemp("two_source_report")
    write_two_sources(LakeBuilder(data_dir / "lake"))
    assert materialize_warehouse(data_dir).success
    return data_dir / "warehouse.duckdb"


@pytest.fixture(scope="module")
def data(two_source_warehouse: Path) -> ReportData:
    con = open_warehouse(two_source_warehouse)
    try:
        return load_report_data(con)
    finally:
        con.close()


def test_headline_figures_are_totals_over_sources(data):
    assert data.sources == ["acme", "beta"]
    assert (data.snapshot.source, data.snapshot.latest_snapshot_at) == (
        "acme, beta",
        "2024-03-02T09:00:00Z",
    )
    # acme X succeeded, beta X failed, both Y running; transferring speeds 40 and 90
    assert (data.headline.tasks, data.headline.succeeded, data.headline.failed) == (4, 1, 1)
    assert (data.headline.success_rate, data.headline.median_throughput) == (0.5, 65.0)


def test_bar_labels_name_the_source(data):
    assert data.outcomes == [
        ("acme: running", 1),
        ("acme: success", 1),
        ("beta: failed", 1),
        ("beta: running", 1),
    ]
    assert data.phase_durations == [
        ("beta: MIGRATE_WINDOWS_FILE (WINDOWS / MIGRATE_FILE)", 10800.0, 10800.0, 10800.0),
        ("acme: MIGRATE_LINUX_BLOCK (LINUX / MIGRATE_BLOCK)", 8400.0, 8400.0, 8400.0),
        ("beta: ATTACH_AGENT_IMAGE (LINUX / MIGRATE_BLOCK)", 1800.0, 1800.0, 1800.0),
        ("acme: ATTACH_AGENT_IMAGE (LINUX / MIGRATE_BLOCK)", 1200.0, 1680.0, 1788.0),
        ("beta: ATTACH_AGENT_IMAGE (WINDOWS / MIGRATE_FILE)", 600.0, 600.0, 600.0),
    ]
    assert data.throughput == [
        ("acme: LINUX / MIGRATE_BLOCK", [40.0]),
        ("beta: LINUX / MIGRATE_BLOCK", [90.0]),
    ]
    assert data.failures_by_cause == [("beta: SMS.1806", 1)]
    assert data.failures_by_phase == [("beta: MIGRATE_WINDOWS_FILE", 1)]


def test_line_series_are_per_source(data):
    assert data.burndown == [
        ("acme", dt.date(2024, 3, 1), 2, 1, 0),
        ("beta", dt.date(2024, 3, 1), 2, 0, 1),
        ("beta", dt.date(2024, 3, 2), 2, 0, 1),
    ]
    # acme: 09:00-14:00 of d1 (6 hours); beta: d1 10:00 to d2 09:00 (24 hours)
    assert [row[0] for row in data.concurrency] == ["acme"] * 6 + ["beta"] * 24
    assert data.concurrency[:2] == [
        ("acme", dt.datetime(2024, 3, 1, 9, tzinfo=UTC), 2, 2, 100),
        ("acme", dt.datetime(2024, 3, 1, 10, tzinfo=UTC), 2, 2, 100),
    ]


def test_stalled_table_has_a_source_column(data):
    assert data.stalled_columns[:2] == ["source", "task_id"]
    assert data.stalled_rows == [
        ("acme", "Y", "task Y", "MIGRATE_LINUX_BLOCK", 75.0,
         dt.datetime(2024, 3, 1, 10, tzinfo=UTC), 3, 4.0),
    ]  # fmt: skip


def test_the_page_shows_each_sources_lines(two_source_warehouse, tmp_path):
    report = build_report(two_source_warehouse, tmp_path / "report")

    page = report.path.read_text("utf-8")
    for text in (
        "acme: created (cumulative)",
        "beta: failed (cumulative)",
        "acme: peak running",
        "beta: peak running",
        "limit (per source)",
        "<th>source</th>",
        "taken 2024-03-02T09:00:00Z, source acme, beta",
    ):
        assert text in page, text
