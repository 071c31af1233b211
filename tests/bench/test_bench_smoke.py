"""The results writer on fixed, hand-made figures: medians, ratios, targets, files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.launch import ChildResult
from bench.report import build_results, render_markdown, write_results
from bench.summary import cell_key, summarise_cell

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


def runs(contender: str, seconds: list[float], rss: list[float], rows: int, **details):
    return [
        ChildResult(contender, s, s + 1, r, rows, rows, {k: v[i] for k, v in details.items()})
        for i, (s, r) in enumerate(zip(seconds, rss, strict=True))
    ]


def cell(tasks: int, latency_ms: int, ours: list[float], ours_rss: list[float], naive_rows: int):
    samples = {
        "ours": runs("ours", ours, ours_rss, tasks),
        "naive": runs("naive", [12.0, 10.0, 11.0], [400.0, 420.0, 410.0], naive_rows),
        "dlt": runs("dlt", [30.0, 20.0, 25.0], [500.0, 500.0, 500.0], tasks),
        "flatten": runs(
            "flatten",
            [1.0, 1.0, 1.0],
            [1.0, 1.0, 1.0],
            tasks,
            flatten_s=[0.9, 0.6, 0.75],
            parse_floor_s=[0.3, 0.2, 0.25],
        ),
    }
    return summarise_cell(tasks, latency_ms, tasks, samples, {})


@pytest.fixture
def cells() -> dict[str, dict]:
    return {
        cell_key(5000, 0): cell(5000, 0, [2.0, 1.0, 3.0], [100.0, 110.0, 120.0], 5000),
        cell_key(65735, 0): cell(65735, 0, [2.0, 2.5, 3.0], [150.0, 160.0, 170.0], 65600),
        cell_key(65735, 100): cell(65735, 100, [4.0, 5.0, 6.0], [160.0, 160.0, 160.0], 65600),
    }


def test_cell_figures_are_medians_and_ratios_of_medians(cells):
    big = cells["65735@0ms"]
    assert (big["ours_s"], big["naive_s"], big["dlt_s"]) == (2.5, 11.0, 25.0)
    assert (big["ours_rss_mb"], big["naive_rss_mb"], big["dlt_rss_mb"]) == (160.0, 410.0, 500.0)
    assert (big["flatten_s"], big["parse_floor_s"]) == (0.75, 0.25)
    assert big["naive_over_ours"] == 4.4
    assert big["dlt_over_ours"] == 10.0
    assert big["flatten_over_parse_floor"] == 3.0
    assert big["ours_rss_over_naive_rss"] == 0.39
    assert big["runs"] == 3


def test_rows_short_of_the_count_are_not_exact(cells):
    verdicts = cells["65735@0ms"]["correctness"]
    assert verdicts["ours"]["exact"] is True
    assert verdicts["naive"] == {
        "expected": 65735,
        "rows": [65600],
        "distinct_ids": [65600],
        "exact": False,
    }


def test_targets_met_and_missed(cells):
    targets = {t["name"]: t for t in build_results(MACHINE, {}, cells)["targets"]}
    # 100 ms: naive 11/5 = 2.2x, dlt 25/5 = 5x -> both under 6x
    assert targets["speed_vs_naive_and_dlt_at_100ms"]["measured"] == {
        "65735@100ms naive_over_ours": 2.2,
        "65735@100ms dlt_over_ours": 5.0,
    }
    assert targets["speed_vs_naive_and_dlt_at_100ms"]["met"] is False
    assert targets["speed_vs_naive_at_0ms"]["met"] is True  # 4.4 >= 3
    assert targets["flatten_near_parse_floor"]["met"] is True  # exactly 3.0 <= 3
    assert targets["rss_half_of_naive"]["met"] is True  # 0.39 and 160/410 = 0.39
    # growth 160/110 = 1.455 at 0 ms; no 5,000 cell at 100 ms -> not measured
    growth = targets["rss_growth_small_to_large"]
    assert growth["measured"] == {
        "65735/5000@0ms ours_rss_growth": 1.455,
        "65735/5000@100ms ours_rss_growth": None,
    }
    assert growth["met"] is None


def test_quick_run_leaves_targets_unmeasured(cells):
    only_small = {"5000@0ms": cells["5000@0ms"]}
    targets = {t["name"]: t for t in build_results(MACHINE, {}, only_small)["targets"]}
    assert targets["speed_vs_naive_at_0ms"]["met"] is None
    assert targets["rss_half_of_naive"]["met"] is None


def test_files_written(cells, tmp_path: Path):
    results = build_results(MACHINE, {"runs": 3, "method": "m"}, cells)
    json_path, md_path = write_results(results, tmp_path)
    assert json.loads(json_path.read_text())["cells"]["65735@100ms"]["ours_s"] == 5.0
    markdown = md_path.read_text()
    assert markdown == render_markdown(results)
    assert "Test CPU, 2 cores, 4.0 GB RAM" in markdown
    assert "`abc123`" in markdown
    assert "| 65,735 | 100 ms | 3 | 5.00 | 11.00 | 25.00 | 2.2× | 5.0× |" in markdown
    assert "**65,600 of 65,735**" in markdown
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json", "results.md"]
