"""Read-only access to the published DuckDB warehouse, shared by exports, report and CLI.

Delivery never writes to the warehouse: every reader opens it read-only (so a
concurrent swap or a stray statement cannot damage it) with the session time zone
pinned to UTC, so timestamps look the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


class WarehouseUnavailableError(RuntimeError):
    """The warehouse file is missing or cannot be opened; the message says which."""


@dataclass(frozen=True)
class SnapshotInfo:
    """Which lake snapshot(s) the warehouse was built from."""

    snapshot_ids: tuple[str, ...]
    latest_snapshot_at: str | None
    source: str | None  # several sources: their names, sorted and comma-separated
    is_simulated: bool | None
    found_in: str | None  # relation the facts were read from; None when there was none


# Relations the warehouse build may expose snapshot facts under, most specific first.
SNAPSHOT_RELATIONS = ("stg_snapshots", "snapshots")


def quote_identifier(name: str) -> str:
    """``name`` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """Open ``path`` read-only (file access stays on: staging views read lake Parquet)."""
    if not path.is_file():
        raise WarehouseUnavailableError(
            f"no warehouse at {path}: build it first (sms-analytics run)"
        )
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseUnavailableError(f"cannot open warehouse {path}: {exc}") from exc
    con.execute("SET TimeZone = 'UTC'")
    return con


def relation_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every table/view in the warehouse as ``name -> qualified name`` (main schema wins)."""
    rows = con.execute(
        """
        SELECT table_schema, table_name
        FROM information_schema.tables
        WHERE table_catalog = current_database()
        ORDER BY table_schema <> 'main', table_schema, table_name
        """
    ).fetchall()
    names: dict[str, str] = {}
    for schema, name in rows:
        qualified = quote_identifier(name)
        if schema != "main":
            qualified = f"{quote_identifier(schema)}.{qualified}"
        names.setdefault(name, qualified)
    return names


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the ``mart_*`` relations in the main schema, sorted."""
    rows = con.execute(
        r"""
        SELECT table_name FROM information_schema.tables
        WHERE table_catalog = current_database() AND table_schema = 'main'
          AND table_name LIKE 'mart\_%' ESCAPE '\'
        ORDER BY table_name
        """
    ).fetchall()
    return [name for (name,) in rows]


def read_snapshot_info(con: duckdb.DuckDBPyConnection) -> SnapshotInfo:
    """Snapshot facts from the first snapshot relation present; all-None when there is none.

    Exports and the report must work on warehouses built before snapshot facts were
    modelled, so a missing relation or column degrades to "unknown" instead of failing.
    """
    names = relation_names(con)
    for candidate in SNAPSHOT_RELATIONS:
        if candidate not in names:
            continue
        relation = names[candidate]
        columns = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
        if not {"snapshot_id", "snapshot_at"} <= columns:
            continue
        source = "source" if "source" in columns else "NULL"
        simulated = "is_simulated" if "is_simulated" in columns else "NULL"
        rows = con.execute(
            f"""
            SELECT snapshot_id, strftime(snapshot_at, '%Y-%m-%dT%H:%M:%SZ'),
                   {source}::VARCHAR, {simulated}::BOOLEAN
            FROM {relation} ORDER BY snapshot_at, snapshot_id
            """
        ).fetchall()
        if not rows:
            return SnapshotInfo((), None, None, None, candidate)
        latest = rows[-1]
        sources = sorted({row[2] for row in rows if row[2] is not None})
        return SnapshotInfo(
            snapshot_ids=tuple(row[0] for row in rows),
            latest_snapshot_at=latest[1],
            source=", ".join(sources) if len(sources) > 1 else latest[2],
            is_simulated=any(bool(row[3]) for row in rows) if latest[3] is not None else None,
            found_in=candidate,
        )
    return SnapshotInfo((), None, None, None, None)
