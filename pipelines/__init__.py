"""SMS migration analytics: the Dagster ``Definitions`` are ``pipelines.defs``.

``defs`` is built on first access (PEP 562), so importing the client, the lake
or the simulator does not load Dagster and the whole graph; ``__dir__`` lists it
so ``dagster ... -m pipelines`` still finds it.

Importing the package makes the system allocator Arrow's default pool (unless
``ARROW_DEFAULT_MEMORY_POOL`` is set): see :mod:`pipelines.lake.allocator`.
"""

from __future__ import annotations

from typing import Any

from pipelines.lake.allocator import prefer_system_allocator

prefer_system_allocator()  # before any module of ours imports pyarrow

__all__ = ["defs"]


def __getattr__(name: str) -> Any:
    if name == "defs":
        from pipelines.definitions import defs

        return defs
    raise AttributeError(f"module 'pipelines' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "defs"])
