"""sources.yaml: what a valid file yields, and one exact sentence for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.settings import SettingsError
from pipelines.sources import find_source, load_sources

VALID = """\
sources:
  - name: acme-prod
    region: ap-southeast-3
    project_id: 0123abcd
    token_env: ACME_SMS_TOKEN
    filters: {state: RUNNING}
    page_size: 100
  - name: beta.eu
    endpoint: https://sms.example.test/
    access_key_env: BETA_AK
    secret_key_env: BETA_SK
    project_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
    concurrency: 4
  - name: demo_1
    simulator: {tasks: 300, seed: 9}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    return path


def test_a_valid_file_yields_its_sources_in_file_order(tmp_path):
    specs = load_sources(write(tmp_path, VALID))
    assert [spec.name for spec in specs] == ["acme-prod", "beta.eu", "demo_1"]
    assert [spec.simulated for spec in specs] == [False, False, True]


def test_credentials_are_read_only_when_a_source_runs(tmp_path):
    acme, beta, demo = load_sources(write(tmp_path, VALID))
    settings = acme.settings({"ACME_SMS_TOKEN": "tok-canary"})
    assert settings.endpoint == "https://sms.ap-southeast-3.myhuaweicloud.com"
    assert (settings.token, settings.project_id) == ("tok-canary", "0123abcd")
    assert (settings.filters, settings.page_size) == ({"state": "RUNNING"}, 100)
    signed = beta.settings({"BETA_AK": "AK1", "BETA_SK": "SK1"})
    assert (signed.endpoint, signed.auth_kind, signed.concurrency) == (
        "https://sms.example.test",
        "aksk",
        4,
    )
    simulated = demo.settings({})
    assert (simulated.is_simulated, simulated.simulator_tasks, simulated.simulator_seed) == (
        True,
        300,
        9,
    )
    assert "tok-canary" not in repr(acme) + repr(settings)


def test_an_unset_credential_variable_names_the_source_and_the_variable(tmp_path):
    path = write(tmp_path, VALID)
    acme = find_source(load_sources(path), "acme-prod")
    with pytest.raises(SettingsError) as error:
        acme.settings({})
    assert (
        str(error.value)
        == f"{path}: source 'acme-prod': token_env names ACME_SMS_TOKEN, which is not set"
    )


def test_an_unknown_source_name_lists_the_known_ones(tmp_path):
    path = write(tmp_path, VALID)
    with pytest.raises(SettingsError) as error:
        find_source(load_sources(path), "gamma")
    assert (
        str(error.value) == f"{path}: no source named 'gamma' (sources: acme-prod, beta.eu, demo_1)"
    )


def entry(body: str) -> str:
    return "sources:\n  - " + "\n    ".join(body.strip().splitlines()) + "\n"


MISTAKES = {
    "unknown key": (
        entry("name: a\nsimulator: {}\npagesize: 10"),
        "source 'a': unknown key(s) pagesize (known: name, endpoint, region, project_id, "
        "page_size, concurrency, timeout_s, max_retries, retry_backoff_s, ca_bundle, "
        "simulator, token_env, access_key_env, secret_key_env, filters)",
    ),
    "bad name": (
        entry("name: Acme Prod\nsimulator: {}"),
        "sources[0]: name must be 1-63 lower-case letters, digits, '_', '.' or '-', "
        "starting with a letter or digit, got 'Acme Prod'",
    ),
    "missing name": (
        entry("simulator: {}"),
        "sources[0]: name must be 1-63 lower-case letters, digits, '_', '.' or '-', "
        "starting with a letter or digit, got None",
    ),
    "duplicate names": (
        entry("name: a\nsimulator: {}") + "  - name: a\n    simulator: {seed: 3}\n",
        "source name 'a' appears more than once",
    ),
    "endpoint and region": (
        entry("name: a\nendpoint: https://x.test\nregion: cn-north-4\ntoken_env: T"),
        "source 'a': give exactly one of endpoint, region or simulator (got endpoint, region)",
    ),
    "no place": (
        entry("name: a\ntoken_env: T"),
        "source 'a': give exactly one of endpoint, region or simulator",
    ),
    "no credentials": (
        entry("name: a\nregion: cn-north-4"),
        "source 'a': no credentials: give token_env, or access_key_env, secret_key_env and "
        "project_id (names of environment variables)",
    ),
    "half a key pair": (
        entry("name: a\nregion: cn-north-4\naccess_key_env: AK\nproject_id: p"),
        "source 'a': access_key_env and secret_key_env go together",
    ),
    "AK/SK without project": (
        entry("name: a\nregion: cn-north-4\naccess_key_env: AK\nsecret_key_env: SK"),
        "source 'a': AK/SK signing needs project_id (sent as the signed X-Project-Id)",
    ),
    "a secret instead of a variable name": (
        entry("name: a\nregion: cn-north-4\ntoken_env: 'MII-token-value=='"),
        "source 'a': token_env must be the name of an environment variable, "
        "got 'MII-token-value=='",
    ),
    "credentials on a simulator": (
        entry("name: a\nsimulator: {tasks: 5}\ntoken_env: T"),
        "source 'a': a simulator source takes no credentials (token_env)",
    ),
    "page size out of range": (
        entry("name: a\nsimulator: {}\npage_size: 500"),
        "source 'a': page_size must be between 1 and 200, got 500",
    ),
    "unknown region": (
        entry("name: a\nregion: mars-1\ntoken_env: T"),
        "source 'a': region 'mars-1' is not a known region (ap-southeast-3, cn-north-4, "
        "my-kualalumpur-1, ru-moscow-1)",
    ),
    "endpoint not a URL": (
        entry("name: a\nendpoint: sms.example.test\ntoken_env: T"),
        "source 'a': endpoint must be an http(s) URL such as "
        "https://sms.cn-north-4.myhuaweicloud.com, got 'sms.example.test'",
    ),
    "unknown filter": (
        entry("name: a\nsimulator: {}\nfilters: {status: RUNNING}"),
        "source 'a': unknown filters key(s) status (known: state, enterprise_project_id, name)",
    ),
    "filter state": (
        entry("name: a\nsimulator: {}\nfilters: {state: SYNC_SUCCESS}"),
        "source 'a': filters.state 'SYNC_SUCCESS' is not a state the API can filter by "
        "(READY, RUNNING, SYNCING, MIGRATE_SUCCESS, MIGRATE_FAIL, ABORTING, ABORT, DELETING, "
        "SYNC_F_ROLLBACKING, SYNC_F_ROLLBACK_SUCCESS)",
    ),
    "simulator tasks": (
        entry("name: a\nsimulator: {tasks: many}"),
        "source 'a': simulator.tasks must be a whole number, got 'many'",
    ),
    "a list where a value goes": (
        entry("name: a\nsimulator: {}\nconcurrency: [1, 2]"),
        "source 'a': concurrency must be a single value, got [1, 2]",
    ),
    "no sources key": (
        "source:\n  - name: a\n",
        "expected one top-level key, sources (a list of sources)",
    ),
    "empty list": ("sources: []\n", "sources must be a non-empty list"),
    "bad YAML": (
        "sources:\n  - name: [a\n",
        "not valid YAML at line 3, column 1: expected ',' or ']', but got '<stream end>'",
    ),
}


@pytest.mark.parametrize("text, message", MISTAKES.values(), ids=MISTAKES.keys())
def test_each_mistake_is_one_sentence_naming_file_and_source(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(SettingsError) as error:
        load_sources(path)
    assert str(error.value) == f"{path}: {message}"


def test_a_missing_file_is_one_sentence(tmp_path):
    with pytest.raises(SettingsError) as error:
        load_sources(tmp_path / "nowhere.yaml")
    assert str(error.value) == (
        f"SMS_SOURCES '{tmp_path / 'nowhere.yaml'}' cannot be read: No such file or directory"
    )
