"""Write ``results.json`` (every figure and sample) and ``results.md`` (the table people read)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from bench.contender_flatten import PASSES as FLATTEN_PASSES
from bench.scale_report import scale_section
from bench.targets import evaluate_targets

JSON_NAME = "results.json"
MARKDOWN_NAME = "results.md"

Results = dict[str, object]


def build_results(
    machine: Mapping[str, object],
    settings: Mapping[str, object],
    cells: Mapping[str, Mapping[str, object]],
    warehouse: Mapping[str, object] | None = None,
    scale: Mapping[str, object] | None = None,
) -> Results:
    return {
        "machine": dict(machine),
        "settings": dict(settings),
        "cells": {key: dict(cell) for key, cell in cells.items()},
        "targets": evaluate_targets(cells),
        "warehouse": dict(warehouse) if warehouse is not None else None,
        "scale": dict(scale) if scale is not None else None,
    }


def _num(value: object, digits: int = 2, suffix: str = "") -> str:
    if not isinstance(value, int | float):
        return "–"
    return f"{value:,.{digits}f}{suffix}"


def _exact(cell: Mapping[str, object], contender: str) -> str:
    verdicts = cell.get("correctness") or {}
    verdict = verdicts.get(contender) if isinstance(verdicts, Mapping) else None
    if not verdict:
        return "–"
    if verdict["exact"]:
        return "exact"
    rows = "/".join(f"{r:,}" for r in verdict["rows"])
    return f"**{rows} of {verdict['expected']:,}**"


def _cells_table(cells: Mapping[str, Mapping[str, object]]) -> list[str]:
    lines = [
        "| N | latency | runs | ours s | naive s | dlt s | naive/ours | dlt/ours "
        "| ours MB | naive MB | dlt MB | flatten s | parse floor s | flatten/floor |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for cell in cells.values():
        shared = " †" if cell.get("flatten_measured_in") else ""
        lines.append(
            f"| {cell['tasks']:,} | {cell['latency_ms']} ms | {cell['runs']} "
            f"| {_num(cell['ours_s'])} | {_num(cell['naive_s'])} | {_num(cell['dlt_s'])} "
            f"| {_num(cell['naive_over_ours'], 1, '×')} | {_num(cell['dlt_over_ours'], 1, '×')} "
            f"| {_num(cell['ours_rss_mb'], 0)} | {_num(cell['naive_rss_mb'], 0)} "
            f"| {_num(cell['dlt_rss_mb'], 0)} | {_num(cell['flatten_s'], 3)} "
            f"| {_num(cell['parse_floor_s'], 3)} "
            f"| {_num(cell['flatten_over_parse_floor'], 2, '×')}{shared} |"
        )
    cpu = [
        f"{cell['tasks']:,}: {cell['flatten_cpu_s']:.3f} s vs {cell['parse_floor_cpu_s']:.3f} s"
        for cell in cells.values()
        if cell.get("flatten_cpu_s") is not None
        and cell.get("parse_floor_cpu_s") is not None
        and not cell.get("flatten_measured_in")
    ]
    if cpu:
        lines += [
            "",
            "flatten parses on a pool of threads (Arrow's JSON reader, no GIL); the floor is "
            "one thread. Both are timed warm, after the same work on the first pages (a fresh "
            "process's one-time costs stay in ours' end-to-end figure), each the fastest of "
            f"{FLATTEN_PASSES} alternating passes in its process. CPU seconds of all "
            "threads, flatten vs floor: " + "; ".join(cpu) + ".",
        ]
    if any(cell.get("flatten_measured_in") for cell in cells.values()):
        lines += [
            "",
            "† flatten works on pages already in memory, so latency cannot change it: measured "
            "once per N (at the first latency) and repeated here.",
        ]
    return lines


def _correctness_table(cells: Mapping[str, Mapping[str, object]]) -> list[str]:
    lines = [
        "| N | latency | API count | ours | naive | dlt |",
        "|---:|---:|---:|---|---|---|",
    ]
    for cell in cells.values():
        lines.append(
            f"| {cell['tasks']:,} | {cell['latency_ms']} ms | {cell['api_count']:,} "
            f"| {_exact(cell, 'ours')} | {_exact(cell, 'naive')} | {_exact(cell, 'dlt')} |"
        )
    return lines


def _targets_table(targets: list[Mapping[str, object]]) -> list[str]:
    lines = ["| target | measured | needed | met |", "|---|---|---|---|"]
    for target in targets:
        measured = target["measured"] or {}
        shown = "<br>".join(f"{k}: {_num(v, 2)}" for k, v in measured.items()) or "not measured"
        met = {True: "yes", False: "**no**", None: "n/a"}[target["met"]]
        needed = f"{target['comparison']} {target['threshold']:g}"
        lines.append(f"| {target['description']} | {shown} | {needed} | {met} |")
    return lines


def _errors(cells: Mapping[str, Mapping[str, object]]) -> list[str]:
    lines: list[str] = []
    for key, cell in cells.items():
        for contender, message in (cell.get("errors") or {}).items():
            first_line = str(message).strip().splitlines()[-1] if message else ""
            lines.append(f"- {key} {contender}: {first_line[:300]}")
    return lines


def _warehouse_section(warehouse: Mapping[str, object]) -> list[str]:
    if warehouse.get("error"):
        return ["## SQL models build", "", f"Not measured: {warehouse['error']}", ""]
    return [
        "## SQL models build",
        "",
        str(warehouse.get("history", "")),
        "",
        f"- snapshots: {warehouse.get('snapshots', 0):,}; task rows in the lake: "
        f"{warehouse.get('task_rows', 0):,}; sub-task rows: {warehouse.get('sub_task_rows', 0):,}",
        f"- models built: {warehouse.get('models', 0)}",
        f"- build time (median of {warehouse.get('runs', 0)}): "
        f"{_num(warehouse.get('build_s'))} s; peak RSS {_num(warehouse.get('build_rss_mb'), 0)} MB",
        "",
    ]


def render_markdown(results: Mapping[str, object]) -> str:
    machine = results["machine"]
    settings = results["settings"]
    cells = results["cells"]
    dirty = " (with uncommitted changes)" if machine.get("git_dirty") else ""
    lines = [
        "# Benchmark results",
        "",
        f"- machine: {machine['cpu_model']}, {machine['cores']} cores, {machine['ram_gb']} GB RAM "
        f"({machine['platform']}, Python {machine['python']})",
        f"- date: {machine['date']}; load average (1 min) at start: "
        f"{machine.get('load_average_1m', '–')}",
        f"- git commit: `{machine['git_commit']}`{dirty}",
        f"- method: {settings.get('method', '')}",
        "",
    ]
    if cells:
        lines += [
            "## Wall time and peak RSS (medians)",
            "",
            *_cells_table(cells),
            "",
            "## Rows written vs the API's count",
            "",
            *_correctness_table(cells),
            "",
            "## Targets",
            "",
            *_targets_table(results["targets"]),
            "",
        ]
    errors = _errors(cells)
    if errors:
        lines += ["## Contender failures", "", *errors, ""]
    if results.get("warehouse"):
        lines += _warehouse_section(results["warehouse"])
    if results.get("scale"):
        lines += scale_section(results["scale"])
    return "\n".join(lines)


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def write_results(results: Mapping[str, object], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / JSON_NAME, out_dir / MARKDOWN_NAME
    _write_atomically(json_path, json.dumps(results, indent=2, sort_keys=False) + "\n")
    _write_atomically(md_path, render_markdown(results))
    return json_path, md_path
