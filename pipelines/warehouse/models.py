"""SQL model discovery: each ``sql/<layer>/*.sql`` file is one model.

Everything the orchestrator needs is read from the file itself: the header comment
(grain, purpose, one line per output column) and the relations it reads, parsed with
sqlglot, so dependencies can never drift from the SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import sqlglot
from sqlglot import exp

LAYERS: dict[str, str] = {"staging": "view", "marts": "table"}
"""Model folder -> how its SELECT is materialised in the warehouse."""

LAKE_SCHEMA = "lake"

_HEADER_KEY = re.compile(r"^(?P<key>[A-Za-z]+):\s*(?P<value>.*)$")
_MODEL_NAME = re.compile(r"^(stg|mart)_[a-z0-9_]+$")
_COLUMN_LINE = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)\s*:\s*(?P<doc>.+)$")


class ModelError(ValueError):
    """A SQL model file that cannot be used (bad header, unparsable SQL)."""


@dataclass(frozen=True)
class SqlModel:
    """One SQL file: its name, layer, SELECT text and documentation."""

    name: str
    layer: str
    path: Path
    sql: str
    grain: str
    purpose: str
    columns: dict[str, str] = field(default_factory=dict)
    deps: tuple[dg.AssetKey, ...] = ()

    @property
    def materialization(self) -> str:
        return LAYERS[self.layer]

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey([self.name])

    @property
    def description(self) -> str:
        return f"{self.purpose}\n\nGrain: {self.grain}"


@dataclass(frozen=True)
class ModelHeader:
    grain: str
    purpose: str
    columns: dict[str, str]


def parse_header(sql: str, source: str = "<sql>") -> ModelHeader:
    """Read the leading ``--`` comment block.

    Format::

        -- Grain: one row per ...
        -- Purpose: why the model exists ...
        --   (indented lines continue the previous entry)
        -- Columns:
        --   column_name: what it holds (unit)
    """
    lines: list[str] = []
    for raw in sql.splitlines():
        stripped = raw.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            break
        lines.append(stripped[2:])

    entries: dict[str, str] = {}
    columns: dict[str, str] = {}
    current: dict[str, str] | None = None  # the dict holding the entry being continued
    current_name = ""
    in_columns = False
    for line in lines:
        text = line.strip()
        if not text:
            continue
        indent = len(line) - len(line.lstrip())
        if indent <= 1:
            key_match = _HEADER_KEY.match(text)
            if not key_match:
                raise ModelError(f"{source}: expected 'Key: value' in header, got {text!r}")
            current, current_name = entries, key_match["key"].lower()
            in_columns = current_name == "columns"
            entries[current_name] = key_match["value"].strip()
            continue
        column_match = _COLUMN_LINE.match(text) if in_columns and indent <= 3 else None
        if column_match:
            current, current_name = columns, column_match["name"]
            columns[current_name] = column_match["doc"].strip()
        elif current is None:
            raise ModelError(f"{source}: header text before any 'Key:' line: {text!r}")
        else:
            current[current_name] = f"{current[current_name]} {text}".strip()

    missing = [key for key in ("grain", "purpose") if not entries.get(key)]
    if missing:
        raise ModelError(f"{source}: header is missing {', '.join(missing)}")
    if not columns:
        raise ModelError(f"{source}: header documents no columns (expected a 'Columns:' block)")
    return ModelHeader(grain=entries["grain"], purpose=entries["purpose"], columns=columns)


def referenced_relations(sql: str, source: str = "<sql>") -> set[tuple[str | None, str]]:
    """``(schema, name)`` of every table the SELECT reads, CTE names excluded."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as error:
        raise ModelError(f"{source}: SQL does not parse: {error}") from None
    cte_names = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    refs: set[tuple[str | None, str]] = set()
    for table in tree.find_all(exp.Table):
        name = table.name
        if not name:  # table functions such as range(...)
            continue
        schema = table.db or None
        if schema is None and name.lower() in cte_names:
            continue
        refs.add((schema.lower() if schema else None, name.lower()))
    return refs


def dependency_keys(refs: set[tuple[str | None, str]]) -> tuple[dg.AssetKey, ...]:
    """``lake.<t>`` -> ``["lake", t]``; a model name -> ``[name]``."""
    keys = set()
    for schema, name in refs:
        if schema in (None, "main"):
            keys.add(dg.AssetKey([name]))
        elif schema == LAKE_SCHEMA:
            keys.add(dg.AssetKey([LAKE_SCHEMA, name]))
        else:
            raise ModelError(f"unknown schema {schema!r} in reference {schema}.{name}")
    return tuple(sorted(keys, key=lambda key: key.to_user_string()))


def load_model(path: Path, layer: str) -> SqlModel:
    """Parse one model file into a :class:`SqlModel`."""
    if not _MODEL_NAME.match(path.stem):
        raise ModelError(f"{path}: model file names must match {_MODEL_NAME.pattern}")
    sql = path.read_text(encoding="utf-8").strip().rstrip(";").strip()
    header = parse_header(sql, source=str(path))
    return SqlModel(
        name=path.stem,
        layer=layer,
        path=path,
        sql=sql,
        grain=header.grain,
        purpose=header.purpose,
        columns=header.columns,
        deps=dependency_keys(referenced_relations(sql, source=str(path))),
    )


def discover_models(sql_dir: Path) -> list[SqlModel]:
    """Every model under ``sql_dir/staging`` and ``sql_dir/marts``, sorted by name."""
    models: list[SqlModel] = []
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            models.append(load_model(path, layer))
    names = [model.name for model in models]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ModelError(f"model names must be unique across layers: {duplicates}")
    known = set(names)
    for model in models:
        for key in model.deps:
            if key == model.asset_key:
                raise ModelError(f"{model.path}: a model cannot read itself")
            if len(key.path) == 1 and key.path[0] not in known:
                raise ModelError(f"{model.path}: reads {key.path[0]!r}, which is not a model")
    return models
