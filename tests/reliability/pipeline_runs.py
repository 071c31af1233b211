"""Run the whole refresh graph (Dagster, in-process) with a given environment.

Tests set the environment the way an operator would (SMS_ENDPOINT, SMS_DATA_DIR, ...):
the resources read it through ``EnvVar`` at run time, so it stays set for the run.
Retries are disabled through run config so a failing run fails now, not after the
ingest asset's production retry delays.
"""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg
import pytest

from pipelines.defs.sms_source import SOURCE_VARS

REFRESH_JOB = "sms_refresh_job"
NO_RETRIES = {"execution": {"config": {"retries": {"disabled": {}}}}}
#: Everything the pipeline reads from the environment; cleared before each run.
PIPELINE_VARS = (*SOURCE_VARS, "SMS_DATA_DIR", "SMS_SCHEDULE_CRON")


def run_refresh_job(
    env: Mapping[str, str], instance: dg.DagsterInstance | None = None
) -> dg.ExecuteInProcessResult:
    """Execute ``sms_refresh_job`` with exactly ``env`` as the pipeline's environment."""
    from pipelines.definitions import build_definitions

    with pytest.MonkeyPatch.context() as patch:
        for name in PIPELINE_VARS:
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        job = build_definitions().get_job_def(REFRESH_JOB)
        return job.execute_in_process(
            run_config=NO_RETRIES, instance=instance, raise_on_error=False
        )


def step_failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """``step_key: message`` of every failed step, in event order."""
    failures = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.error
            failures.append(f"{event.step_key}: {error.message.strip() if error else ''}")
    return failures
