"""`sms-analytics reflatten` rebuilds a snapshot from its raw pages, without the API."""

from __future__ import annotations

from pipelines.delivery.cli import main
from pipelines.ingest import ingest_snapshot
from pipelines.lake.store import read_table
from pipelines.settings import SourceSettings
from pipelines.simulator import DEMO_TOKEN, SimulatorConfig, SimulatorServer


def test_reflatten_rebuilds_identical_tables_after_the_api_is_gone(clean_env, tmp_path, capsys):
    lake = tmp_path / "data" / "lake"
    with SimulatorServer(SimulatorConfig(tasks=140, seed=9)) as sim:
        settings = SourceSettings(endpoint=sim.base_url, token=DEMO_TOKEN, page_size=40)
        outcome = ingest_snapshot(settings, lake)
    before = {t: read_table(lake, t) for t in ("tasks", "sub_tasks", "special_configs")}

    assert main(["reflatten", outcome.snapshot_id]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"re-flattened {outcome.snapshot_id} from its raw pages: ")
    assert "tasks 140" in out
    for table, rows in before.items():
        assert read_table(lake, table).equals(rows), table


def test_reflatten_of_an_unknown_snapshot_is_one_line(clean_env, capsys):
    assert main(["reflatten", "20260101T000000Z-abcdef"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "sms-analytics reflatten: snapshot 20260101T000000Z-abcdef is not committed; "
        "nothing to reflatten\n"
    )
