"""Run the jobs in this process, for people who do not run Dagster (the CLI, `make demo`).

``execute_job`` rather than ``execute_in_process``: only it honours ``retries: disabled``,
so an interactive run that cannot succeed fails now, with the API's own message, instead
of after the asset's scheduled-run retry delays.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import dagster as dg

from pipelines.ingest import PAGE_PROGRESS, ProgressCallback

REFRESH_JOB = "sms_refresh_job"
INGEST_JOB = "sms_ingest_job"
WAREHOUSE_JOB = "sms_warehouse_job"
PARTITION_TAG = "dagster/partition"


@dataclass
class RunSummary:
    success: bool
    error: str | None = None
    materialized: dict[str, dict] = field(default_factory=dict)
    failed_checks: list[str] = field(default_factory=list)


@dataclass
class SourcesRunSummary:
    """A many-sources run: one ingest run per source, then one warehouse run (or none)."""

    sources: dict[str, RunSummary]
    warehouse: RunSummary | None

    @property
    def failed_sources(self) -> list[str]:
        return [name for name, summary in self.sources.items() if not summary.success]

    @property
    def success(self) -> bool:
        built = self.warehouse is not None and self.warehouse.success
        return built and not self.failed_sources


def _job(name: str) -> dg.JobDefinition:
    from pipelines.definitions import build_definitions

    return build_definitions().resolve_job_def(name)


# The jobs as the code location defines them (module level, so they are reconstructable).
def refresh_job() -> dg.JobDefinition:
    return _job(REFRESH_JOB)


def ingest_job() -> dg.JobDefinition:
    return _job(INGEST_JOB)


def warehouse_job() -> dg.JobDefinition:
    return _job(WAREHOUSE_JOB)


def innermost_message(error: dg.SerializableErrorInfo | None) -> str:
    """The root cause's message: a retry wrapper says less than the API error it wraps."""
    message = "step failed"
    while error is not None:
        message = error.message.strip() or message
        error = error.cause
    return message.splitlines()[-1]


def _first_error(result: dg.ExecuteJobResult) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            return f"{event.step_key}: {innermost_message(event.step_failure_data.error)}"
    return "the run failed"


@contextlib.contextmanager
def _instance() -> Iterator[dg.DagsterInstance]:
    """``$DAGSTER_HOME``'s instance when set (runs show up in `dagster dev`), else a throwaway."""
    if os.environ.get("DAGSTER_HOME"):
        with dg.DagsterInstance.get() as instance:
            yield instance
    else:
        with dg.DagsterInstance.ephemeral() as instance:
            yield instance


def _execute(
    job_fn: Callable[[], dg.JobDefinition],
    instance: dg.DagsterInstance,
    *,
    log_level: str,
    progress: ProgressCallback | None = None,
    partition: str | None = None,
) -> RunSummary:
    """Execute one job in this process without Dagster retries; never raises for a failed run."""
    job = dg.reconstructable(job_fn)
    # The job reads the environment when built; rebuild it for every run.
    type(job).get_definition.cache_clear()
    type(job).get_repository_definition.cache_clear()
    run_config = {
        "execution": {"config": {"retries": {"disabled": {}}}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }
    tags = {PARTITION_TAG: partition} if partition else None
    token = PAGE_PROGRESS.set(progress)
    try:
        result = dg.execute_job(
            job, instance, run_config=run_config, tags=tags, raise_on_error=False
        )
        return _summarise(result)
    finally:
        PAGE_PROGRESS.reset(token)


def run_refresh(progress: ProgressCallback | None = None, log_level: str = "WARNING") -> RunSummary:
    """Materialise every asset in this process; never raises for a run that merely failed.

    Dagster's console log is kept at ``log_level`` so a terminal shows the progress bar
    and the summary, not one line per step event.
    """
    with _instance() as instance:
        return _execute(refresh_job, instance, log_level=log_level, progress=progress)


def run_sources(
    names: Sequence[str],
    progress_for: Callable[[str], ProgressCallback | None] | None = None,
    log_level: str = "WARNING",
) -> SourcesRunSummary:
    """Ingest each source (one partition run of ``sms_ingest_job`` each), then build once.

    A source that fails is recorded and the others still run; the warehouse is built when
    at least one source landed, from every source's committed snapshots.
    """
    with _instance() as instance:
        sources = {
            name: _execute(
                ingest_job,
                instance,
                log_level=log_level,
                progress=progress_for(name) if progress_for else None,
                partition=name,
            )
            for name in names
        }
        landed = any(summary.success for summary in sources.values())
        warehouse = _execute(warehouse_job, instance, log_level=log_level) if landed else None
    return SourcesRunSummary(sources=sources, warehouse=warehouse)


def _summarise(result: dg.ExecuteJobResult) -> RunSummary:
    summary = RunSummary(success=result.success)
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if mat is not None:
            summary.materialized[mat.asset_key.to_user_string()] = {
                key: getattr(value, "value", value) for key, value in mat.metadata.items()
            }
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            summary.failed_checks.append(
                f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            )
    if not result.success:
        summary.error = _first_error(result)
    return summary
