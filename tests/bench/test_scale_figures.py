"""The scale figure's arithmetic on hand-made runs: wall, spreads, overlap, exactness, flatness."""

from __future__ import annotations

from bench.report import build_results, render_markdown
from bench.scale import most_at_once, rss_growth, spread, summarise_fanout
from bench.scale_fleet import FleetSource, sources_yaml

MACHINE = {
    "cpu_model": "Test CPU",
    "cores": 2,
    "ram_gb": 4.0,
    "python": "3.11.0",
    "platform": "Linux",
    "date": "2026-01-05 00:00 UTC",
    "git_commit": "abc123",
    "git_dirty": False,
    "load_average_1m": 0.1,
}


def run(partition, status, queued, start, end, rss, distinct):
    return {
        "partition": partition,
        "status": status,
        "queued_at": queued,
        "start_time": start,
        "end_time": end,
        "metadata": {"peak_rss_mb": rss, "distinct_ids": distinct},
    }


RUNS = [
    run("sim-01", "SUCCESS", 100.0, 102.0, 110.0, 300.0, 1000),
    run("sim-02", "SUCCESS", 100.5, 103.0, 112.0, 310.0, 1000),
    run("sim-03", "SUCCESS", 101.0, 110.0, 125.0, 305.0, 1000),
]
COUNTS = {"sim-01": 1000, "sim-02": 1000, "sim-03": 1000}


def test_wall_is_first_queued_to_last_finished_and_spreads_are_min_median_max():
    figures = summarise_fanout(COUNTS, RUNS, submit_s=4.04)
    assert figures["wall_s"] == 25.0
    assert figures["tasks_per_s"] == 120
    assert figures["total_tasks"] == 3000
    assert figures["run_s"] == {"min": 8.0, "median": 9.0, "max": 15.0}
    assert figures["peak_rss_mb"] == {"min": 300.0, "median": 305.0, "max": 310.0}
    assert figures["submit_s"] == 4.0
    assert figures["most_runs_at_once"] == 2  # sim-03 starts as sim-01 ends
    assert figures["exact"] is True
    assert figures["failed_sources"] == []


def test_a_failed_or_short_source_is_named_and_not_exact():
    runs = [*RUNS[:2], run("sim-03", "FAILURE", 101.0, 110.0, 111.0, None, -1)]
    figures = summarise_fanout(COUNTS, runs, submit_s=1.0)
    assert figures["exact"] is False
    assert figures["failed_sources"] == ["sim-03"]
    assert figures["runs_succeeded"] == 2
    assert figures["peak_rss_mb"] == {"min": 300.0, "median": 305.0, "max": 310.0}


def test_overlap_counts_intervals_open_together():
    assert most_at_once([]) == 0
    assert most_at_once([(0, 10), (1, 2), (3, 4), (5, 11)]) == 2
    assert most_at_once([(0, 10), (1, 9), (2, 8)]) == 3
    assert spread([]) is None


def test_memory_growth_compares_the_most_sources_with_the_fewest():
    fanouts = {
        "20": {"peak_rss_mb": {"min": 1, "median": 315.0, "max": 1}},
        "5": {"peak_rss_mb": {"min": 1, "median": 300.0, "max": 1}},
    }
    assert rss_growth(fanouts) == 1.05
    assert rss_growth({"5": fanouts["5"]}) is None


def test_the_sources_file_names_the_token_variable_never_the_token():
    text = sources_yaml([FleetSource("sim-01", "http://127.0.0.1:4100", 10)], 200, 8)
    assert text == (
        "sources:\n"
        "  - name: sim-01\n"
        "    endpoint: http://127.0.0.1:4100\n"
        "    token_env: BENCH_SMS_TOKEN\n"
        "    page_size: 200\n"
        "    concurrency: 8\n"
    )


def test_results_md_shows_the_scale_table_and_the_flatness_verdict():
    fanout = summarise_fanout(COUNTS, RUNS, submit_s=1.0)
    fanout["limits"] = {
        "max_concurrent_runs": 6,
        "tag_concurrency_limits": [{"key": "dagster/partition", "limit": 1}],
        "pool_default_limit": 4,
    }
    fanout["warehouse"] = {"status": "SUCCESS", "queued_after_last_ingest_s": 30.5, "run_s": 12.0}
    scale = {
        "settings": {
            "tasks_per_source": 1000,
            "latency_ms": 0,
            "executor": "in_process",
            "cores": 2,
        },
        "fanouts": {"3": fanout, "1": {**fanout, "sources": 1}},
        "rss_growth": 1.02,
        "rss_flat_threshold": 1.25,
        "rss_flat": True,
    }
    scale_machine = {**MACHINE, "cpu_model": "AMD EPYC", "date": "2026-11-29 02:30 UTC"}
    markdown = render_markdown(
        build_results(MACHINE, {}, {}, None, {**scale, "machine": scale_machine})
    )
    assert "## Wall time and peak RSS" not in markdown  # a scale-only results file
    # it may be measured on another day, so on another machine than the other figures
    assert (
        f"Measured 2026-11-29 02:30 UTC on AMD EPYC ({MACHINE['cores']} cores) at commit "
        f"`{MACHINE['git_commit']}`; load average (1 min) at start: {MACHINE['load_average_1m']}."
    ) in markdown
    assert (
        "| 3 | 3,000 | 3/3 | yes | 25.0 | 120 | 2 | 8.0 / 9.0 / 15.0 | 300.0 / 305.0 / 310.0 "
        "| queued 30.5 s after the last ingest, built in 12.0 s |"
    ) in markdown
    assert "at most 6 runs at once, 1 per source, `sms_api` pool 4" in markdown
    assert "median peak RSS at 3 sources / at 1 sources = 1.02× (flat means < 1.25×): yes." in (
        markdown
    )
