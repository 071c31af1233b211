"""Pages of the real simulator arrive parsed by Arrow; the listing hands over FreshTasks."""

from __future__ import annotations

from typing import Any

import orjson

from pipelines.sms.client import Page
from pipelines.sms.listing import list_all_tasks
from pipelines.sms.paging import FreshTasks

from .conftest import token_config


def test_a_simulator_page_is_parsed_by_arrow_and_reads_the_same(start_simulator, connect):
    sim = start_simulator(tasks=30)
    page = connect(token_config(sim)).get_page(5, 10)

    assert page.arrow is not None and page.rows == 10
    assert page.task_ids == sim.store.ids()[5:15]
    tasks = orjson.loads(page.body)["tasks"]
    assert page.values_of("state") == [task["state"] for task in tasks]
    assert page.tasks == tasks  # parsed from the body on first use


def test_the_listing_hands_over_each_task_once_as_fresh_arrow_rows(start_simulator, connect):
    sim = start_simulator(tasks=450)
    handed: list[tuple[Page, Any]] = []
    result = list_all_tasks(
        connect(token_config(sim)), page_size=200, on_page=lambda p, new: handed.append((p, new))
    )

    assert all(type(new) is FreshTasks for _, new in handed)
    ids = [task_id for _, new in handed for task_id in new.ids]
    assert sorted(ids) == sorted(sim.store.ids()) == sorted(result.task_ids)
    assert sum(len(new.arrow) for _, new in handed) == 450
    for _, new in handed:  # the Arrow rows are the tasks the sequence yields
        assert new.arrow.field("id").to_pylist() == [task["id"] for task in new] == new.ids
