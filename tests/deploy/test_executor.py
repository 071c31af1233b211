"""SMS_EXECUTOR picks the executor of every job when the definitions load."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.orchestration.executor import EXECUTORS, WARM_START, executor_from_env
from pipelines.settings import SettingsError


def test_unset_means_in_process():
    assert executor_from_env({}) is dg.in_process_executor
    assert executor_from_env({"SMS_EXECUTOR": ""}) is dg.in_process_executor


def test_multiprocess_forks_steps_from_a_server_with_the_definitions_loaded():
    executor = executor_from_env({"SMS_EXECUTOR": "multiprocess"})
    assert executor is EXECUTORS["multiprocess"]
    assert executor.name == "multiprocess"
    assert WARM_START == {"forkserver": {"preload_modules": ["pipelines.definitions"]}}


def test_an_unknown_executor_is_one_clear_sentence():
    with pytest.raises(SettingsError) as raised:
        executor_from_env({"SMS_EXECUTOR": "celery"})
    assert str(raised.value) == (
        "SMS_EXECUTOR must be one of in_process, multiprocess, got 'celery'"
    )
