"""Fault injection: what the simulated gateway does wrong, and when.

:class:`Faults` is a plain mutable dataclass that the server reads on every
request, so a test can change it between calls. "burst" fields count down
from N (the next N requests get the fault); "every" fields fire on every Nth
request counted by this :class:`Faults` object (1-based, all requests).
When several faults are due on one request, the first of drop, throttle,
server error, non-JSON, truncate wins, and only that one's burst is used up.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import Enum


class Fault(Enum):
    DROP = "drop"
    THROTTLE = "throttle"
    SERVER_ERROR = "server_error"
    NON_JSON = "non_json"
    TRUNCATE = "truncate"


SERVER_ERROR_STATUSES = (500, 502, 503, 504)


@dataclass
class Faults:
    """Knobs for each fault; all off by default. See docs/simulator.md."""

    latency_ms: int = 0
    throttle_burst: int = 0
    throttle_every: int = 0
    retry_after_s: int = 1
    server_error_burst: int = 0
    server_error_every: int = 0
    truncate_burst: int = 0
    truncate_every: int = 0
    drop_burst: int = 0
    drop_every: int = 0
    non_json_burst: int = 0
    non_json_every: int = 0
    add_at_head_per_request: int = 0
    remove_at_head_per_request: int = 0
    mutations_budget: int | None = None  # tasks added + removed; None = unlimited
    max_limit: int = 0
    empty_page_once_at_offset: int | None = None
    token_expires_after: int = 0

    requests_seen: int = field(default=0, init=False)
    token_uses: int = field(default=0, init=False)
    server_errors_sent: int = field(default=0, init=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, int) and not isinstance(value, bool) and value < 0:
                raise ValueError(f"fault setting {name} must be >= 0, got {value}")

    def next_request(self) -> tuple[Fault | None, int]:
        """Count one request; return the gateway fault due on it (if any) and its status."""
        with self._lock:
            self.requests_seen += 1
            for fault in Fault:
                if self._due(fault.value):
                    status = 0
                    if fault is Fault.THROTTLE:
                        status = 429
                    elif fault is Fault.SERVER_ERROR:
                        turn = self.server_errors_sent % len(SERVER_ERROR_STATUSES)
                        status = SERVER_ERROR_STATUSES[turn]
                        self.server_errors_sent += 1
                    elif fault in (Fault.NON_JSON, Fault.TRUNCATE):
                        status = 200
                    return fault, status
            return None, 0

    def _due(self, name: str) -> bool:
        burst = getattr(self, f"{name}_burst")
        if burst > 0:
            setattr(self, f"{name}_burst", burst - 1)
            return True
        every = getattr(self, f"{name}_every")
        return every > 0 and self.requests_seen % every == 0

    def token_expired(self) -> bool:
        """Count one token-authenticated request; True once past ``token_expires_after``."""
        with self._lock:
            self.token_uses += 1
            return 0 < self.token_expires_after < self.token_uses

    def take_empty_page(self, offset: int) -> bool:
        """True (once) for the first request at ``empty_page_once_at_offset``."""
        with self._lock:
            if self.empty_page_once_at_offset is not None and offset == (
                self.empty_page_once_at_offset
            ):
                self.empty_page_once_at_offset = None
                return True
            return False

    def take_mutations(self) -> tuple[int, int]:
        """How many tasks to add at / remove from the head after a served page."""
        with self._lock:
            add, remove = self.add_at_head_per_request, self.remove_at_head_per_request
            if self.mutations_budget is not None:
                add = min(add, self.mutations_budget)
                remove = min(remove, self.mutations_budget - add)
                self.mutations_budget -= add + remove
            return add, remove
