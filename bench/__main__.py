"""``python -m bench``: run the benchmark suite (see :mod:`bench.cli`)."""

from bench.cli import main

raise SystemExit(main())
