"""Arrow's memory pool in our processes: the system allocator, unless the user chose one.

pyarrow's default pool (mimalloc) keeps freed memory in per-thread heaps, and an ingest
allocates on about fifteen threads (fetch, raw landing, one writer per table). Measured
with ``bench/`` on the simulator, its peak RSS was 1.7× the system allocator's (216 vs
126 MB at 5,000 tasks, 342 vs 197 MB at 65,735) at the same speed.

Arrow reads ``ARROW_DEFAULT_MEMORY_POOL`` once, when pyarrow is imported, and its C++ parts
(JSON reader, Parquet writer, kernels) keep that pool; ``pyarrow.set_memory_pool`` later
reaches only some calls. So ``pipelines/__init__.py`` sets the default before anything of
ours imports pyarrow. This module must not import pyarrow itself.
"""

from __future__ import annotations

import os

POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"
SYSTEM_POOL = "system"
#: The pool the user chose in the environment before this package set one (None: none).
USER_POOL: str | None = os.environ.get(POOL_ENV) or None


def prefer_system_allocator() -> None:
    """Default Arrow's pool to the system allocator; a pool the user set is kept.

    Takes effect only if pyarrow is not imported yet in this process (and in its children,
    which inherit the environment).
    """
    if not os.environ.get(POOL_ENV):
        os.environ[POOL_ENV] = SYSTEM_POOL
