"""Arrow's pool in our processes: the system allocator, unless the user chose one."""

import os
import subprocess
import sys

import pytest

from pipelines.lake.allocator import POOL_ENV

BACKEND = (
    "import pipelines.lake.staging, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
)


def arrow_pool_of_a_new_process(chosen: str | None) -> str:
    env = {key: value for key, value in os.environ.items() if key != POOL_ENV}
    if chosen is not None:
        env[POOL_ENV] = chosen
    done = subprocess.run(
        [sys.executable, "-c", BACKEND], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_importing_the_package_makes_the_system_allocator_arrows_pool():
    assert arrow_pool_of_a_new_process(None) == "system"


@pytest.mark.parametrize("chosen", ["mimalloc", "jemalloc"])
def test_a_pool_the_user_chose_is_kept(chosen: str):
    assert arrow_pool_of_a_new_process(chosen) == chosen
