"""``sms-analytics``: query the warehouse, find the report, show where data lives.

One function per subcommand, registered in :data:`COMMANDS`; adding a command is
adding a ``(configure, handler)`` pair. A user mistake (no warehouse yet, bad SQL,
a write statement) is one line on stderr and exit code 2, never a traceback.
With ``SMS_DATA_DIR=s3://...`` the commands follow the ``current.json`` pointers: the
current warehouse (or report) is downloaded once per version into the local cache and
opened from there; stderr says where it came from.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import sys
import webbrowser
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import duckdb
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.delivery.cell_values import csv_cell
from pipelines.delivery.warehouse_access import WarehouseUnavailableError, open_warehouse
from pipelines.orchestration.resources import DataStorage
from pipelines.settings import SettingsError
from pipelines.storage.duckdb_fs import register_filesystem
from pipelines.storage.published import NothingPublished

EXIT_OK = 0
EXIT_USAGE = 2
DEFAULT_DATA_DIR = "./data"
# Statement types `sql` runs; everything else (CREATE, COPY, ATTACH, SET, ...) is refused.
READ_ONLY_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


class CliError(Exception):
    """A user-facing failure: printed as one line on stderr, exit code 2."""


def data_dir() -> str:
    """The data directory: ``$SMS_DATA_DIR`` (a path or ``s3://bucket/prefix``), else ``./data``."""
    return os.environ.get("SMS_DATA_DIR") or DEFAULT_DATA_DIR


def storage() -> DataStorage:
    """The data directory, checked: a malformed location is a CliError."""
    where = DataStorage(data_dir=data_dir())
    try:
        where.location  # noqa: B018 - parse now, fail with one line
    except SettingsError as exc:
        raise CliError(f"bad settings: {exc}") from None
    return where


@contextlib.contextmanager
def remote_errors() -> Iterator[None]:
    """Object-storage failures (no bucket, access denied, unreachable) as one CliError line."""
    try:
        yield
    except SettingsError as exc:
        raise CliError(f"bad settings: {exc}") from None
    except NothingPublished as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"object storage: {_first_line(exc)}") from None


def current_warehouse() -> duckdb.DuckDBPyConnection:
    """The published warehouse, read-only (a local copy of the current version on s3)."""
    where = storage()
    with remote_errors():
        path, origin = where.current_warehouse()
    try:
        con = open_warehouse(path)
    except WarehouseUnavailableError as exc:
        raise CliError(str(exc)) from None
    if where.is_remote:
        register_filesystem(con, where.remote.fs)  # staging views read the lake on s3
        print(f"warehouse {origin} (local copy {path})", file=sys.stderr)
    return con


# --- sql ------------------------------------------------------------------------------


def configure_sql(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="one SELECT (or EXPLAIN) statement")
    parser.add_argument("--csv", action="store_true", help="print CSV instead of a table")


def _single_read_statement(con: duckdb.DuckDBPyConnection, query: str) -> str:
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as exc:
        raise CliError(_first_line(exc)) from None
    if len(statements) != 1:
        raise CliError(f"give exactly one statement (got {len(statements)})")
    statement = statements[0]
    if statement.type not in READ_ONLY_STATEMENTS:
        raise CliError(
            f"only SELECT is allowed on the read-only warehouse (got {statement.type.name})"
        )
    return statement.query


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _print_table(columns: list[str], rows: list[tuple[object, ...]]) -> None:
    # Text() everywhere: data such as "[bold]" must print as-is, not as rich markup.
    table = Table()
    for column in columns:
        table.add_column(Text(column))
    for row in rows:
        table.add_row(
            *(Text("NULL" if v is None else csv_cell(v, neutralise_formulas=False)) for v in row)
        )
    console = Console(width=max(Console().width, 120))
    console.print(table)
    console.print(Text(f"{len(rows)} row{'s' if len(rows) != 1 else ''}", style="dim"))


def _print_csv(columns: list[str], rows: list[tuple[object, ...]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([csv_cell(v, neutralise_formulas=False) for v in row] for row in rows)


def run_sql(args: argparse.Namespace) -> int:
    con = current_warehouse()
    try:
        query = _single_read_statement(con, args.query)
        try:
            cursor = con.execute(query)
            columns = [c[0] for c in cursor.description]
            rows = cursor.fetchall()
        except duckdb.Error as exc:
            raise CliError(_first_line(exc)) from None
    finally:
        con.close()
    (_print_csv if args.csv else _print_table)(columns, rows)
    return EXIT_OK


# --- report ---------------------------------------------------------------------------


def configure_report(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--open", action="store_true", help="open it in the default browser")


def run_report(args: argparse.Namespace) -> int:
    from pipelines.delivery.report import REPORT_NAME  # lazy: matplotlib costs ~1 s

    where = storage()
    if where.is_remote:
        with remote_errors():
            local, pointer = where.published("report").cached_tree()
        path = local / REPORT_NAME
        print(
            f"report {where.remote.url(pointer.path)}/{REPORT_NAME} (local copy)", file=sys.stderr
        )
    else:
        path = (where.report_dir / REPORT_NAME).resolve()
    if not path.is_file():
        raise CliError(f"no report at {path} yet: run `sms-analytics run` first")
    print(path)
    if args.open:
        webbrowser.open(path.as_uri())
    return EXIT_OK


# --- paths ----------------------------------------------------------------------------


def configure_nothing(parser: argparse.ArgumentParser) -> None:
    """For commands without options."""


def run_paths(args: argparse.Namespace) -> int:
    from pipelines.delivery.report import REPORT_NAME  # lazy: matplotlib costs ~1 s

    for label, path in data_paths(storage(), REPORT_NAME):
        print(f"{label:<10} {path}")
    return EXIT_OK


def data_paths(where: DataStorage, report_name: str) -> list[tuple[str, str]]:
    """Where data, warehouse, exports and report are: paths, or the URLs pointers name."""
    if not where.is_remote:
        return [
            ("data", str(where.root)),
            ("warehouse", str(where.warehouse_path)),
            ("exports", str(where.exports_dir)),
            ("report", str(where.report_dir / report_name)),
        ]
    with remote_errors():
        remote = where.remote
        rows = [("data", remote.url())]
        for label, area, leaf in (
            ("warehouse", "warehouse", ""),
            ("exports", "exports", ""),
            ("report", "report", f"/{report_name}"),
        ):
            pointer = where.published(area).current()
            rows.append(
                (label, remote.url(pointer.path) + leaf if pointer else "(not published yet)")
            )
    return rows


# --- reflatten ------------------------------------------------------------------------


def configure_reflatten(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("snapshot_id", help="a committed snapshot, e.g. 20260105T000000Z-8d5c31")


def run_reflatten(args: argparse.Namespace) -> int:
    """Rebuild one snapshot's tables from its raw pages, e.g. after a schema upgrade."""
    from pipelines.lake.errors import LakeError
    from pipelines.lake.store import reflatten

    where = storage()
    if where.is_remote:
        raise CliError("reflatten works on a local data directory; SMS_DATA_DIR is on s3")
    try:
        info = reflatten(where.lake_root, args.snapshot_id)
    except LakeError as exc:
        raise CliError(_first_line(exc)) from None
    rows = ", ".join(f"{table} {count}" for table, count in sorted(info.rows.items()))
    print(f"re-flattened {info.snapshot_id} from its raw pages: {rows}")
    return EXIT_OK


# --- run / demo ------------------------------------------------------------------------


def configure_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source",
        action="append",
        dest="sources",
        metavar="NAME",
        help="with SMS_SOURCES: ingest only this source (repeatable); default every source",
    )


def run_pipeline(args: argparse.Namespace) -> int:
    from pipelines.delivery.run_command import run_command  # lazy: loads dagster

    return run_command(args)


def run_demo(args: argparse.Namespace) -> int:
    from pipelines.delivery.run_command import demo_command  # lazy: loads dagster

    return demo_command(args)


# --- wiring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {
    "sql": Command("run a read-only SQL query on the warehouse", configure_sql, run_sql),
    "report": Command("print the HTML report's path", configure_report, run_report),
    "paths": Command("print where the data lives", configure_nothing, run_paths),
    "reflatten": Command(
        "rebuild a snapshot's tables from its raw pages (no API call)",
        configure_reflatten,
        run_reflatten,
    ),
    "run": Command(
        "ingest every task, build the warehouse, exports and report",
        configure_run,
        run_pipeline,
    ),
    "demo": Command("`run` on the built-in simulator", configure_nothing, run_demo),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sms-analytics",
        description="Huawei Cloud SMS migration analytics. Data dir: $SMS_DATA_DIR (./data).",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        sub = subparsers.add_parser(name, help=command.help, description=command.help)
        command.configure(sub)
        sub.set_defaults(handler=command.handler)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CliError as exc:
        print(f"sms-analytics {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `sms-analytics sql ... | head`
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
