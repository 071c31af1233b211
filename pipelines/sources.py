"""``sources.yaml`` (path in ``SMS_SOURCES``) -> validated sources, one per SMS account.

Each source becomes a Dagster partition and a lake partition. The file names the
*environment variables* holding a source's credentials, never their values; the values
are read only when that source's partition runs (:meth:`SourceSpec.settings`).

Every entry gets the same checks as the single-source settings, with messages that name
the file, the source and the key (``sources.yaml: source 'acme': page_size must be
between 1 and 200, got 500``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.lake.layout import SOURCE_NAME
from pipelines.settings import SettingsError, SourceSettings, load_source_settings

SOURCES_VAR = "SMS_SOURCES"
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: Keys of one entry whose value is a setting, with the variable that setting has alone.
SETTING_KEYS: dict[str, str] = {
    "endpoint": "SMS_ENDPOINT",
    "region": "SMS_REGION",
    "project_id": "SMS_PROJECT_ID",
    "page_size": "SMS_PAGE_SIZE",
    "concurrency": "SMS_CONCURRENCY",
    "timeout_s": "SMS_TIMEOUT_S",
    "max_retries": "SMS_MAX_RETRIES",
    "retry_backoff_s": "SMS_RETRY_BACKOFF_S",
    "ca_bundle": "SMS_CA_BUNDLE",
}
FILTER_KEYS: dict[str, str] = {
    "state": "SMS_STATE",
    "enterprise_project_id": "SMS_ENTERPRISE_PROJECT_ID",
    "name": "SMS_NAME",
}
SIMULATOR_KEYS: dict[str, str] = {"tasks": "SMS_SIMULATOR_TASKS", "seed": "SMS_SIMULATOR_SEED"}
#: Keys naming the environment variable that holds a credential, and the credential.
CREDENTIAL_KEYS: dict[str, str] = {
    "token_env": "SMS_AUTH_TOKEN",
    "access_key_env": "CLOUD_SDK_AK",
    "secret_key_env": "CLOUD_SDK_SK",
}
ENTRY_KEYS = ("name", *SETTING_KEYS, "simulator", *CREDENTIAL_KEYS, "filters")
PLACEHOLDER_SECRET = "placeholder-for-validation"


@dataclass(frozen=True)
class SourceSpec:
    """One validated entry of the sources file; holds no secret."""

    name: str
    file: str
    #: Non-secret settings keyed by the single-source variable they stand for.
    values: Mapping[str, str] = field(default_factory=dict)
    #: ``token_env`` / ``access_key_env`` / ``secret_key_env`` -> environment variable name.
    credential_env: Mapping[str, str] = field(default_factory=dict)
    simulated: bool = False

    @property
    def where(self) -> str:
        return f"{self.file}: source {self.name!r}"

    def settings(self, environ: Mapping[str, str] | None = None) -> SourceSettings:
        """Validated settings with the credentials read from ``environ`` (default os.environ)."""
        environ = os.environ if environ is None else environ
        values = dict(self.values)
        for key, env_name in self.credential_env.items():
            secret = environ.get(env_name)
            if not secret or not secret.strip():
                raise SettingsError(f"{self.where}: {key} names {env_name}, which is not set")
            values[CREDENTIAL_KEYS[key]] = secret
        try:
            return load_source_settings(values)
        except SettingsError as exc:
            raise SettingsError(f"{self.where}: {self._relabel(str(exc))}") from None

    def _relabel(self, message: str) -> str:
        """A single-source message in this file's words (``page_size``, not SMS_PAGE_SIZE)."""
        labels = {var: key for key, var in SETTING_KEYS.items()}
        labels |= {var: f"filters.{key}" for key, var in FILTER_KEYS.items()}
        labels |= {var: f"simulator.{key}" for key, var in SIMULATOR_KEYS.items()}
        labels |= {CREDENTIAL_KEYS[key]: name for key, name in self.credential_env.items()}
        return re.sub(r"\b(?:SMS|CLOUD_SDK)_[A-Z_]+\b", lambda m: labels.get(m[0], m[0]), message)


def _scalar(where: str, key: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SettingsError(f"{where}: {key} must be a single value, got {value!r}")
    return str(value)


def _mapping(where: str, key: str, value: Any, allowed: Mapping[str, str]) -> dict[str, str]:
    """A nested mapping (``filters``, ``simulator``) as single-source variables."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SettingsError(f"{where}: {key} must be a mapping, got {value!r}")
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        raise SettingsError(
            f"{where}: unknown {key} key(s) {', '.join(unknown)} (known: {', '.join(allowed)})"
        )
    return {allowed[k]: _scalar(where, f"{key}.{k}", v) for k, v in value.items()}


def _credentials(where: str, entry: dict[str, Any], simulated: bool) -> dict[str, str]:
    names = {key: entry[key] for key in CREDENTIAL_KEYS if entry.get(key) is not None}
    for key, env_name in names.items():
        if not isinstance(env_name, str) or not ENV_NAME.fullmatch(env_name):
            raise SettingsError(
                f"{where}: {key} must be the name of an environment variable, got {env_name!r}"
            )
    if simulated:
        if names:
            raise SettingsError(
                f"{where}: a simulator source takes no credentials ({', '.join(names)})"
            )
        return names
    if ("access_key_env" in names) != ("secret_key_env" in names):
        raise SettingsError(f"{where}: access_key_env and secret_key_env go together")
    if "token_env" in names and "access_key_env" in names:
        raise SettingsError(f"{where}: give token_env or access_key_env/secret_key_env, not both")
    if not names:
        raise SettingsError(
            f"{where}: no credentials: give token_env, or access_key_env, secret_key_env "
            "and project_id (names of environment variables)"
        )
    return names


def _entry(file: str, index: int, entry: Any) -> SourceSpec:
    where = f"{file}: sources[{index}]"
    if not isinstance(entry, dict):
        raise SettingsError(f"{where} must be a mapping with a name, got {entry!r}")
    name = entry.get("name")
    if not isinstance(name, str) or not SOURCE_NAME.fullmatch(name):
        raise SettingsError(
            f"{where}: name must be 1-63 lower-case letters, digits, '_', '.' or '-', "
            f"starting with a letter or digit, got {name!r}"
        )
    where = f"{file}: source {name!r}"
    unknown = sorted(str(key) for key in entry if key not in ENTRY_KEYS)
    if unknown:
        raise SettingsError(
            f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(ENTRY_KEYS)})"
        )
    places = [key for key in ("endpoint", "region", "simulator") if key in entry]
    if len(places) != 1:
        raise SettingsError(
            f"{where}: give exactly one of endpoint, region or simulator"
            + (f" (got {', '.join(places)})" if places else "")
        )
    simulated = places == ["simulator"]
    values = {
        var: _scalar(where, key, entry[key])
        for key, var in SETTING_KEYS.items()
        if entry.get(key) is not None
    }
    values |= _mapping(where, "filters", entry.get("filters"), FILTER_KEYS)
    if simulated:
        values |= _mapping(where, "simulator", entry["simulator"] or {}, SIMULATOR_KEYS)
    spec = SourceSpec(
        name=name,
        file=file,
        values=values,
        credential_env=_credentials(where, entry, simulated),
        simulated=simulated,
    )
    # Check everything but the credential values now, so a mistake shows at load time.
    spec.settings({env: PLACEHOLDER_SECRET for env in spec.credential_env.values()})
    return spec


def load_sources(path: str | Path) -> list[SourceSpec]:
    """The sources of a sources file, in file order; one clear SettingsError per problem."""
    file = str(path)
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise SettingsError(f"{SOURCES_VAR} {file!r} cannot be read: {reason}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise SettingsError(f"{file}: not valid YAML{at}: {problem}") from None
    if not isinstance(document, dict) or set(document) != {"sources"}:
        raise SettingsError(f"{file}: expected one top-level key, sources (a list of sources)")
    entries = document["sources"]
    if not isinstance(entries, list) or not entries:
        raise SettingsError(f"{file}: sources must be a non-empty list")
    specs = [_entry(file, index, entry) for index, entry in enumerate(entries)]
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise SettingsError(f"{file}: source name {spec.name!r} appears more than once")
        seen.add(spec.name)
    return specs


def sources_from_env(environ: Mapping[str, str] | None = None) -> list[SourceSpec] | None:
    """The sources of ``$SMS_SOURCES``, or None when it is unset (single-source mode)."""
    environ = os.environ if environ is None else environ
    path = (environ.get(SOURCES_VAR) or "").strip()
    return load_sources(path) if path else None


def find_source(specs: list[SourceSpec], name: str) -> SourceSpec:
    for spec in specs:
        if spec.name == name:
            return spec
    known = ", ".join(spec.name for spec in specs)
    file = specs[0].file if specs else SOURCES_VAR
    raise SettingsError(f"{file}: no source named {name!r} (sources: {known})")
