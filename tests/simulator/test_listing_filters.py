"""Each of the five filters selects exactly the tasks it should; count follows the filter."""

from __future__ import annotations

import pytest

from .conftest import Api


def ids(page: dict) -> list[str]:
    return [task["id"] for task in page["tasks"]]


@pytest.mark.parametrize("state", ["MIGRATE_SUCCESS", "MIGRATE_FAIL", "RUNNING", "READY", "ABORT"])
def test_state_filter(api: Api, state: str) -> None:
    expected = [task["id"] for task in api.sim.store.tasks() if task["state"] == state]
    page = api.page(state=state, limit=200)
    assert expected, "the seed should produce every tested state"
    assert page["count"] == len(expected)
    assert ids(page) == expected[:200]


def test_state_filter_counts_are_unaffected_by_paging(api: Api) -> None:
    first = api.page(state="MIGRATE_SUCCESS", limit=5)
    later = api.page(state="MIGRATE_SUCCESS", limit=5, offset=100)
    assert first["count"] == later["count"] > 100


def test_enterprise_project_filter_is_exact(api: Api) -> None:
    tasks = api.sim.store.tasks()
    projects = {task["enterprise_project_id"] for task in tasks}
    assert "0" in projects and len(projects) >= 3
    for project in projects:
        expected = [t["id"] for t in tasks if t["enterprise_project_id"] == project]
        page = api.page(enterprise_project_id=project, limit=200)
        assert page["count"] == len(expected)
        assert ids(page) == expected[:200]
    assert api.page(enterprise_project_id="2b1f6c0e")["count"] == 0


def test_id_filter_is_exact(api: Api) -> None:
    target = api.sim.store.ids()[123]
    assert ids(api.page(id=target)) == [target]
    assert api.page(id=target[:-1])["count"] == 0


def test_source_server_id_filter(api: Api) -> None:
    task = next(t for t in api.sim.store.tasks() if t["source_server"] is not None)
    page = api.page(source_server_id=task["source_server"]["id"])
    assert ids(page) == [task["id"]]


def test_name_filter_is_a_case_sensitive_substring(api: Api) -> None:
    tasks = api.sim.store.tasks()
    expected = [t["id"] for t in tasks if "迁移" in t["name"]]
    assert expected
    page = api.page(name="迁移", limit=200)
    assert page["count"] == len(expected)
    assert ids(page) == expected
    assert api.page(name="SMS_TASK")["count"] == 0


def test_filters_combine(api: Api) -> None:
    tasks = api.sim.store.tasks()
    expected = [
        t["id"]
        for t in tasks
        if t["state"] == "MIGRATE_SUCCESS" and t["enterprise_project_id"] == "0"
    ]
    page = api.page(state="MIGRATE_SUCCESS", enterprise_project_id="0", limit=200)
    assert page["count"] == len(expected)
    assert ids(page) == expected[:200]


def test_empty_name_and_project_do_not_filter(api: Api) -> None:
    assert api.page(name="", enterprise_project_id="")["count"] == api.sim.store.count()
