"""Record-offset paging: exact id sequences, stable order, count unaffected by paging."""

from __future__ import annotations

from .conftest import TASKS, Api


def ids(page: dict) -> list[str]:
    return [task["id"] for task in page["tasks"]]


def test_pages_of_200_cover_the_store_exactly_in_listing_order(api: Api) -> None:
    expected = api.sim.store.ids()
    seen: list[str] = []
    for offset in range(0, TASKS, 200):
        page = api.page(limit=200, offset=offset)
        assert page["count"] == TASKS
        seen += ids(page)
    assert seen == expected
    assert len(set(seen)) == TASKS


def test_each_page_is_the_exact_slice_at_its_offset(api: Api) -> None:
    expected = api.sim.store.ids()
    assert ids(api.page(limit=7, offset=13)) == expected[13:20]
    assert ids(api.page(limit=200, offset=490)) == expected[490:500]
    assert ids(api.page(limit=50, offset=500)) == []
    assert api.page(limit=50, offset=65_535) == {"count": TASKS, "tasks": []}


def test_limit_zero_and_absent_limit_mean_100(api: Api) -> None:
    expected = api.sim.store.ids()
    assert ids(api.page(limit=0)) == expected[:100]
    assert ids(api.page()) == expected[:100]
    assert ids(api.page(offset=100)) == expected[100:200]


def test_order_is_newest_create_date_first_then_id(api: Api) -> None:
    tasks = api.sim.store.tasks()
    keys = [(-task["create_date"], task["id"]) for task in tasks]
    assert keys == sorted(keys)
    assert ids(api.page(limit=200)) == ids(api.page(limit=200))


def test_tasks_are_served_exactly_as_the_store_holds_them(api: Api) -> None:
    assert api.page(limit=30, offset=40)["tasks"] == api.sim.store.tasks()[40:70]


def test_empty_account_lists_nothing(sim, session) -> None:
    from pipelines.simulator import SimulatorConfig, SimulatorServer

    with SimulatorServer(SimulatorConfig(tasks=0)) as empty:
        response = session.get(f"{empty.base_url}/v3/tasks", timeout=10)
    assert response.json() == {"count": 0, "tasks": []}
