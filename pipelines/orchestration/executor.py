"""The executor of every job, chosen by ``SMS_EXECUTOR`` when the definitions load.

In-process by default (the CLI, ``make demo``, tests: least overhead). A long-running
deployment (``make serve``, docs/deployment.md) sets ``multiprocess``: each step of a run
then gets its own child process, so a step's memory goes back when it ends and independent
steps run side by side. Runs themselves (one per source partition) are separate processes
either way: that is the run launcher's job, not the executor's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import dagster as dg

from pipelines.settings import SettingsError

EXECUTOR_VAR = "SMS_EXECUTOR"
# Steps are forked from a server that has already imported the definitions: a cold
# interpreter per step (import dagster, parse every SQL model) costs seconds of CPU each,
# more than most of our steps take to run.
WARM_START = {"forkserver": {"preload_modules": ["pipelines.definitions"]}}
EXECUTORS: dict[str, dg.ExecutorDefinition] = {
    "in_process": dg.in_process_executor,
    "multiprocess": dg.multiprocess_executor.configured(
        {"start_method": WARM_START}, name="multiprocess"
    ),
}


def executor_from_env(environ: Mapping[str, str] | None = None) -> dg.ExecutorDefinition:
    """The executor ``SMS_EXECUTOR`` names (unset: in-process); SettingsError otherwise."""
    environ = os.environ if environ is None else environ
    name = (environ.get(EXECUTOR_VAR) or "in_process").strip()
    if name not in EXECUTORS:
        raise SettingsError(f"{EXECUTOR_VAR} must be one of {', '.join(EXECUTORS)}, got {name!r}")
    return EXECUTORS[name]
