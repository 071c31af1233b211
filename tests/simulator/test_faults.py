"""Each injected fault does exactly what docs/simulator.md says, on exactly the right requests."""

from __future__ import annotations

import socket
import threading

import pytest
import requests

from pipelines.simulator import DEMO_TOKEN, Faults

from .conftest import TASKS, Api


def statuses(api: Api, n: int) -> list[int]:
    return [api.get(limit=1).status_code for _ in range(n)]


def test_throttle_burst_then_recovery(api: Api) -> None:
    api.sim.faults.throttle_burst = 2
    api.sim.faults.retry_after_s = 0
    first = api.get(limit=1)
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "0"
    assert first.json()["error_code"] == "APIG.0308"
    assert first.json()["error_msg"] == "The throttling threshold has been reached"
    assert statuses(api, 2) == [429, 200]
    assert api.sim.faults.throttle_burst == 0


def test_throttle_every_third_request(api: Api) -> None:
    api.sim.faults = Faults(throttle_every=3, retry_after_s=2)
    results = [api.get(limit=1) for _ in range(7)]
    assert [r.status_code for r in results] == [200, 200, 429, 200, 200, 429, 200]
    assert results[2].headers["Retry-After"] == "2"


def test_server_errors_rotate_through_5xx_with_html(api: Api) -> None:
    api.sim.faults.server_error_burst = 5
    responses = [api.get(limit=1) for _ in range(6)]
    assert [r.status_code for r in responses] == [500, 502, 503, 504, 500, 200]
    assert responses[0].headers["Content-Type"].startswith("text/html")
    assert responses[0].text.startswith("<html>")
    assert all(len(r.headers["X-Request-Id"]) == 32 for r in responses)


def test_server_error_every_second(api: Api) -> None:
    api.sim.faults.server_error_every = 2
    assert statuses(api, 4) == [200, 500, 200, 502]


def test_truncated_body_is_shorter_than_content_length(api: Api) -> None:
    api.sim.faults.truncate_burst = 1
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api.get(limit=50)
    assert api.page(limit=50)["count"] == TASKS
    assert [r.status for r in api.sim.requests] == [200, 200]


def test_truncate_every_on_a_raw_socket(api: Api) -> None:
    api.sim.faults.truncate_every = 1
    host, port = api.sim.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(
            b"GET /v3/tasks?limit=10 HTTP/1.1\r\nHost: x\r\n"
            + f"X-Auth-Token: {DEMO_TOKEN}\r\n\r\n".encode()
        )
        data = b""
        while chunk := raw.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(line for line in head.split(b"\r\n") if line.startswith(b"Content-Length")).split(
            b":"
        )[1]
    )
    assert len(body) == length // 2


def test_dropped_request_gets_no_response(api: Api) -> None:
    api.sim.faults.drop_burst = 1
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get(limit=1)
    assert api.get(limit=1).status_code == 200
    assert [r.status for r in api.sim.requests] == [0, 200]


def test_drop_every_other(api: Api) -> None:
    api.sim.faults.drop_every = 2
    outcomes = []
    for _ in range(4):
        try:
            outcomes.append(api.get(limit=1).status_code)
        except requests.exceptions.ConnectionError:
            outcomes.append(0)
    assert outcomes == [200, 0, 200, 0]


def test_non_json_200(api: Api) -> None:
    api.sim.faults.non_json_burst = 1
    response = api.get(limit=1)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html"
    assert response.text == "<html>gateway</html>"
    assert api.get(limit=1).headers["Content-Type"].startswith("application/json")


def test_non_json_every(api: Api) -> None:
    api.sim.faults.non_json_every = 2
    kinds = [api.get(limit=1).headers["Content-Type"][:9] for _ in range(4)]
    assert kinds == ["applicati", "text/html", "applicati", "text/html"]


def test_first_of_several_due_faults_wins(api: Api) -> None:
    api.sim.faults = Faults(drop_burst=1, throttle_burst=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get(limit=1)
    assert statuses(api, 2) == [429, 200]


def test_add_at_head_shifts_the_next_page(api: Api) -> None:
    before = api.sim.store.ids()
    api.sim.faults = Faults(add_at_head_per_request=3, mutations_budget=5)
    first = api.page(limit=10)
    assert [t["id"] for t in first["tasks"]] == before[:10]
    assert first["count"] == TASKS
    second = api.page(limit=10, offset=10)
    assert api.sim.store.ids()[5:] == before  # 3 added after page 1, 2 after page 2 (budget)
    assert [t["id"] for t in second["tasks"]] == before[7:17]
    assert second["count"] == TASKS + 3
    assert api.sim.store.count() == TASKS + 5
    assert api.page(limit=1)["count"] == TASKS + 5
    assert api.sim.faults.mutations_budget == 0


def test_remove_at_head_shifts_the_next_page(api: Api) -> None:
    before = api.sim.store.ids()
    api.sim.faults.remove_at_head_per_request = 4
    api.page(limit=10)
    second = api.page(limit=10, offset=10)
    assert [t["id"] for t in second["tasks"]] == before[14:24]
    assert second["count"] == TASKS - 4
    assert api.sim.store.ids() == before[8:]


def test_errors_do_not_mutate(api: Api) -> None:
    api.sim.faults = Faults(add_at_head_per_request=1, throttle_burst=1)
    api.get(limit=1)
    api.get(limit=500)
    assert api.sim.store.count() == TASKS


def test_max_limit_clamps_silently(api: Api) -> None:
    api.sim.faults.max_limit = 50
    page = api.page(limit=200, offset=10)
    assert page["count"] == TASKS
    assert [t["id"] for t in page["tasks"]] == api.sim.store.ids()[10:60]


def test_empty_page_once_at_offset(api: Api) -> None:
    api.sim.faults.empty_page_once_at_offset = 200
    assert api.page(limit=200, offset=0)["tasks"]
    assert api.page(limit=200, offset=200) == {"count": TASKS, "tasks": []}
    again = api.page(limit=200, offset=200)
    assert [t["id"] for t in again["tasks"]] == api.sim.store.ids()[200:400]


def test_token_expires_after_n_requests(api: Api) -> None:
    api.sim.faults.token_expires_after = 2
    responses = [api.get(limit=1) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 401]
    assert responses[2].json()["error_msg"] == (
        "Incorrect IAM authentication information: the token has expired"
    )


def test_latency_overlaps_across_concurrent_requests(api: Api) -> None:
    """Four 300 ms requests in parallel all succeed; handler threads sleep independently."""
    api.sim.faults.latency_ms = 300
    results: list[int] = []

    def fetch() -> None:
        response = requests.get(
            f"{api.sim.base_url}/v3/tasks", headers={"X-Auth-Token": DEMO_TOKEN}, timeout=10
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 4


def test_negative_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="throttle_every"):
        Faults(throttle_every=-1)
