"""What happens to the account when simulated time passes.

RUNNING tasks move through their planned sub-tasks (and finish or fail on
schedule), READY tasks whose start time has come begin, and new tasks are
created during the interval (at the head of the listing). Only READY and
RUNNING tasks change; every other state is frozen as generated.
"""

from __future__ import annotations

from .config import ARRIVALS_PER_HOUR
from .data import HOUR_MS
from .store import TaskStore


def advance_account(
    store: TaskStore,
    old_ms: int,
    new_ms: int,
    arrivals_per_hour: float = ARRIVALS_PER_HOUR,
    min_arrivals: int = 1,
) -> None:
    """Apply ``(old_ms, new_ms]`` of simulated time to ``store``: deterministic per seed."""
    rng = store.factory.rng
    expected = arrivals_per_hour * (new_ms - old_ms) / HOUR_MS
    arrivals = max(min_arrivals, int(rng.poisson(expected)))
    store.add_arrivals(arrivals, old_ms, new_ms)
    store.rerender_live(new_ms)
