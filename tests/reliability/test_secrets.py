"""Canary secrets never leave the process: not in logs, Dagster storage, data or errors.

The simulator is configured with canary token, AK and SK; the whole graph runs under a
persistent ``DAGSTER_HOME`` (event log and run storage are SQLite files on disk) once
with AK/SK signing, once with the token, and twice failing (a wrong SK, a wrong token).
Then every byte the runs left — captured stdout/stderr, DAGSTER_HOME, the data dir
(raw landing, lake, warehouse, exports, report), materialisation metadata and the
failing runs' error text — is searched for every canary.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from pipelines.simulator import SimulatorConfig, SimulatorServer

from .pipeline_runs import run_refresh_job, step_failures
from .secret_scan import find_in_texts, find_secrets

CANARY_TOKEN = "canary-token-5f1d0c7e9b2a4d6f"
CANARY_AK = "CANARYAK5F1D0C7E9B2A"
CANARY_SK = "canary-sk-5f1d0c7e9b2a4d6f8e0c"
WRONG_SK = "canary-wrong-sk-0e8f6d4a2b9e7c0d"
WRONG_TOKEN = "canary-wrong-token-3c5a7e9f1b0d"
PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
CANARIES = (CANARY_TOKEN, CANARY_AK, CANARY_SK, WRONG_SK, WRONG_TOKEN)


@pytest.fixture
def canary_simulator() -> Iterator[SimulatorServer]:
    config = SimulatorConfig(
        tasks=300, seed=5, token=CANARY_TOKEN, ak=CANARY_AK, sk=CANARY_SK, project_id=PROJECT_ID
    )
    with SimulatorServer(config) as sim:
        yield sim


def test_no_canary_secret_appears_in_any_output(
    canary_simulator: SimulatorServer,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("")  # defaults: SQLite storage in this dir
    data_dir = tmp_path / "data"
    endpoint = {"SMS_ENDPOINT": canary_simulator.base_url, "SMS_DATA_DIR": str(data_dir)}
    signing = {"CLOUD_SDK_AK": CANARY_AK, "SMS_PROJECT_ID": PROJECT_ID}

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(dagster_home))
        with dg.DagsterInstance.get() as instance:
            runs = {
                "aksk": run_refresh_job(
                    {**endpoint, **signing, "CLOUD_SDK_SK": CANARY_SK}, instance
                ),
                "token": run_refresh_job({**endpoint, "SMS_AUTH_TOKEN": CANARY_TOKEN}, instance),
                "wrong_sk": run_refresh_job(
                    {**endpoint, **signing, "CLOUD_SDK_SK": WRONG_SK}, instance
                ),
                "wrong_token": run_refresh_job(
                    {**endpoint, "SMS_AUTH_TOKEN": WRONG_TOKEN}, instance
                ),
            }
            stored_runs = instance.get_runs()
    captured = capfd.readouterr()

    assert {name: run.success for name, run in runs.items()} == {
        "aksk": True,
        "token": True,
        "wrong_sk": False,
        "wrong_token": False,
    }
    assert len(stored_runs) == 4
    errors = step_failures(runs["wrong_sk"]) + step_failures(runs["wrong_token"])
    assert len(errors) == 2
    assert all("HTTP 401" in error and "APIGW.0301" in error for error in errors)
    metadata = [
        repr(event.step_materialization_data.materialization.metadata)
        for run in runs.values()
        for event in run.get_asset_materialization_events()
    ]
    assert metadata, "the successful runs materialised nothing"
    assert (data_dir / "warehouse.duckdb").is_file() and (data_dir / "exports").is_dir()
    assert any((data_dir / "lake" / "raw").rglob("*.zst")), "no raw pages were landed"

    assert find_in_texts([captured.out, captured.err, *errors, *metadata], CANARIES) == []
    assert find_secrets([dagster_home, data_dir], CANARIES) == []


def test_the_scanner_finds_a_canary_in_every_format_it_decodes(tmp_path: Path) -> None:
    """A scan that finds nothing proves something only if it can find things."""
    import gzip
    import zipfile

    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "page.json.gz").write_bytes(gzip.compress(CANARY_TOKEN.encode()))
    pq.write_table(pa.table({"v": [CANARY_AK] * 50}), tmp_path / "t.parquet", compression="zstd")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("CREATE TABLE t AS SELECT ? AS v FROM range(1000)", [CANARY_SK])
    with zipfile.ZipFile(tmp_path / "book.xlsx", "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("sheet.xml", WRONG_SK * 3)
    (tmp_path / "runs.db").write_bytes(b"\0" + WRONG_TOKEN.encode() + b"\0")

    found = find_secrets([tmp_path], CANARIES)

    assert sorted(line.rsplit(": ", 1)[1] for line in found) == sorted(CANARIES)


def test_the_scanner_reads_inside_zstd_raw_pages(tmp_path: Path) -> None:
    """Raw pages are zstd: a canary must not hide inside the compression."""
    import pyarrow as pa

    text = (("lorem ipsum dolor sit amet " * 40 + CANARY_TOKEN + " and more words ") * 30).encode()
    packed = pa.compress(text, codec="zstd", asbytes=True)
    assert CANARY_TOKEN.encode() not in packed  # only decoding can find it
    (tmp_path / "page-000001.json.zst").write_bytes(packed)

    found = find_secrets([tmp_path], CANARIES)

    assert [line.rsplit(": ", 1)[1] for line in found] == [CANARY_TOKEN]
