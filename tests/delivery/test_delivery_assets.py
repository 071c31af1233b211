"""The Dagster assets `exports` and `migration_report`, materialised for real."""

from __future__ import annotations

import dagster as dg

from pipelines.delivery.assets import EXPORTS_KEY, REPORT_KEY, exports, migration_report
from pipelines.orchestration.resources import DataStorage


def test_assets_materialise_with_row_count_and_headline(sample_warehouse):
    storage = DataStorage(data_dir=str(sample_warehouse.parent))

    result = dg.materialize([exports, migration_report], resources={"storage": storage})

    assert result.success
    exported = result.asset_materializations_for_node("exports")[0].metadata
    assert exported["dagster/row_count"].value == 35
    assert exported["files"].value == 19  # 9 marts x (csv + parquet) + the workbook
    assert exported["is_simulated"].value is True
    assert "| `csv/mart_task_durations.csv` | csv | 8 |" in exported["preview"].value
    report = result.asset_materializations_for_node("migration_report")[0].metadata
    assert report["path"].value == str(storage.report_dir / "migration_report.html")
    assert len(report["charts"].value) == 7
    assert "| Success rate | 60.0% |" in report["headline"].value
    assert (storage.exports_dir / "manifest.json").is_file()


def test_exports_config_turns_neutralisation_off(sample_warehouse):
    storage = DataStorage(data_dir=str(sample_warehouse.parent))

    result = dg.materialize(
        [exports],
        resources={"storage": storage},
        run_config={"ops": {"exports": {"config": {"neutralise_formulas": False}}}},
    )

    assert result.success
    text = (storage.exports_dir / "csv" / "mart_task_durations.csv").read_text("utf-8")
    assert '"=HYPERLINK(""http://evil.example"",""click"")"' in text


def test_assets_depend_on_the_warehouse():
    assert exports.asset_deps[EXPORTS_KEY] == {dg.AssetKey(["warehouse"])}
    assert migration_report.asset_deps[REPORT_KEY] == {dg.AssetKey(["warehouse"])}
