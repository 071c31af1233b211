"""Simulator settings and the documented demo credentials (never real secrets)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

#: Mean new tasks per simulated hour unless configured otherwise.
ARRIVALS_PER_HOUR = 1.0

DEMO_TOKEN = "sms-simulator-demo-token"
DEMO_AK = "SMSSIMDEMOAK0000000000"
DEMO_SK = "sms-simulator-demo-secret-key-not-a-real-secret"
DEMO_PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
DEFAULT_START_TIME = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass(frozen=True)
class SimulatorConfig:
    """What the simulated account holds and who may read it.

    ``tasks`` and ``seed`` fully determine the generated data; ``start_time``
    is the simulated clock's "now" until :meth:`SimClock.advance` moves it.
    """

    tasks: int = 500
    seed: int = 7
    token: str = DEMO_TOKEN
    ak: str = DEMO_AK
    sk: str = field(default=DEMO_SK, repr=False)
    project_id: str = DEMO_PROJECT_ID
    start_time: datetime = DEFAULT_START_TIME
    #: New tasks created per simulated hour, on average (Poisson) when the clock advances.
    arrivals_per_hour: float = ARRIVALS_PER_HOUR
    #: Fewest new tasks per clock advance: 1, so every advance shows a new task at the head;
    #: 0 lets a low ``arrivals_per_hour`` hold (a long history of a small account).
    min_arrivals_per_advance: int = 1

    def __post_init__(self) -> None:
        if self.tasks < 0:
            raise ValueError(f"tasks must be >= 0, got {self.tasks}")
        if self.arrivals_per_hour < 0 or self.min_arrivals_per_advance < 0:
            raise ValueError("arrivals_per_hour and min_arrivals_per_advance must be >= 0")
        if self.start_time.tzinfo is None:
            raise ValueError("start_time must be timezone-aware (UTC)")
        if not (self.token and self.ak and self.sk and self.project_id):
            raise ValueError("token, ak, sk and project_id must be non-empty")
