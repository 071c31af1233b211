"""Run the refresh job in this process, for people who do not run Dagster (the CLI, `make demo`).

``execute_job`` rather than ``execute_in_process``: only it honours ``retries: disabled``,
so an interactive run that cannot succeed fails now, with the API's own message, instead
of after the asset's scheduled-run retry delays.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import dagster as dg

from pipelines.ingest import PAGE_PROGRESS

REFRESH_JOB = "sms_refresh_job"


@dataclass
class RunSummary:
    success: bool
    error: str | None = None
    materialized: dict[str, dict] = field(default_factory=dict)
    failed_checks: list[str] = field(default_factory=list)


def refresh_job() -> dg.JobDefinition:
    """The job as the code location defines it (module level, so it is reconstructable)."""
    from pipelines.definitions import build_definitions

    return build_definitions().resolve_job_def(REFRESH_JOB)


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


def run_refresh(
    progress: Callable[[int, int], None] | None = None, log_level: str = "WARNING"
) -> RunSummary:
    """Materialise every asset in this process; never raises for a run that merely failed.

    Dagster's console log is kept at ``log_level`` so a terminal shows the progress bar
    and the summary, not one line per step event.
    """
    job = dg.reconstructable(refresh_job)
    # The job reads the environment when built; rebuild it for every run.
    type(job).get_definition.cache_clear()
    type(job).get_repository_definition.cache_clear()
    run_config = {
        "execution": {"config": {"retries": {"disabled": {}}}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }
    token = PAGE_PROGRESS.set(progress)
    try:
        with _instance() as instance:
            result = dg.execute_job(job, instance, run_config=run_config, raise_on_error=False)
            summary = _summarise(result)
    finally:
        PAGE_PROGRESS.reset(token)
    return summary


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
