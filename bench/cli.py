"""``python -m bench``: options, the run, and where the results go."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.machine import describe_machine
from bench.readme_section import update_readme
from bench.report import JSON_NAME, build_results, render_markdown, write_results
from bench.scale import (
    FULL_SOURCE_COUNTS,
    FULL_TASKS_PER_SOURCE,
    QUICK_SOURCE_COUNTS,
    QUICK_TASKS_PER_SOURCE,
    ScaleOptions,
    run_scale,
    run_scale_recorded,
)
from bench.suite import ALL_CONTENDERS, SuiteOptions, run_suite

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_SIZES = (5_000, 65_735)
DEFAULT_LATENCIES_MS = (0, 100)
DEFAULT_RUNS = 3
METHOD = (
    "each contender runs in its own fresh process against a simulator in another process "
    "(one per N and latency, shared); seconds = the contender's work after imports, "
    "median of the runs; peak RSS = the child's VmHWM; ours = ingest_snapshot (concurrency 8, "
    "page size 200); naive = sequential requests loop + pandas.json_normalize + to_parquet; "
    "dlt = rest_api offset paginator into filesystem Parquet"
)


def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated whole numbers, got {text!r}"
        ) from None
    if not values or any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected non-negative whole numbers, got {text!r}")
    return values


def _contender_list(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(set(names) - set(ALL_CONTENDERS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown contender(s) {unknown}; choose from {', '.join(ALL_CONTENDERS)}"
        )
    return names


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark our ingestion against a naive script and dlt on the simulator.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: N=5,000 only, 1 run; results go to the work dir, not bench/",
    )
    parser.add_argument(
        "--runs", type=int, default=None, help=f"runs per cell (default {DEFAULT_RUNS})"
    )
    parser.add_argument(
        "--sizes", type=_int_list, default=None, help="task counts, e.g. 5000,65735"
    )
    parser.add_argument(
        "--latencies", type=_int_list, default=None, help="ms per request, e.g. 0,100"
    )
    parser.add_argument("--contenders", type=_contender_list, default=ALL_CONTENDERS)
    parser.add_argument("--out-dir", type=Path, default=None, help="where results.json/md go")
    parser.add_argument(
        "--skip-warehouse", action="store_true", help="skip the SQL models build timing"
    )
    parser.add_argument("--keep-workdir", action="store_true", help="keep logs and outputs")
    scale = parser.add_argument_group("scale figure (sources in one Dagster fan-out)")
    scale.add_argument(
        "--scale",
        action="store_true",
        help="only the scale figure (with --quick: 3 sources x 2,000); merged into results.json",
    )
    scale.add_argument("--skip-scale", action="store_true", help="leave the scale figure out")
    scale.add_argument(
        "--scale-sources", type=_int_list, default=None, help="source counts, e.g. 5,20"
    )
    scale.add_argument("--scale-tasks", type=int, default=None, help="tasks per source")
    scale.add_argument("--scale-latency", type=int, default=0, help="simulator ms per request")
    scale.add_argument(
        "--scale-executor",
        choices=("in_process", "multiprocess"),
        default=None,
        help="SMS_EXECUTOR of the runs (default: what deploy/serve.sh uses)",
    )
    args = parser.parse_args(argv)
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.scale and args.skip_scale:
        parser.error("--scale and --skip-scale contradict each other")
    if (args.scale_sources and 0 in args.scale_sources) or (
        args.scale_tasks is not None and args.scale_tasks < 1
    ):
        parser.error("--scale-sources and --scale-tasks must be at least 1")
    return args


def scale_options(args: argparse.Namespace, workroot: Path) -> ScaleOptions:
    quick = args.quick
    return ScaleOptions(
        workroot=workroot / "scale",
        source_counts=args.scale_sources or (QUICK_SOURCE_COUNTS if quick else FULL_SOURCE_COUNTS),
        tasks_per_source=args.scale_tasks
        or (QUICK_TASKS_PER_SOURCE if quick else FULL_TASKS_PER_SOURCE),
        latency_ms=args.scale_latency,
        **({"executor": args.scale_executor} if args.scale_executor else {}),
        wait_for_warehouse=not quick,
    )


def _previous_results(out_dir: Path) -> dict[str, object] | None:
    """The results.json a scale-only run adds its figure to (the other figures kept)."""
    try:
        return json.loads((out_dir / JSON_NAME).read_text())
    except (OSError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = args.sizes or ((5_000,) if args.quick else DEFAULT_SIZES)
    runs = args.runs or (1 if args.quick else DEFAULT_RUNS)
    latencies = args.latencies or DEFAULT_LATENCIES_MS
    workroot = Path(tempfile.mkdtemp(prefix="sms-bench-"))
    out_dir = args.out_dir or (workroot / "results" if args.quick else BENCH_DIR)
    options = SuiteOptions(
        sizes=sizes,
        latencies_ms=latencies,
        runs=runs,
        workroot=workroot,
        contenders=args.contenders,
    )
    from pipelines.simulator import DEMO_TOKEN

    def progress(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    machine = describe_machine(REPO_ROOT).as_dict()  # the load average before the runs
    started = time.monotonic()
    try:
        if args.scale:
            return _scale_only(args, machine, workroot, out_dir, progress)
        cells = run_suite(options, DEMO_TOKEN, progress)
        warehouse = None
        if not (args.skip_warehouse or args.quick):
            from bench.warehouse_build import measure_warehouse_build

            warehouse = measure_warehouse_build(workroot / "warehouse", progress)
        scale = None
        if not (args.skip_scale or args.quick):
            scale = run_scale_recorded(scale_options(args, workroot), DEMO_TOKEN, progress)
        settings = {
            "sizes": list(sizes),
            "latencies_ms": list(latencies),
            "runs": runs,
            "contenders": list(args.contenders),
            "page_size": options.page_size,
            "seed": options.seed,
            "method": METHOD,
            "total_s": round(time.monotonic() - started, 1),
        }
        results = build_results(machine, settings, cells, warehouse, scale)
        _publish(results, out_dir, progress)
    finally:
        if not args.keep_workdir and not args.quick:
            shutil.rmtree(workroot, ignore_errors=True)
    return 0


def _scale_only(
    args: argparse.Namespace,
    machine: dict[str, object],
    workroot: Path,
    out_dir: Path,
    progress: Callable[[str], None],
) -> int:
    from pipelines.simulator import DEMO_TOKEN

    scale = run_scale(scale_options(args, workroot), DEMO_TOKEN, progress)
    scale["machine"] = machine  # it may be measured on another day than the other figures
    results = _previous_results(out_dir) or build_results(machine, {}, {})
    results["scale"] = scale
    _publish(results, out_dir, progress)
    failed = [f for f in scale["fanouts"].values() if f["failed_sources"] or not f["exact"]]
    return 1 if failed else 0


def _publish(results: dict[str, object], out_dir: Path, progress: Callable[[str], None]) -> None:
    json_path, md_path = write_results(results, out_dir)
    markdown = render_markdown(results)
    sys.stdout.write("\n" + markdown + "\n")
    progress(f"wrote {json_path} and {md_path}")
    if out_dir == BENCH_DIR:
        update_readme(markdown, "bench", REPO_ROOT / "README.md")
        progress("copied the results into README.md")
