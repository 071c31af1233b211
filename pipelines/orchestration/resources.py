"""Dagster resources: where data lives. Credentials live in the SMS resource (ingest)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg


class DataStorage(dg.ConfigurableResource):
    """The data directory (``SMS_DATA_DIR``) and the well-known places inside it."""

    data_dir: str = "./data"

    @property
    def root(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()

    @property
    def lake_root(self) -> Path:
        return self.root / "lake"

    @property
    def warehouse_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def build_dir(self) -> Path:
        """Private scratch space for warehouse builds; never read by analysts."""
        return self.root / ".build"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def report_dir(self) -> Path:
        return self.root / "report"
