"""Advancing the simulated clock moves RUNNING/READY tasks on and adds new tasks at the head."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipelines.simulator import SimulatorConfig, SimulatorServer

from .conftest import TASKS, Api

START = datetime(2026, 1, 5, tzinfo=UTC)


def by_id(sim: SimulatorServer) -> dict[str, dict]:
    return {task["id"]: task for task in sim.store.tasks()}


def test_clock_starts_at_start_time_and_only_moves_on_advance(sim: SimulatorServer) -> None:
    assert sim.clock.now == START
    assert sim.clock.advance(timedelta(hours=2)) == START + timedelta(hours=2)
    with pytest.raises(ValueError):
        sim.clock.advance(timedelta(0))


def test_running_tasks_progress_and_some_finish(sim: SimulatorServer) -> None:
    before = by_id(sim)
    running = [t for t in before.values() if t["state"] == "RUNNING"]
    assert running
    sim.clock.advance(timedelta(hours=2))
    after = by_id(sim)
    moved = [t for t in running if after[t["id"]] != t]
    assert moved == running  # every running task changes (progress, total_time, or state)
    finished = [
        t for t in running if after[t["id"]]["state"] in ("MIGRATE_SUCCESS", "MIGRATE_FAIL")
    ]
    assert finished
    for task in finished:
        done = after[task["id"]]
        assert done["sub_tasks"][-1]["end_date"] is not None
        assert done["estimate_complete_time"] is None
        start = done["sub_tasks"][0]["start_date"]
        assert done["total_time"] == done["sub_tasks"][-1]["end_date"] - start
        if done["state"] == "MIGRATE_FAIL":
            assert done["error_json"].startswith('{"error_code":"SMS.1')
    still = [t for t in running if after[t["id"]]["state"] == "RUNNING"]
    for task in still:
        assert after[task["id"]]["total_time"] == task["total_time"] + 2 * 3_600_000


def test_ready_tasks_start(sim: SimulatorServer) -> None:
    ready = [t["id"] for t in sim.store.tasks() if t["state"] == "READY"]
    sim.clock.advance(timedelta(days=2))
    after = by_id(sim)
    started = [i for i in ready if after[i]["state"] != "READY"]
    assert started
    assert all(after[i]["sub_tasks"] for i in started)


def test_new_tasks_appear_at_the_head(api: Api) -> None:
    sim = api.sim
    before = sim.store.ids()
    sim.clock.advance(timedelta(hours=2))
    after = sim.store.ids()
    added = len(after) - len(before)
    assert added >= 1
    assert after[added:] == before
    page = api.page(limit=added)
    assert page["count"] == TASKS + added
    start_ms = int(START.timestamp() * 1000)
    for task in page["tasks"]:
        assert start_ms < task["create_date"] <= start_ms + 2 * 3_600_000


def test_same_seed_and_advances_give_the_same_account() -> None:
    def run() -> list[dict]:
        sim = SimulatorServer(SimulatorConfig(tasks=300, seed=11))
        sim.clock.advance(timedelta(hours=1))
        sim.clock.advance(timedelta(hours=5))
        return sim.store.tasks()

    assert run() == run()


def test_an_account_with_no_arrivals_keeps_its_tasks() -> None:
    config = SimulatorConfig(tasks=50, seed=7, arrivals_per_hour=0, min_arrivals_per_advance=0)
    sim = SimulatorServer(config)
    before = sim.store.ids()
    for _ in range(48):
        sim.clock.advance(timedelta(minutes=30))
    assert sim.store.ids() == before


def test_arrivals_follow_the_configured_rate_without_a_floor() -> None:
    config = SimulatorConfig(tasks=50, seed=7, arrivals_per_hour=0.5, min_arrivals_per_advance=0)
    sim = SimulatorServer(config)
    for _ in range(48 * 20):  # 20 days of half-hourly advances: 240 expected arrivals
        sim.clock.advance(timedelta(minutes=30))
    added = sim.store.count() - 50
    assert 200 < added < 280  # the floor of one per advance would have made it >= 960


def test_negative_arrival_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="arrivals_per_hour"):
        SimulatorConfig(arrivals_per_hour=-1)
    with pytest.raises(ValueError, match="min_arrivals_per_advance"):
        SimulatorConfig(min_arrivals_per_advance=-1)
