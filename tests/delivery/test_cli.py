"""`sms-analytics` CLI: exact query output, CSV mode, one-line errors with exit code 2."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.delivery.cli import COMMANDS, main

from .conftest import HOSTILE_NAMES

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(sample_warehouse, monkeypatch) -> Path:
    monkeypatch.setenv("SMS_DATA_DIR", str(sample_warehouse.parent))
    return sample_warehouse.parent


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_sql_csv_prints_exact_rows(data_dir, capsys):
    code, out, err = run(
        capsys,
        "sql",
        "SELECT task_id, task_name, total_time_s, created_at FROM mart_task_durations "
        "WHERE task_id IN ('t1', 't3', 't4') ORDER BY task_id",
        "--csv",
    )

    assert (code, err) == (0, "")
    assert list(csv.reader(io.StringIO(out))) == [
        ["task_id", "task_name", "total_time_s", "created_at"],
        ["t1", "web-01, prod", "3600.0", "2025-02-27T08:00:00Z"],
        ["t3", HOSTILE_NAMES["t3"], "1800.0", "2025-02-28T10:00:00Z"],
        ["t4", HOSTILE_NAMES["t4"], "", "2025-02-28T11:00:00Z"],
    ]


def test_sql_prints_a_table_with_the_values_verbatim(data_dir, capsys):
    code, out, err = run(
        capsys,
        "sql",
        "SELECT task_id, task_name, '[bold]x' AS markup FROM mart_task_durations "
        "WHERE task_id IN ('t2', 't5') ORDER BY task_id",
    )

    assert (code, err) == (0, "")
    lines = out.splitlines()
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    assert cells == [
        ["t2", HOSTILE_NAMES["t2"], "[bold]x"],
        ["t5", HOSTILE_NAMES["t5"], "[bold]x"],
    ]
    assert lines[-1] == "2 rows"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELEC 1", 'sms-analytics sql: Parser Error: syntax error at or near "SELEC"'),
        (
            "SELECT * FROM nope",
            "sms-analytics sql: Catalog Error: Table with name nope does not exist!",
        ),
        (
            "DROP TABLE mart_outcomes",
            "sms-analytics sql: only SELECT is allowed on the read-only warehouse (got DROP)",
        ),
        (
            "COPY mart_outcomes TO '/tmp/leak.csv'",
            "sms-analytics sql: only SELECT is allowed on the read-only warehouse (got COPY)",
        ),
        ("SELECT 1; SELECT 2", "sms-analytics sql: give exactly one statement (got 2)"),
    ],
)
def test_sql_errors_are_one_line_and_exit_2(data_dir, capsys, query, message):
    code, out, err = run(capsys, "sql", query)

    assert (code, out) == (2, "")
    assert err == message + "\n"


def test_missing_warehouse_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SMS_DATA_DIR", str(tmp_path / "nothing"))

    code, out, err = run(capsys, "sql", "SELECT 1")

    assert (code, out) == (2, "")
    assert err == (
        f"sms-analytics sql: no warehouse at {tmp_path / 'nothing' / 'warehouse.duckdb'}: "
        "build it first (sms-analytics run)\n"
    )


def test_the_installed_script_exits_2_without_a_traceback(tmp_path):
    env = {"SMS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    script = Path(sys.executable).parent / "sms-analytics"

    done = subprocess.run(
        [str(script), "sql", "SELECT 1"], capture_output=True, text=True, env=env, timeout=60
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_paths_prints_every_location(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SMS_DATA_DIR", str(tmp_path))

    code, out, _ = run(capsys, "paths")

    assert code == 0
    assert out.splitlines() == [
        f"data       {tmp_path}",
        f"warehouse  {tmp_path / 'warehouse.duckdb'}",
        f"exports    {tmp_path / 'exports'}",
        f"report     {tmp_path / 'report' / 'migration_report.html'}",
    ]


def test_report_prints_its_path_once_built(data_dir, capsys):
    from pipelines.delivery.report import build_report

    code, _, err = run(capsys, "report")
    assert code == 2
    assert err.startswith("sms-analytics report: no report at ")

    build_report(data_dir / "warehouse.duckdb", data_dir / "report")
    code, out, _ = run(capsys, "report")
    assert (code, out) == (0, f"{data_dir / 'report' / 'migration_report.html'}\n")


def test_cli_offers_exactly_these_commands():
    assert set(COMMANDS) == {"sql", "report", "paths", "reflatten", "run", "demo"}
