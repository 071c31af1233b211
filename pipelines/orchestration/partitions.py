"""Source partitions: one Dagster partition per entry of the sources file, in file order."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from pipelines.sources import SourceSpec


def source_partitions(sources: Sequence[SourceSpec]) -> dg.StaticPartitionsDefinition:
    return dg.StaticPartitionsDefinition([source.name for source in sources])
