"""The SMS source as a Dagster resource: settings from the environment via ``EnvVar``.

Only variables that are set become ``EnvVar`` references, so Dagster stores the
variable *name* in run config and never the token, AK or SK themselves. With
``SMS_SOURCES`` set, the run's partition key picks a source of that file, whose
credentials are read from the variables it names, when the partition runs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import dagster as dg

from pipelines.settings import SettingsError, SourceSettings, load_source_settings
from pipelines.sources import SOURCES_VAR, find_source, load_sources


class SmsSource(dg.ConfigurableResource):
    """Where and how to list SMS tasks; each field is the lower-cased environment variable."""

    sms_endpoint: str | None = None
    sms_region: str | None = None
    sms_auth_token: str | None = None
    cloud_sdk_ak: str | None = None
    cloud_sdk_sk: str | None = None
    sms_project_id: str | None = None
    sms_state: str | None = None
    sms_enterprise_project_id: str | None = None
    sms_name: str | None = None
    sms_page_size: str | None = None
    sms_concurrency: str | None = None
    sms_timeout_s: str | None = None
    sms_max_retries: str | None = None
    sms_retry_backoff_s: str | None = None
    sms_ca_bundle: str | None = None
    sms_simulator_tasks: str | None = None
    sms_simulator_seed: str | None = None
    sms_sources: str | None = None

    def settings(self, source: str | None = None) -> SourceSettings:
        """Validated settings (of ``source`` in a sources file); one clear ``SettingsError``."""
        if self.sms_sources:
            if source is None:
                raise SettingsError(
                    f"{SOURCES_VAR} is set: run one source (a partition) of {self.sms_sources}"
                )
            return find_source(load_sources(self.sms_sources), source).settings()
        return load_source_settings({name: getattr(self, name.lower()) for name in SOURCE_VARS})


# The environment variables behind the resource: its field names, upper-cased.
SOURCE_VARS: tuple[str, ...] = tuple(name.upper() for name in SmsSource.model_fields)


def sms_source_from_env(environ: Mapping[str, str] | None = None) -> SmsSource:
    environ = os.environ if environ is None else environ
    return SmsSource(**{name.lower(): dg.EnvVar(name) for name in SOURCE_VARS if environ.get(name)})
