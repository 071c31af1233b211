"""Run the refresh job in-process, for people who do not run Dagster (the CLI, `make demo`)."""

from __future__ import annotations

from collections.abc import Callable
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


def _first_error(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.error
            message = (error.message if error else "") or "step failed"
            return f"{event.step_key}: {message.strip().splitlines()[-1]}"
    return "the run failed"


def run_refresh(
    progress: Callable[[int, int], None] | None = None, log_level: str = "WARNING"
) -> RunSummary:
    """Materialise every asset in this process; never raises for a run that merely failed.

    Dagster's console log is kept at ``log_level`` so a terminal shows the progress bar
    and the summary, not one line per step event.
    """
    from pipelines.definitions import build_definitions

    job = build_definitions().resolve_job_def(REFRESH_JOB)
    token = PAGE_PROGRESS.set(progress)
    try:
        result = job.execute_in_process(
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )
    finally:
        PAGE_PROGRESS.reset(token)
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
