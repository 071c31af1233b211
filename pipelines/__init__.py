"""SMS migration analytics: the Dagster ``Definitions`` are ``pipelines.defs``."""

from pipelines.definitions import defs

__all__ = ["defs"]
