"""Tunable thresholds the SQL models read with ``getvariable(...)``."""

from __future__ import annotations

import dagster as dg
from pydantic import Field


class WarehouseVariables(dg.ConfigurableResource):
    """Thresholds for the marts; each becomes a DuckDB variable of the same name.

    Resource key ``warehouse_variables``. The SQL falls back to the same defaults
    when a variable is unset, so a model runs unchanged in an analyst's session.
    """

    stall_snapshots: int = Field(
        default=3, description="Stalled when progress is unchanged over this many snapshots."
    )
    stall_hours: float = Field(
        default=6.0, description="Stalled when progress is unchanged for this many hours."
    )
    concurrency_limit: int = Field(
        default=100, description="Migrations an account may run at once (SMS limit: 100)."
    )

    def sql_variables(self) -> dict[str, object]:
        """The variables to SET, validated with one clear message each."""
        if self.stall_snapshots < 2:
            raise ValueError(f"stall_snapshots must be at least 2, got {self.stall_snapshots}")
        if self.stall_hours <= 0:
            raise ValueError(f"stall_hours must be positive, got {self.stall_hours}")
        if self.concurrency_limit < 1:
            raise ValueError(f"concurrency_limit must be at least 1, got {self.concurrency_limit}")
        return {
            "stall_snapshots": int(self.stall_snapshots),
            "stall_hours": float(self.stall_hours),
            "concurrency_limit": int(self.concurrency_limit),
        }


def warehouse_variables_from_env(environ: dict[str, str] | None = None) -> WarehouseVariables:
    """``SMS_STALL_SNAPSHOTS`` / ``SMS_STALL_HOURS`` from the environment, when set."""
    import os

    environ = dict(os.environ) if environ is None else environ
    overrides: dict[str, object] = {}
    if environ.get("SMS_STALL_SNAPSHOTS"):
        overrides["stall_snapshots"] = dg.EnvVar.int("SMS_STALL_SNAPSHOTS")
    if environ.get("SMS_STALL_HOURS"):
        overrides["stall_hours"] = dg.EnvVar.float("SMS_STALL_HOURS")
    return WarehouseVariables(**overrides)
