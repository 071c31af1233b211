"""SMS migration analytics. ``defs`` (the Dagster Definitions) is built on first access,
so importing a subpackage (the simulator, the client) does not load the whole graph."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "defs":
        from pipelines.definitions import defs

        return defs
    raise AttributeError(name)
