"""Settings: what each environment variable becomes, and that every one is documented."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pipelines.orchestration.sms_source import SOURCE_VARS, sms_source_from_env
from pipelines.settings import ENV_VARS, SettingsError, load_source_settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_no_endpoint_means_the_simulator_with_defaults():
    settings = load_source_settings({})
    assert settings.is_simulated and settings.endpoint is None
    assert (settings.page_size, settings.concurrency, settings.max_retries) == (200, 8, 8)
    assert (settings.simulator_tasks, settings.simulator_seed) == (2500, 7)


def test_region_maps_to_its_public_endpoint_and_endpoint_wins():
    by_region = load_source_settings({"SMS_REGION": "ru-moscow-1", "SMS_AUTH_TOKEN": "t"})
    assert by_region.endpoint == "https://sms-api.ru-moscow-1.myhuaweicloud.com"
    both = load_source_settings(
        {"SMS_REGION": "cn-north-4", "SMS_ENDPOINT": "http://127.0.0.1:9/", "SMS_AUTH_TOKEN": "t"}
    )
    assert both.endpoint == "http://127.0.0.1:9"


def test_filters_and_tuning_are_parsed():
    settings = load_source_settings(
        {
            "SMS_STATE": "RUNNING",
            "SMS_ENTERPRISE_PROJECT_ID": "0",
            "SMS_NAME": "web",
            "SMS_PAGE_SIZE": "50",
            "SMS_CONCURRENCY": "3",
            "SMS_TIMEOUT_S": "2.5",
            "SMS_RETRY_BACKOFF_S": "0.01",
        }
    )
    assert settings.filters == {"state": "RUNNING", "enterprise_project_id": "0", "name": "web"}
    assert (settings.page_size, settings.concurrency) == (50, 3)
    assert (settings.timeout_s, settings.backoff_s) == (2.5, 0.01)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"SMS_STATE": "SYNC_SUCCESS"}, "SMS_STATE 'SYNC_SUCCESS' is not a state the API can"),
        ({"SMS_ENDPOINT": "http://x", "CLOUD_SDK_AK": "a", "CLOUD_SDK_SK": "s"}, "SMS_PROJECT_ID"),
        ({"SMS_ENDPOINT": "http://x"}, "an endpoint is set but no credentials"),
        ({"SMS_TIMEOUT_S": "0"}, "SMS_TIMEOUT_S must be greater than 0.0, got 0.0"),
        ({"SMS_CA_BUNDLE": "/nonexistent/ca.pem"}, "is not a readable file"),
        ({"SMS_ENDPOINT": "https://user:pw@host"}, "must not carry a query"),
    ],
)
def test_mistakes_are_one_clear_sentence(values, message):
    with pytest.raises(SettingsError) as caught:
        load_source_settings(values)
    assert message in str(caught.value)


def test_secrets_stay_out_of_repr():
    settings = load_source_settings(
        {
            "SMS_ENDPOINT": "https://h",
            "CLOUD_SDK_AK": "AK-CANARY",
            "CLOUD_SDK_SK": "SK-CANARY",
            "SMS_PROJECT_ID": "p",
        }
    )
    assert "CANARY" not in repr(settings)


def test_resource_holds_environment_variable_names_not_values(monkeypatch):
    monkeypatch.setenv("SMS_AUTH_TOKEN", "TOKEN-CANARY")
    monkeypatch.setenv("SMS_ENDPOINT", "https://h")
    monkeypatch.delenv("CLOUD_SDK_SK", raising=False)
    resource = sms_source_from_env()
    # Dagster resolves these at run time; the definition only knows the names.
    assert isinstance(resource.sms_auth_token, dg.EnvVar)
    assert resource.sms_auth_token == "SMS_AUTH_TOKEN"
    assert resource.cloud_sdk_sk is None
    assert "TOKEN-CANARY" not in repr(resource)


def test_every_setting_is_documented_in_readme_and_env_example():
    readme = (REPO_ROOT / "README.md").read_text()
    example = (REPO_ROOT / ".env.example").read_text()
    for name in ENV_VARS:
        assert name in readme, f"{name} missing from README.md"
        assert name in example, f"{name} missing from .env.example"
    assert set(SOURCE_VARS) <= set(ENV_VARS)
