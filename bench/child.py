"""One contender run in a fresh process: ``python -m bench.child NAME --base-url URL --workdir D``.

A fresh interpreter per run means peak RSS (VmHWM) belongs to that contender alone and
no run warms caches for the next. Heavy imports happen before the clock starts; the
contender times its own work. The last stdout line is the JSON result; the token comes
from the environment, never argv (argv is visible to every user on the machine).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path

from bench.contender import RunContext
from bench.hidden_modules import hide_modules
from bench.peak_rss import peak_rss_mb

RESULT_PREFIX = "BENCH-RESULT "
TOKEN_ENV = "BENCH_SMS_TOKEN"
CONTENDER_MODULES: dict[str, str] = {
    "ours": "bench.contender_ours",
    "naive": "bench.contender_naive",
    "dlt": "bench.contender_dlt",
    "flatten": "bench.contender_flatten",
    "warehouse": "bench.contender_warehouse",
}
#: Children running our code, set up as our processes are: pandas is not a dependency of
#: ours (only of the bench extra); installed beside it, pyarrow would import it lazily on its
#: first conversion (~1 s and tens of MB no deployment pays), so it is hidden. And Arrow's
#: pool is the one ``pipelines`` picks, which must happen before pyarrow is imported.
OUR_CODE = frozenset({"ours", "flatten"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.child")
    parser.add_argument("contender", choices=sorted(CONTENDER_MODULES))
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--page-size", type=int, default=200)
    args = parser.parse_args(argv)
    if args.contender in OUR_CODE:
        hide_modules("pandas")
        from pipelines.lake.allocator import prefer_system_allocator

        prefer_system_allocator()
    module = importlib.import_module(CONTENDER_MODULES[args.contender])
    context = RunContext(
        base_url=args.base_url,
        token=os.environ.get(TOKEN_ENV, ""),
        workdir=args.workdir,
        page_size=args.page_size,
    )
    args.workdir.mkdir(parents=True, exist_ok=True)
    outcome = module.run(context)
    peak = peak_rss_mb()  # before reading the output back, which is not the contender's work
    written = module.written(context)
    result = {
        "contender": args.contender,
        "seconds": outcome.seconds,
        "peak_rss_mb": round(peak, 1),
        "rows": written.rows,
        "distinct_ids": written.distinct_ids,
        "details": outcome.details,
    }
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
