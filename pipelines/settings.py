"""Environment -> typed, validated settings, each mistake one clear sentence.

Validation happens before any request is sent: a bad page size, a malformed
endpoint or half a key pair is a user mistake, not a stack trace.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.sms.contract import FILTER_STATES, MAX_LIMIT, REGION_ENDPOINTS

MAX_PAGE_SIZE = MAX_LIMIT
MAX_CONCURRENCY = 64

# Every environment variable the project reads, with what it means (README and .env.example).
ENV_VARS: dict[str, str] = {
    "SMS_ENDPOINT": "Base URL of the SMS API; unset (with SMS_REGION unset) = built-in simulator",
    "SMS_REGION": "Region whose public endpoint to use, e.g. ap-southeast-3",
    "SMS_AUTH_TOKEN": "IAM token sent as X-Auth-Token",
    "CLOUD_SDK_AK": "Access key for SDK-HMAC-SHA256 signing",
    "CLOUD_SDK_SK": "Secret key for SDK-HMAC-SHA256 signing",
    "SMS_PROJECT_ID": "Project id sent (signed) as X-Project-Id; required with AK/SK",
    "SMS_DATA_DIR": "Where the lake, warehouse, exports and report live (default ./data)",
    "SMS_STATE": "Only tasks in this state (API state filter)",
    "SMS_ENTERPRISE_PROJECT_ID": "Only tasks of this enterprise project",
    "SMS_NAME": "Only tasks whose name matches (API name filter)",
    "SMS_PAGE_SIZE": "Tasks per request, 1-200 (default 200)",
    "SMS_CONCURRENCY": "Pages fetched at once, 1-64 (default 8)",
    "SMS_TIMEOUT_S": "Connect/read timeout per request in seconds (default 30)",
    "SMS_MAX_RETRIES": "Retry budget per request (default 8)",
    "SMS_RETRY_BACKOFF_S": "Base of the exponential retry backoff in seconds (default 0.5)",
    "SMS_CA_BUNDLE": "Path of a CA bundle for TLS verification (verification is always on)",
    "SMS_SCHEDULE_CRON": "Cron of the refresh schedule (default every 30 minutes)",
    "SMS_SOURCES": "Path of a sources.yaml naming many SMS accounts (docs/sources.md); "
    "unset = the single source above",
    "SMS_EXECUTOR": "Executor of Dagster runs: in_process (default) or multiprocess",
    "SMS_SIMULATOR_TASKS": "Tasks in the built-in simulator (default 2500)",
    "SMS_SIMULATOR_SEED": "Seed of the built-in simulator (default 7)",
    "SMS_STALL_SNAPSHOTS": "Snapshots without progress before a task counts as stalled (default 3)",
    "SMS_STALL_HOURS": "Hours without progress before a task counts as stalled (default 6)",
}


class SettingsError(ValueError):
    """A setting is wrong; the message says which and how to fix it (never its secret value)."""


@dataclass(frozen=True)
class SourceSettings:
    """Where and how to read SMS tasks. Secrets are excluded from ``repr``."""

    endpoint: str | None
    token: str | None = field(default=None, repr=False)
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    project_id: str | None = None
    filters: dict[str, str] = field(default_factory=dict)
    page_size: int = MAX_PAGE_SIZE
    concurrency: int = 8
    timeout_s: float = 30.0
    max_retries: int = 8
    backoff_s: float = 0.5
    ca_bundle: str | None = None
    simulator_tasks: int = 2500
    simulator_seed: int = 7

    @property
    def is_simulated(self) -> bool:
        return self.endpoint is None

    @property
    def auth_kind(self) -> str:
        return "aksk" if self.access_key else "token" if self.token else "none"


def _int(values: Mapping[str, str | None], name: str, default: int, lo: int, hi: int) -> int:
    raw = values.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        number = int(str(raw).strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not lo <= number <= hi:
        raise SettingsError(f"{name} must be between {lo} and {hi}, got {number}")
    return number


def _float(values: Mapping[str, str | None], name: str, default: float, lo: float) -> float:
    raw = values.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        number = float(str(raw).strip())
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not number > lo:
        raise SettingsError(f"{name} must be greater than {lo}, got {number}")
    return number


def _text(values: Mapping[str, str | None], name: str) -> str | None:
    raw = values.get(name)
    return raw.strip() if raw and raw.strip() else None


def resolve_endpoint(endpoint: str | None, region: str | None) -> str | None:
    """The base URL to call, or None for the built-in simulator."""
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingsError(
                f"SMS_ENDPOINT must be an http(s) URL such as {REGION_ENDPOINTS['cn-north-4']}, "
                f"got {endpoint!r}"
            )
        if parts.query or parts.fragment or parts.username or parts.password:
            raise SettingsError("SMS_ENDPOINT must not carry a query, fragment or credentials")
        return endpoint.rstrip("/")
    if region:
        if region not in REGION_ENDPOINTS:
            known = ", ".join(sorted(REGION_ENDPOINTS))
            raise SettingsError(f"SMS_REGION {region!r} is not a known region ({known})")
        return REGION_ENDPOINTS[region]
    return None


def load_source_settings(values: Mapping[str, str | None]) -> SourceSettings:
    """Validate raw settings (environment variable names as keys)."""
    endpoint = resolve_endpoint(_text(values, "SMS_ENDPOINT"), _text(values, "SMS_REGION"))
    token = _text(values, "SMS_AUTH_TOKEN")
    access_key = _text(values, "CLOUD_SDK_AK")
    secret_key = _text(values, "CLOUD_SDK_SK")
    project_id = _text(values, "SMS_PROJECT_ID")
    if bool(access_key) != bool(secret_key):
        have, lack = (
            ("CLOUD_SDK_AK", "CLOUD_SDK_SK") if access_key else ("CLOUD_SDK_SK", "CLOUD_SDK_AK")
        )
        raise SettingsError(f"{have} is set but {lack} is not: AK/SK signing needs both")
    if access_key and not project_id:
        raise SettingsError("AK/SK signing needs SMS_PROJECT_ID (sent as the signed X-Project-Id)")
    if endpoint and not (token or access_key):
        raise SettingsError(
            "an endpoint is set but no credentials: set SMS_AUTH_TOKEN, or CLOUD_SDK_AK, "
            "CLOUD_SDK_SK and SMS_PROJECT_ID"
        )
    if token and len(token) > 16384:
        raise SettingsError("SMS_AUTH_TOKEN is longer than the API's 16,384 characters")
    filters: dict[str, str] = {}
    state = _text(values, "SMS_STATE")
    if state:
        if state not in FILTER_STATES:
            raise SettingsError(
                f"SMS_STATE {state!r} is not a state the API can filter by "
                f"({', '.join(FILTER_STATES)})"
            )
        filters["state"] = state
    for name, key, limit in (
        ("SMS_ENTERPRISE_PROJECT_ID", "enterprise_project_id", 255),
        ("SMS_NAME", "name", 255),
    ):
        value = _text(values, name)
        if value:
            if len(value) > limit:
                raise SettingsError(f"{name} is longer than {limit} characters")
            filters[key] = value
    ca_bundle = _text(values, "SMS_CA_BUNDLE")
    if ca_bundle and not Path(ca_bundle).is_file():
        raise SettingsError(f"SMS_CA_BUNDLE {ca_bundle!r} is not a readable file")
    return SourceSettings(
        endpoint=endpoint,
        token=token,
        access_key=access_key,
        secret_key=secret_key,
        project_id=project_id,
        filters=filters,
        page_size=_int(values, "SMS_PAGE_SIZE", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE),
        concurrency=_int(values, "SMS_CONCURRENCY", 8, 1, MAX_CONCURRENCY),
        timeout_s=_float(values, "SMS_TIMEOUT_S", 30.0, 0.0),
        max_retries=_int(values, "SMS_MAX_RETRIES", 8, 0, 100),
        backoff_s=_float(values, "SMS_RETRY_BACKOFF_S", 0.5, 0.0),
        ca_bundle=ca_bundle,
        simulator_tasks=_int(values, "SMS_SIMULATOR_TASKS", 2500, 0, 1_000_000),
        simulator_seed=_int(values, "SMS_SIMULATOR_SEED", 7, 0, 2**31 - 1),
    )


def ensure_writable_dir(path: Path, name: str = "SMS_DATA_DIR") -> Path:
    """Create ``path`` if needed and prove we can write there, before any request."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise SettingsError(f"{name} {str(path)!r} is not writable: {exc.strerror}") from None
    return path
