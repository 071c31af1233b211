"""The simulated clock: frozen at ``start_time`` until :meth:`SimClock.advance`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class SimClock:
    """Simulated "now". Moving it runs ``on_advance(old_ms, new_ms)`` (the task lifecycle)."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.on_advance: Callable[[int, int], None] | None = None

    @property
    def now(self) -> datetime:
        return self._now

    def now_ms(self) -> int:
        return to_ms(self._now)

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward by ``delta`` (must be positive); return the new now."""
        if delta <= timedelta(0):
            raise ValueError(f"the clock only moves forward, got {delta}")
        with self._lock:
            old_ms = self.now_ms()
            self._now = self._now + delta
            if self.on_advance is not None:
                self.on_advance(old_ms, self.now_ms())
            return self._now
