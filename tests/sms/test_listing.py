"""All pages of one listing, exactly: concurrency, clamps, empty pages and drift while paging."""

from __future__ import annotations

import threading

import pytest

from pipelines.sms.errors import ListingIncomplete, SmsApiError
from pipelines.sms.listing import list_all_tasks

from .conftest import PageRecorder, signing_config, token_config


def assert_written_once(recorder: PageRecorder, result) -> None:
    """The writer saw every final task once, and nothing twice."""
    assert len(recorder.written) == len(set(recorder.written))
    assert set(recorder.written) == result.task_ids | result.removed_ids


@pytest.mark.parametrize(
    ("page_size", "pages"),
    [(200, 7 + 1), (7, 177 + 1)],  # listing pages + the closing re-read of the head
)
def test_plain_listing_returns_exactly_the_stored_tasks(start_simulator, connect, page_size, pages):
    sim = start_simulator(tasks=1_234)
    recorder = PageRecorder()

    result = list_all_tasks(connect(token_config(sim)), page_size=page_size, on_page=recorder)

    assert result.task_ids == set(sim.store.ids())
    assert (result.count, result.pages, result.rounds) == (1_234, pages, 1)
    assert (result.duplicates_removed, result.recovered, result.removed_ids) == (0, 0, set())
    assert result.clamped_limit is None and result.slices == ()
    assert recorder.pages == pages and recorder.written.count(recorder.written[0]) == 1
    assert_written_once(recorder, result)
    assert result.client_stats["requests"] == pages


def test_signed_listing_with_a_filter_returns_exactly_the_matching_tasks(start_simulator, connect):
    sim = start_simulator(tasks=1_234)
    project = "7e9a3b51-0c2d-4e6f-8a1b-3c4d5e6f7a8b"
    expected = {t["id"] for t in sim.store.tasks() if t["enterprise_project_id"] == project}

    result = list_all_tasks(
        connect(signing_config(sim)), filters={"enterprise_project_id": project}, page_size=20
    )

    assert result.task_ids == expected
    assert result.count == len(expected)


def test_empty_account_is_an_empty_listing(start_simulator, connect):
    sim = start_simulator(tasks=0)

    result = list_all_tasks(connect(token_config(sim)))

    assert (result.count, result.task_ids, result.pages) == (0, frozenset(), 2)


def test_on_page_runs_on_the_callers_thread(start_simulator, connect):
    sim = start_simulator(tasks=600)
    threads: set[int] = set()

    list_all_tasks(
        connect(token_config(sim)),
        page_size=50,
        concurrency=4,
        on_page=lambda page, new: threads.add(threading.get_ident()),
    )

    assert threads == {threading.get_ident()}


def test_clamped_limit_is_detected_and_the_gaps_read(start_simulator, connect):
    sim = start_simulator(tasks=1_234, max_limit=50)
    recorder = PageRecorder()

    result = list_all_tasks(connect(token_config(sim)), page_size=200, on_page=recorder)

    assert result.task_ids == set(sim.store.ids())
    assert result.clamped_limit == 50
    assert result.pages == 25 + 1
    assert_written_once(recorder, result)


def test_a_clamp_starting_after_the_first_page_is_handled_by_advancing_by_rows_received(
    start_simulator, connect
):
    sim = start_simulator(tasks=300)
    recorder = PageRecorder()

    def clamp_after_first_page(page, new_tasks):
        recorder(page, new_tasks)
        sim.faults.max_limit = 30  # later pages come back short: their gaps must be re-asked

    result = list_all_tasks(
        connect(token_config(sim)), page_size=100, on_page=clamp_after_first_page
    )

    assert result.task_ids == set(sim.store.ids())
    assert result.clamped_limit is None  # page 0 was whole, so no clamp was adopted
    assert result.rounds == 1
    assert result.pages == 1 + 2 * 4 + 1  # page 0; 2 x 100 rows in 30/30/30/10; closing read
    assert_written_once(recorder, result)


def test_one_transient_empty_page_is_retried_not_taken_for_the_end(start_simulator, connect):
    sim = start_simulator(tasks=1_234, empty_page_once_at_offset=400)

    result = list_all_tasks(connect(token_config(sim)), page_size=200)

    assert result.task_ids == set(sim.store.ids())
    assert result.empty_pages_retried == 1


def test_an_empty_page_that_stays_empty_is_a_clear_failure(start_simulator, connect):
    sim = start_simulator(tasks=1_234, empty_page_once_at_offset=400)

    with pytest.raises(ListingIncomplete, match="offset 400") as caught:
        list_all_tasks(connect(token_config(sim)), page_size=200, empty_page_retries=0)

    assert caught.value.expected == 1_234


def test_an_empty_first_page_is_retried(start_simulator, connect):
    sim = start_simulator(tasks=1_234, empty_page_once_at_offset=0)

    result = list_all_tasks(connect(token_config(sim)), page_size=200)

    assert result.task_ids == set(sim.store.ids())
    assert result.empty_pages_retried == 1


def test_tasks_added_at_the_head_while_paging_are_read_without_duplicates(start_simulator, connect):
    sim = start_simulator(tasks=1_234, add_at_head_per_request=1, mutations_budget=5)
    recorder = PageRecorder()

    result = list_all_tasks(connect(token_config(sim)), page_size=200, on_page=recorder)

    assert len(sim.store.ids()) == 1_239
    assert result.task_ids == set(sim.store.ids())
    assert result.count == 1_239
    assert result.rounds == 2  # the first pass saw count move, the second was stable
    assert result.removed_ids == set()
    assert_written_once(recorder, result)


def test_tasks_removed_at_the_head_while_paging_are_reported_removed(start_simulator, connect):
    sim = start_simulator(tasks=1_234, remove_at_head_per_request=1, mutations_budget=5)
    original = sim.store.ids()
    recorder = PageRecorder()

    result = list_all_tasks(connect(token_config(sim)), page_size=200, on_page=recorder)

    assert result.task_ids == set(sim.store.ids()) == set(original[5:])
    assert result.removed_ids == set(original[:5])
    assert result.rounds == 2
    assert_written_once(recorder, result)


def test_adds_and_removes_while_paging_converge_on_the_final_tasks(start_simulator, connect):
    sim = start_simulator(
        tasks=1_234, add_at_head_per_request=2, remove_at_head_per_request=3, mutations_budget=40
    )
    original = set(sim.store.ids())
    recorder = PageRecorder()

    result = list_all_tasks(
        connect(token_config(sim)), page_size=100, on_page=recorder, max_rounds=4
    )

    final = set(sim.store.ids())
    assert len(final) == 1_234 - 8  # 8 requests each added 2 and removed 3
    assert result.task_ids == final
    assert result.removed_ids == original - final
    assert_written_once(recorder, result)


def test_count_preserving_churn_at_the_head_is_caught_by_the_closing_head_read(
    start_simulator, connect
):
    """Removing the newest task and adding a newer one keeps ``count`` still; the head moves."""
    sim = start_simulator(tasks=500)
    client = connect(token_config(sim))
    recorder = PageRecorder()
    churned: list[str] = []

    def churn_once(page, new_tasks):
        recorder(page, new_tasks)
        if page.params["offset"] == 200 and not churned:
            churned.extend(sim.store.remove_tasks(1))
            sim.store.add_tasks(1)

    result = list_all_tasks(client, page_size=100, on_page=churn_once)

    assert result.task_ids == set(sim.store.ids())
    assert result.count == 500
    assert result.removed_ids == set(churned)
    assert result.rounds == 2
    assert_written_once(recorder, result)


def test_endless_drift_is_a_listing_incomplete_with_numbers(start_simulator, connect):
    sim = start_simulator(tasks=600, add_at_head_per_request=1)

    with pytest.raises(ListingIncomplete, match="no consistent pass in 2 rounds") as caught:
        list_all_tasks(connect(token_config(sim)), page_size=100, max_rounds=2)

    assert "count changed" in str(caught.value)
    assert caught.value.expected > 600


def test_auth_failure_mid_listing_stops_it_with_the_api_error(start_simulator, connect):
    sim = start_simulator(tasks=1_234, token_expires_after=3)

    with pytest.raises(SmsApiError) as caught:
        list_all_tasks(connect(token_config(sim)), page_size=100, concurrency=2)

    assert (caught.value.status, caught.value.error_code) == (401, "APIGW.0301")
    assert caught.value.retryable is False


def test_faulty_gateway_still_yields_the_exact_listing(start_simulator, connect):
    sim = start_simulator(
        tasks=1_234,
        throttle_every=5,
        retry_after_s=0,
        server_error_every=7,
        truncate_every=11,
        drop_every=13,
        non_json_every=17,
    )
    recorder = PageRecorder()
    client = connect(token_config(sim))

    result = list_all_tasks(client, page_size=50, on_page=recorder)

    assert result.task_ids == set(sim.store.ids())
    assert_written_once(recorder, result)
    statuses = [record.status for record in sim.requests]
    assert result.client_stats["throttled"] == statuses.count(429)
    assert result.client_stats["requests"] == len(statuses)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 201}, "page_size"),
        ({"concurrency": 0}, "concurrency"),
        ({"filters": {"status": "READY"}}, "unknown filter"),
    ],
)
def test_listing_mistakes_are_clear_errors(start_simulator, connect, settings, message):
    sim = start_simulator(tasks=10)
    with pytest.raises(ValueError, match=message):
        list_all_tasks(connect(token_config(sim)), **settings)
