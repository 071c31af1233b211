"""Listings beyond the 65,535 offset cap: sliced by enterprise project, then state, proven whole."""

from __future__ import annotations

from collections import Counter

import pytest

from pipelines.sms.errors import ListingIncomplete
from pipelines.sms.listing import FILTERABLE_STATES, UNFILTERABLE_STATES, list_all_tasks

from .conftest import PageRecorder, token_config

PROJECT = "enterprise_project_id"


def slice_counts(result) -> dict[tuple[tuple[str, str], ...], int]:
    return {tuple(sorted(s.filters.items())): s.count for s in result.slices if not s.note}


def test_seventy_thousand_tasks_are_read_whole_through_enterprise_project_slices(
    start_simulator, connect
):
    sim = start_simulator(tasks=70_000)
    tasks = sim.store.tasks()
    per_project = Counter(task[PROJECT] for task in tasks)
    assert max(per_project.values()) <= 65_735 < 70_000  # one slice level suffices
    assert {task["state"] for task in tasks} >= UNFILTERABLE_STATES
    recorder = PageRecorder()

    result = list_all_tasks(connect(token_config(sim)), on_page=recorder)

    assert result.task_ids == set(sim.store.ids())
    assert result.count == 70_000
    assert slice_counts(result) == {((PROJECT, p),): n for p, n in per_project.items()}
    assert len(recorder.written) == len(set(recorder.written)) == 70_000


@pytest.fixture
def thousand_tasks(start_simulator):
    """1,000 tasks: project "0" holds 651 of them, its last unfilterable-state task at 644."""
    sim = start_simulator(tasks=1_000)
    in_project_0 = [task for task in sim.store.tasks() if task[PROJECT] == "0"]
    unfilterable_at = [
        i for i, task in enumerate(in_project_0) if task["state"] in UNFILTERABLE_STATES
    ]
    assert (len(in_project_0), unfilterable_at[-1]) == (651, 644)
    return sim, in_project_0, unfilterable_at


def test_a_slice_beyond_the_cap_is_split_by_state_and_its_unfilterable_tasks_found(
    thousand_tasks, connect
):
    sim, in_project_0, unfilterable_at = thousand_tasks
    recorder = PageRecorder()

    # 600 + 50 = 650 positions reachable per filter: the listing (1,000) and project "0" (651)
    # are beyond reach, every state slice of project "0" and the other projects are within it.
    result = list_all_tasks(
        connect(token_config(sim)), page_size=50, max_offset=600, on_page=recorder
    )

    assert result.task_ids == set(sim.store.ids())
    assert result.count == 1_000
    per_project = Counter(task[PROJECT] for task in sim.store.tasks())
    per_state = Counter(task["state"] for task in in_project_0)
    expected = {((PROJECT, p),): n for p, n in per_project.items()}
    expected |= {
        ((PROJECT, "0"), ("state", s)): per_state[s] for s in FILTERABLE_STATES if per_state[s]
    }
    assert slice_counts(result) == expected
    (remainder,) = [s for s in result.slices if s.note]
    assert (remainder.filters, remainder.count) == ({PROJECT: "0"}, len(unfilterable_at))
    assert "cannot select" in remainder.note
    assert len(recorder.written) == len(set(recorder.written))


def test_unfilterable_tasks_beyond_the_cap_make_the_listing_incomplete_not_partial(
    thousand_tasks, connect
):
    sim, _, unfilterable_at = thousand_tasks
    out_of_reach = sum(1 for position in unfilterable_at if position >= 600)
    assert out_of_reach > 0

    with pytest.raises(ListingIncomplete, match="cannot select") as caught:
        list_all_tasks(connect(token_config(sim)), page_size=50, max_offset=550)

    error = caught.value
    assert error.slice_filters == {PROJECT: "0"}
    assert (error.expected, error.missing, error.extra) == (651, out_of_reach, 0)


def test_a_slice_with_no_filter_left_to_split_by_is_incomplete(thousand_tasks, connect):
    sim, in_project_0, _ = thousand_tasks
    succeeded = sum(1 for task in in_project_0 if task["state"] == "MIGRATE_SUCCESS")
    filters = {PROJECT: "0", "state": "MIGRATE_SUCCESS"}

    with pytest.raises(ListingIncomplete, match="no filter is left") as caught:
        list_all_tasks(connect(token_config(sim)), filters=filters, page_size=50, max_offset=100)

    assert (caught.value.expected, caught.value.got) == (succeeded, 150)
