"""Out-of-range or malformed parameters get 400 SMS.0205 with a clear message."""

from __future__ import annotations

import pytest

from .conftest import Api


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"limit": 201}, "limit"),
        ({"limit": -1}, "limit"),
        ({"offset": 65_536}, "offset"),
        ({"offset": -1}, "offset"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"offset": ""}, "offset"),
        ({"state": "DONE"}, "state"),
        ({"state": "SYNC_SUCCESS"}, "state"),
        ({"state": "SYNC_FAIL"}, "state"),
        ({"state": "SKIPPING"}, "state"),
        ({"state": "RESETING"}, "state"),
        ({"state": "running"}, "state"),
        ({"id": "x" * 37}, "id"),
        ({"id": ""}, "id"),
        ({"source_server_id": "y" * 37}, "source_server_id"),
        ({"name": "n" * 256}, "name"),
        ({"enterprise_project_id": "e" * 256}, "enterprise_project_id"),
        ({"limit": ["1", "2"]}, "more than once"),
    ],
)
def test_bad_parameter_is_400(api: Api, params: dict, mentions: str) -> None:
    response = api.get(**params)
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "SMS.0205"
    assert mentions in body["error_msg"]
    assert len(response.headers["X-Request-Id"]) == 32


def test_edges_of_the_ranges_are_accepted(api: Api) -> None:
    assert api.get(limit=200, offset=65_535).status_code == 200
    assert api.get(limit=0, offset=0).status_code == 200
    assert api.get(id="x" * 36, name="n" * 255).status_code == 200


def test_unknown_parameters_are_ignored(api: Api) -> None:
    assert api.page(page=3, limit=2)["tasks"] == api.page(limit=2)["tasks"]


def test_unknown_path_is_404_json(sim, session) -> None:
    response = session.get(f"{sim.base_url}/v3/servers", timeout=10)
    assert response.status_code == 404
    body = response.json()
    assert body["error_code"] == "APIGW.0101"
    assert body["request_id"] == response.headers["X-Request-Id"]


def test_non_get_method_is_404(sim, session) -> None:
    response = session.post(f"{sim.base_url}/v3/tasks", json={"x": 1}, timeout=10)
    assert response.status_code == 404
    assert len(response.headers["X-Request-Id"]) == 32
