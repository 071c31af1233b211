"""One page against the real simulator: auth, retries within one budget, clear refusals."""

from __future__ import annotations

import orjson
import pytest

from pipelines.simulator import DEMO_AK, DEMO_SK, DEMO_TOKEN
from pipelines.sms.client import ClientConfig, query_params
from pipelines.sms.errors import SmsApiError

from .conftest import signing_config, token_config

SECRETS = (DEMO_TOKEN, DEMO_AK, DEMO_SK)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_token_page_has_count_tasks_raw_body_and_request_id(start_simulator, connect):
    sim = start_simulator(tasks=30)
    client = connect(token_config(sim))

    page = client.get_page(5, 10)

    assert page.count == 30
    assert [task["id"] for task in page.tasks] == sim.store.ids()[5:15]
    assert orjson.loads(page.body)["tasks"] == page.tasks
    assert page.params == {"limit": 10, "offset": 5}
    assert page.request_id == sim.requests[-1].request_id
    assert page.received_at.utcoffset() is not None
    assert client.stats.snapshot() == {
        "requests": 1,
        "retries": 0,
        "throttled": 0,
        "server_errors": 0,
        "waited_s": 0.0,
    }


def test_signed_request_with_encoded_filters_is_accepted(start_simulator, connect):
    sim = start_simulator(tasks=200)
    project = "2b1f6c0e-8a4d-4f3e-9c6b-1d2e3f4a5b6c"
    expected = [t["id"] for t in sim.store.tasks() if t["enterprise_project_id"] == project]
    client = connect(signing_config(sim))

    page = client.get_page(0, 200, {"enterprise_project_id": project, "name": "a b~/%+"})
    assert page.count == 0  # no name holds that text, but the signature over it was accepted

    page = client.get_page(0, 200, {"enterprise_project_id": project})
    assert [task["id"] for task in page.tasks] == expected


def test_secrets_travel_only_in_headers(start_simulator, connect):
    sim = start_simulator(tasks=5)
    connect(token_config(sim)).get_page(0, 5)
    connect(signing_config(sim)).get_page(0, 5)
    for record in sim.requests:
        assert_no_secret(record.path + repr(record.query))
    config = signing_config(sim)
    assert_no_secret(repr(config) + repr(token_config(sim)))


def test_throttle_storm_is_waited_out_respecting_retry_after(start_simulator, connect):
    sim = start_simulator(tasks=10, throttle_burst=3, retry_after_s=0)
    client = connect(token_config(sim))

    page = client.get_page(0, 10)

    assert len(page.tasks) == 10
    assert [record.status for record in sim.requests] == [429, 429, 429, 200]
    stats = client.stats.snapshot()
    assert (stats["requests"], stats["retries"], stats["throttled"]) == (4, 3, 3)


def test_retry_after_seconds_are_slept(start_simulator, connect):
    sim = start_simulator(tasks=10, throttle_burst=1, retry_after_s=1)
    client = connect(token_config(sim))

    client.get_page(0, 10)

    assert client.stats.throttled == 1
    assert client.stats.waited_s >= 1.0


def test_html_server_errors_are_retried(start_simulator, connect):
    sim = start_simulator(tasks=10, server_error_burst=4)
    client = connect(token_config(sim))

    page = client.get_page(0, 10)

    assert [task["id"] for task in page.tasks] == sim.store.ids()
    assert [record.status for record in sim.requests] == [500, 502, 503, 504, 200]
    assert client.stats.server_errors == 4


@pytest.mark.parametrize("fault", ["truncate_burst", "drop_burst", "non_json_burst"])
def test_broken_answers_are_retried_within_the_budget(start_simulator, connect, fault):
    sim = start_simulator(tasks=50, **{fault: 2})
    client = connect(signing_config(sim))

    page = client.get_page(0, 50)

    assert [task["id"] for task in page.tasks] == sim.store.ids()
    assert len(sim.requests) == 3
    assert (client.stats.requests, client.stats.retries) == (3, 2)


def test_spent_budget_on_throttling_is_a_retryable_error_with_the_api_code(
    start_simulator, connect
):
    sim = start_simulator(tasks=10, throttle_burst=100, retry_after_s=0)
    client = connect(token_config(sim, max_retries=2))

    with pytest.raises(SmsApiError) as caught:
        client.get_page(0, 10)

    error = caught.value
    assert (error.status, error.error_code, error.retryable) == (429, "APIG.0308", True)
    assert error.request_id == sim.requests[-1].request_id
    assert "after 3 attempts" in str(error)
    assert len(sim.requests) == 3


def test_spent_budget_on_dropped_connections_says_how_many_attempts(start_simulator, connect):
    sim = start_simulator(tasks=10, drop_burst=100)
    client = connect(token_config(sim, max_retries=1))

    with pytest.raises(SmsApiError, match="failed after 2 attempts") as caught:
        client.get_page(0, 10)

    assert caught.value.retryable is True
    assert len(sim.requests) == 2


def test_expired_token_fails_at_once_with_401_and_no_secret(start_simulator, connect):
    sim = start_simulator(tasks=10, token_expires_after=2)
    client = connect(token_config(sim))
    client.get_page(0, 5)
    client.get_page(5, 5)

    with pytest.raises(SmsApiError) as caught:
        client.get_page(0, 5)

    error = caught.value
    assert (error.status, error.error_code, error.retryable) == (401, "APIGW.0301", False)
    assert error.request_id == sim.requests[-1].request_id
    assert error.request_id in str(error)
    assert_no_secret(str(error) + repr(error))
    assert len(sim.requests) == 3


@pytest.mark.parametrize(
    "config",
    [
        lambda sim: token_config(sim, token="not-the-token"),
        lambda sim: signing_config(sim, secret_key="wrong-secret-key"),
        lambda sim: signing_config(sim, access_key="UNKNOWNAK"),
    ],
    ids=["wrong token", "wrong SK", "unknown AK"],
)
def test_bad_credentials_are_a_401_without_retries(start_simulator, connect, config):
    sim = start_simulator(tasks=10)
    client = connect(config(sim))

    with pytest.raises(SmsApiError) as caught:
        client.get_page(0, 5)

    assert (caught.value.status, caught.value.error_code) == (401, "APIGW.0301")
    assert_no_secret(str(caught.value))
    assert "wrong-secret-key" not in str(caught.value)
    assert len(sim.requests) == 1


def test_wrong_project_is_a_403_with_the_sms_code(start_simulator, connect):
    sim = start_simulator(tasks=10)
    client = connect(signing_config(sim, project_id="someone-elses-project"))

    with pytest.raises(SmsApiError) as caught:
        client.get_page(0, 5)

    assert (caught.value.status, caught.value.error_code) == (403, "SMS.9004")
    assert caught.value.retryable is False


def test_invalid_state_filter_is_a_400_naming_code_and_request_id(start_simulator, connect):
    sim = start_simulator(tasks=10)
    client = connect(token_config(sim))

    with pytest.raises(SmsApiError) as caught:
        client.get_page(0, 5, {"state": "SYNC_SUCCESS"})

    error = caught.value
    assert (error.status, error.error_code, error.retryable) == (400, "SMS.0205", False)
    assert error.request_id == sim.requests[-1].request_id
    assert "HTTP 400" in str(error) and "SMS.0205" in str(error)
    assert error.request_id in str(error)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "no credentials"),
        ({"token": "t", "access_key": "a", "secret_key": "s"}, "not both"),
        ({"access_key": "a"}, "needs both"),
        ({"token": "t", "pool_size": 0}, "pool_size"),
    ],
)
def test_config_mistakes_are_clear_errors(settings, message):
    with pytest.raises(ValueError, match=message):
        ClientConfig("https://sms.cn-north-4.myhuaweicloud.com", **settings)


def test_endpoint_must_be_a_plain_http_url():
    with pytest.raises(ValueError, match="http"):
        ClientConfig("sms.cn-north-4.myhuaweicloud.com", token="t")
    with pytest.raises(ValueError, match="credentials"):
        ClientConfig("https://user:pw@sms.example.com", token="t")


@pytest.mark.parametrize(
    ("offset", "limit", "filters", "message"),
    [
        (65_536, 10, None, "offset"),
        (0, 0, None, "limit"),
        (0, 201, None, "limit"),
        (0, 10, {"stat": "READY"}, "unknown filter 'stat'"),
    ],
)
def test_query_mistakes_are_caught_before_sending(offset, limit, filters, message):
    with pytest.raises(ValueError, match=message):
        query_params(offset, limit, filters)
