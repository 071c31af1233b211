"""``python -m bench``: options, the run, and where the results go."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.machine import describe_machine
from bench.readme_section import update_readme
from bench.report import build_results, render_markdown, write_results
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
    args = parser.parse_args(argv)
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


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

    started = time.monotonic()
    try:
        cells = run_suite(options, DEMO_TOKEN, progress)
        warehouse = None
        if not (args.skip_warehouse or args.quick):
            from bench.warehouse_build import measure_warehouse_build

            warehouse = measure_warehouse_build(workroot / "warehouse", runs, progress)
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
        results = build_results(describe_machine(REPO_ROOT).as_dict(), settings, cells, warehouse)
        json_path, md_path = write_results(results, out_dir)
    finally:
        if not args.keep_workdir and not args.quick:
            shutil.rmtree(workroot, ignore_errors=True)
    markdown = render_markdown(results)
    sys.stdout.write("\n" + markdown + "\n")
    progress(f"wrote {json_path} and {md_path}")
    if out_dir == BENCH_DIR:
        update_readme(markdown, "bench", REPO_ROOT / "README.md")
        progress("copied the results into README.md")
    return 0
