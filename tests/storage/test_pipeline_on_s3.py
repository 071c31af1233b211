"""The whole graph with SMS_DATA_DIR=s3://...: same marts as on disk, published behind pointers.

One run on the bucket and one on a local directory read the same simulator (same seed, same
simulated clock); their marts must be equal row for row, apart from the random suffix of the
snapshot ids. Then the CLI follows the pointers, and no object, log line or Dagster record
holds the S3 secret key.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.delivery.cli import main
from pipelines.lake.readers import list_snapshots, read_table
from pipelines.orchestration.resources import DataStorage
from pipelines.runner import run_refresh
from pipelines.simulator import SimulatorConfig, SimulatorServer
from tests.reliability.secret_scan import decoded_bytes, find_in_texts

from .conftest import SECRET_KEY, Bucket

TASKS, SEED = 260, 9


def mart_rows(warehouse: Path, snapshot_ids: dict[str, str]) -> dict[str, list[tuple]]:
    """Every mart's rows, sorted, with snapshot ids replaced by their position in the run."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'mart_%'"
            ).fetchall()
        ]
        return {
            mart: sorted(
                tuple(snapshot_ids.get(v, v) if isinstance(v, str) else v for v in row)
                for row in con.execute(f"SELECT * FROM {mart}").fetchall()
            )
            for mart in marts
        }


@pytest.fixture
def simulated(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    monkeypatch.setenv("SMS_SIMULATOR_TASKS", str(TASKS))
    monkeypatch.setenv("SMS_SIMULATOR_SEED", str(SEED))
    with SimulatorServer(SimulatorConfig(tasks=TASKS, seed=SEED)) as sim:
        return set(sim.store.ids())


def test_a_refresh_on_s3_publishes_what_a_local_refresh_publishes(
    s3_env: Bucket,
    simulated: set[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
):
    on_s3 = run_refresh(log_level="INFO")
    assert on_s3.success, on_s3.error
    storage = DataStorage(data_dir=s3_env.data_dir)
    lake = storage.lake_root
    assert sorted(read_table(lake, "tasks").column("id").to_pylist()) == sorted(simulated)
    (s3_snapshot,) = list_snapshots(lake)

    pointers = {
        area: json.loads(s3_env.read(f"{area}/current.json"))
        for area in ("warehouse", "exports", "report")
    }
    assert pointers["warehouse"]["path"].startswith("warehouse/builds/")
    assert pointers["warehouse"]["path"] in s3_env.keys("warehouse")
    exported = s3_env.keys(pointers["exports"]["path"])
    manifest = json.loads(s3_env.read(f"{pointers['exports']['path']}/manifest.json"))
    assert sorted(
        f"{pointers['exports']['path']}/{f['path']}" for f in manifest["files"]
    ) == sorted(key for key in exported if not key.endswith("manifest.json"))
    assert manifest["snapshot_id"] == s3_snapshot.snapshot_id
    assert f"{pointers['report']['path']}/migration_report.html" in s3_env.keys("report")
    assert (
        on_s3.materialized["warehouse"]["path"]
        == f"{s3_env.data_dir}/{pointers['warehouse']['path']}"
    )
    assert (
        on_s3.materialized["exports"]["path"] == f"{s3_env.data_dir}/{pointers['exports']['path']}"
    )

    # The same run on a local directory: same marts.
    monkeypatch.setenv("SMS_DATA_DIR", str(tmp_path / "local"))
    local = run_refresh()
    assert local.success, local.error
    (local_snapshot,) = list_snapshots(tmp_path / "local" / "lake")
    assert local_snapshot.snapshot_at == s3_snapshot.snapshot_at
    s3_warehouse, origin = storage.current_warehouse()
    assert origin == f"{s3_env.data_dir}/{pointers['warehouse']['path']}"
    s3_marts = mart_rows(s3_warehouse, {s3_snapshot.snapshot_id: "snapshot-1"})
    local_marts = mart_rows(
        tmp_path / "local" / "warehouse.duckdb", {local_snapshot.snapshot_id: "snapshot-1"}
    )
    assert len(s3_marts) >= 10 and s3_marts == local_marts
    with duckdb.connect(str(s3_warehouse), read_only=True) as con:
        mart_ids = {
            row[0] for row in con.execute("SELECT task_id FROM mart_task_durations").fetchall()
        }
    assert mart_ids == simulated

    # The CLI follows the pointers (a fresh cache: it downloads the current warehouse).
    monkeypatch.setenv("SMS_DATA_DIR", s3_env.data_dir)
    monkeypatch.setenv("SMS_CACHE_DIR", str(tmp_path / "analyst-cache"))
    capfd.readouterr()
    assert main(["sql", "--csv", "SELECT count(*) AS n FROM stg_tasks"]) == 0
    out, err = capfd.readouterr()
    assert out == f"n\n{TASKS}\n"
    assert err.startswith(f"warehouse {origin} (local copy {tmp_path / 'analyst-cache'}")
    assert main(["paths"]) == 0
    out, _ = capfd.readouterr()
    assert out.splitlines() == [
        f"data       {s3_env.data_dir}",
        f"warehouse  {s3_env.data_dir}/{pointers['warehouse']['path']}",
        f"exports    {s3_env.data_dir}/{pointers['exports']['path']}",
        f"report     {s3_env.data_dir}/{pointers['report']['path']}/migration_report.html",
    ]
    assert main(["report"]) == 0
    out, _ = capfd.readouterr()
    report = Path(out.strip())
    assert report.is_file() and report.read_bytes() == s3_env.read(
        f"{pointers['report']['path']}/migration_report.html"
    )

    # No secret anywhere: bucket objects, local caches, Dagster's run storage, logs, metadata.
    captured = capfd.readouterr()
    with dg.DagsterInstance.get() as instance:
        records = [repr(run) for run in instance.get_runs()]
    roots = [
        s3_env.download_all(tmp_path / "bucket"),
        Path(s3_env.env["SMS_CACHE_DIR"]),
        tmp_path / "analyst-cache",
        tmp_path / "dagster_home",
    ]
    assert files_holding(roots, SECRET_KEY) == []
    texts = [captured.out, captured.err, *records, repr(on_s3.materialized)]
    assert find_in_texts(texts, [SECRET_KEY]) == []


def files_holding(roots: list[Path], secret: str) -> list[str]:
    """Files whose decoded content holds ``secret`` (a warehouse: its SQL and its tables).

    Views of a warehouse built on s3 read the lake there; opened without our filesystem
    DuckDB would try to download httpfs, so warehouses are read table by table instead
    (the lake files the views read are scanned as bucket objects).
    """
    found = []
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            content = warehouse_text(path) if path.suffix == ".duckdb" else decoded_bytes(path)
            if secret.encode() in content:
                found.append(str(path))
    return found


def warehouse_text(path: Path) -> bytes:
    with duckdb.connect(str(path), read_only=True) as con:
        parts = [repr(con.execute("SELECT sql FROM duckdb_views()").fetchall())]
        for schema, name in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables()"
        ).fetchall():
            parts.append(repr(con.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall()))
    return path.read_bytes() + "\n".join(parts).encode("utf-8", "backslashreplace")
