"""Run the whole refresh graph (Dagster, in this process) with a given environment.

Tests set the environment the way an operator would (SMS_ENDPOINT, SMS_DATA_DIR, ...):
the resources read it through ``EnvVar`` at run time, so it stays set for the run.

``execute_job`` with the job's own in-process executor is used rather than
``execute_in_process``, because only the former honours ``retries: disabled`` run
config: a failing ingest then fails now instead of after the asset's production
retry delays (30 s, then 60 s). The failure's own text is in the error's causes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

import dagster as dg
import pytest

from pipelines.orchestration.sms_source import SOURCE_VARS
from pipelines.runner import refresh_job

NO_RETRIES = {"execution": {"config": {"retries": {"disabled": {}}}}}
#: Everything the pipeline reads from the environment; cleared before each run.
PIPELINE_VARS = (*SOURCE_VARS, "SMS_DATA_DIR", "SMS_SCHEDULE_CRON")


@contextlib.contextmanager
def _instance(instance: dg.DagsterInstance | None) -> Iterator[dg.DagsterInstance]:
    if instance is not None:
        yield instance
        return
    with dg.instance_for_test() as temporary:
        yield temporary


def run_refresh_job(
    env: Mapping[str, str], instance: dg.DagsterInstance | None = None
) -> dg.ExecuteJobResult:
    """Execute ``sms_refresh_job`` with exactly ``env`` as the pipeline's environment."""
    with pytest.MonkeyPatch.context() as patch, _instance(instance) as run_instance:
        for name in PIPELINE_VARS:
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        job = dg.reconstructable(refresh_job)
        # Dagster keeps the last reconstructed job; rebuild it so it reads this environment.
        type(job).get_definition.cache_clear()
        type(job).get_repository_definition.cache_clear()
        return dg.execute_job(
            job,
            run_instance,
            run_config=NO_RETRIES,
            raise_on_error=False,
        )


def _messages(error: dg.SerializableErrorInfo | None) -> list[str]:
    """The error's message and those of its causes, outermost first."""
    messages = []
    while error is not None:
        messages.append(error.message.strip())
        error = error.cause
    return messages


def step_failures(result: dg.ExecuteJobResult) -> list[str]:
    """``step_key: message <- cause <- ...`` of every failed step, in event order."""
    return [
        f"{event.step_key}: " + " <- ".join(_messages(event.step_failure_data.error))
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data
    ]
