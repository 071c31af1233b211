"""The issue's performance targets, evaluated against measured cells.

A target is ``met: null`` when the cells it needs were not measured (``--quick``),
never silently true.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bench.summary import cell_key

LARGE_N = 65_735
SMALL_N = 5_000

Cells = Mapping[str, Mapping[str, object]]
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "<": operator.lt,
}


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    threshold: float
    comparison: str  # one of COMPARISONS: measured <comparison> threshold must hold
    measure: Callable[[Cells], dict[str, float | None]]

    def evaluate(self, cells: Cells) -> dict[str, object]:
        measured = self.measure(cells)
        values = [v for v in measured.values() if v is not None]
        if not measured or len(values) < len(measured):
            met: bool | None = None
        else:
            holds = COMPARISONS[self.comparison]
            met = all(holds(v, self.threshold) for v in values)
        return {
            "name": self.name,
            "description": self.description,
            "threshold": self.threshold,
            "comparison": self.comparison,
            "measured": measured,
            "met": met,
        }


def _figure(cells: Cells, key: str, figure: str) -> float | None:
    cell = cells.get(key)
    value = cell.get(figure) if cell else None
    return float(value) if isinstance(value, int | float) else None


def _latencies_with(cells: Cells, tasks: int) -> list[int]:
    return sorted({int(c["latency_ms"]) for c in cells.values() if c.get("tasks") == tasks})


def _speedups_at_100ms(cells: Cells) -> dict[str, float | None]:
    key = cell_key(LARGE_N, 100)
    if key not in cells:
        return {}
    return {
        f"{key} naive_over_ours": _figure(cells, key, "naive_over_ours"),
        f"{key} dlt_over_ours": _figure(cells, key, "dlt_over_ours"),
    }


def _speedup_at_0ms(cells: Cells) -> dict[str, float | None]:
    key = cell_key(LARGE_N, 0)
    if key not in cells:
        return {}
    return {f"{key} naive_over_ours": _figure(cells, key, "naive_over_ours")}


def _flatten_ratios(cells: Cells) -> dict[str, float | None]:
    return {
        f"{key} flatten_over_parse_floor": _figure(cells, key, "flatten_over_parse_floor")
        for key, cell in cells.items()
        if "flatten_measured_in" not in cell
    }


def _rss_vs_naive(cells: Cells) -> dict[str, float | None]:
    return {
        f"{cell_key(LARGE_N, ms)} ours_rss_over_naive_rss": _figure(
            cells, cell_key(LARGE_N, ms), "ours_rss_over_naive_rss"
        )
        for ms in _latencies_with(cells, LARGE_N)
    }


def _rss_growth(cells: Cells) -> dict[str, float | None]:
    measured: dict[str, float | None] = {}
    for ms in _latencies_with(cells, LARGE_N):
        large = _figure(cells, cell_key(LARGE_N, ms), "ours_rss_mb")
        small = _figure(cells, cell_key(SMALL_N, ms), "ours_rss_mb")
        growth = round(large / small, 3) if large is not None and small else None
        measured[f"{LARGE_N}/{SMALL_N}@{ms}ms ours_rss_growth"] = growth
    return measured


TARGETS: tuple[Target, ...] = (
    Target(
        "speed_vs_naive_and_dlt_at_100ms",
        "100 ms latency, N=65,735: ours at least 6x faster than naive and than dlt",
        6.0,
        ">=",
        _speedups_at_100ms,
    ),
    Target(
        "speed_vs_naive_at_0ms",
        "0 ms latency, N=65,735: ours at least 3x faster than naive",
        3.0,
        ">=",
        _speedup_at_0ms,
    ),
    Target(
        "flatten_near_parse_floor",
        "flatten (body to staged Parquet, parse included) within 3x of a bare orjson parse "
        "of the same pages (every N)",
        3.0,
        "<=",
        _flatten_ratios,
    ),
    Target(
        "rss_half_of_naive",
        "N=65,735: ours' peak RSS at most half of naive's",
        0.5,
        "<=",
        _rss_vs_naive,
    ),
    Target(
        "rss_growth_small_to_large",
        "ours' peak RSS grows less than 1.5x from N=5,000 to N=65,735 (same latency)",
        1.5,
        "<",
        _rss_growth,
    ),
)


def evaluate_targets(cells: Cells) -> list[dict[str, object]]:
    return [target.evaluate(cells) for target in TARGETS]
