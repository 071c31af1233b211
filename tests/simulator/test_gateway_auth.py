"""Every request needs a valid token or SDK-HMAC-SHA256 signature; errors never leak secrets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from pipelines.simulator import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, DEMO_TOKEN, SimulatorServer
from pipelines.sms.auth import sign_headers


def signed_get(
    sim: SimulatorServer,
    params: dict[str, str],
    sk: str = DEMO_SK,
    project_id: str = DEMO_PROJECT_ID,
    now: datetime | None = None,
) -> requests.Response:
    url = f"{sim.base_url}/v3/tasks"
    headers = sign_headers(
        "GET",
        url,
        sorted(params.items()),
        {"Content-Type": "application/json", "X-Project-Id": project_id},
        DEMO_AK,
        sk,
        now=now,
    )
    return requests.get(url, params=params, headers=headers, timeout=10)


def assert_gateway_401(response: requests.Response, reason: str) -> None:
    assert response.status_code == 401
    body = response.json()
    assert body == {
        "error_code": "APIGW.0301",
        "error_msg": f"Incorrect IAM authentication information: {reason}",
        "request_id": response.headers["X-Request-Id"],
    }
    for secret in (DEMO_SK, DEMO_TOKEN):
        assert secret not in response.text


def test_right_token_is_served(sim: SimulatorServer) -> None:
    response = requests.get(
        f"{sim.base_url}/v3/tasks", headers={"X-Auth-Token": DEMO_TOKEN}, timeout=10
    )
    assert response.status_code == 200
    assert response.json()["count"] == 500


def test_wrong_token_is_401(sim: SimulatorServer) -> None:
    response = requests.get(
        f"{sim.base_url}/v3/tasks", headers={"X-Auth-Token": "not-it"}, timeout=10
    )
    assert_gateway_401(response, "the token is invalid")
    assert "not-it" not in response.text


def test_missing_credentials_is_401(sim: SimulatorServer) -> None:
    response = requests.get(f"{sim.base_url}/v3/tasks", timeout=10)
    assert_gateway_401(response, "no X-Auth-Token or Authorization header")


def test_signed_request_is_served_with_the_same_page(sim: SimulatorServer) -> None:
    params = {"limit": "3", "offset": "2", "name": "sms task", "state": "MIGRATE_SUCCESS"}
    response = signed_get(sim, params)
    assert response.status_code == 200, response.text
    expected = [
        t["id"]
        for t in sim.store.tasks()
        if t["state"] == "MIGRATE_SUCCESS" and "sms task" in t["name"]
    ]
    assert [t["id"] for t in response.json()["tasks"]] == expected[2:5]


def test_wrong_secret_key_is_401(sim: SimulatorServer) -> None:
    response = signed_get(sim, {"limit": "1"}, sk="wrong-secret")
    assert_gateway_401(response, "signature does not match")
    assert "wrong-secret" not in response.text


@pytest.mark.parametrize("skew", [timedelta(minutes=16), timedelta(minutes=-16)])
def test_skewed_date_is_401(sim: SimulatorServer, skew: timedelta) -> None:
    response = signed_get(sim, {"limit": "1"}, now=datetime.now(UTC) + skew)
    assert_gateway_401(response, "X-Sdk-Date is more than 15 minutes off")


def test_tampered_query_is_401(sim: SimulatorServer) -> None:
    url = f"{sim.base_url}/v3/tasks"
    headers = sign_headers(
        "GET", url, [("limit", "1")], {"X-Project-Id": DEMO_PROJECT_ID}, DEMO_AK, DEMO_SK
    )
    response = requests.get(url, params={"limit": "2"}, headers=headers, timeout=10)
    assert_gateway_401(response, "signature does not match")


def test_unknown_access_key_is_401(sim: SimulatorServer) -> None:
    url = f"{sim.base_url}/v3/tasks"
    headers = sign_headers("GET", url, [], {"X-Project-Id": DEMO_PROJECT_ID}, "OTHERAK", DEMO_SK)
    assert_gateway_401(requests.get(url, headers=headers, timeout=10), "unknown access key")


def test_wrong_project_is_403_shaped_like_the_api_page(sim: SimulatorServer) -> None:
    response = signed_get(sim, {"limit": "1"}, project_id="another-project")
    assert response.status_code == 403
    body = response.json()
    assert set(body) == {
        "error_code",
        "error_msg",
        "encoded_authorization_message",
        "error_param",
        "details",
    }
    assert body["error_code"] == "SMS.9004"
    assert body["details"][0]["error_code"] == "SMS.9004"
    assert isinstance(body["error_param"], list) and body["error_param"]
    assert len(response.headers["X-Request-Id"]) == 32


def test_every_response_has_a_unique_request_id(sim: SimulatorServer) -> None:
    url = f"{sim.base_url}/v3/tasks"
    responses = [
        requests.get(url, headers={"X-Auth-Token": DEMO_TOKEN}, timeout=10),
        requests.get(url, timeout=10),
        requests.get(url, params={"limit": 999}, headers={"X-Auth-Token": DEMO_TOKEN}, timeout=10),
        requests.get(f"{sim.base_url}/nope", timeout=10),
    ]
    request_ids = [r.headers["X-Request-Id"] for r in responses]
    assert [r.status_code for r in responses] == [200, 401, 400, 404]
    assert all(len(rid) == 32 and int(rid, 16) >= 0 for rid in request_ids)
    assert len(set(request_ids)) == 4
    assert [record.request_id for record in sim.requests] == request_ids
    assert [record.status for record in sim.requests] == [200, 401, 400, 404]
