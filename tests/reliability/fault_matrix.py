"""The fault matrix: which simulator faults a full ingestion survives exactly, which fail it.

The cases are declared here once. ``test_fault_matrix.py`` runs each against the real
simulator and records the outcome it *observed* to :data:`OUTCOMES_FILE`; this module
renders those records as ``docs/fault-matrix.md``, and a test asserts the committed file
equals the rendering, so the document cannot drift from what the code does.

    .venv/bin/pytest tests/reliability/test_fault_matrix.py
    .venv/bin/python -m tests.reliability.fault_matrix --write   # refresh docs/fault-matrix.md
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson

from bench.readme_section import update_readme

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC_FILE = REPO_ROOT / "docs" / "fault-matrix.md"
OUTCOMES_FILE = REPO_ROOT / ".pytest_cache" / "fault-matrix" / "outcomes.json"

Outcome = Literal["exact", "fails"]
EXACT: Outcome = "exact"
FAILS: Outcome = "fails"

#: Settings every case runs with unless it overrides them: small pages so a listing spans
#: several, a retry budget and backoff small enough that a fault outlasting it fails fast.
BASE_SETTINGS = {
    "SMS_PAGE_SIZE": "100",
    "SMS_CONCURRENCY": "4",
    "SMS_MAX_RETRIES": "4",
    "SMS_TIMEOUT_S": "5",
    "SMS_RETRY_BACKOFF_S": "0.05",
}


@dataclass(frozen=True)
class FaultCase:
    """One row of the matrix: a fault, how the simulator is told to inject it, what must happen."""

    key: str
    fault: str
    injection: str
    faults: dict[str, Any]
    expected: Outcome
    tasks: int = 1000
    settings: dict[str, str] = field(default_factory=dict)
    error_phrase: str = ""  # for FAILS: what the error must say, so a person can act

    def source_env(self, endpoint: str, token: str) -> dict[str, str]:
        return {
            **BASE_SETTINGS,
            **self.settings,
            "SMS_ENDPOINT": endpoint,
            "SMS_AUTH_TOKEN": token,
        }


FAULT_CASES: tuple[FaultCase, ...] = (
    FaultCase(
        "throttle_within_budget",
        "429 storm with Retry-After",
        "`throttle_burst=3, retry_after_s=1`",
        {"throttle_burst": 3, "retry_after_s": 1},
        EXACT,
    ),
    FaultCase(
        "throttle_beyond_budget",
        "429 on every request",
        "`throttle_every=1, retry_after_s=0`, SMS_MAX_RETRIES=2",
        {"throttle_every": 1, "retry_after_s": 0},
        FAILS,
        settings={"SMS_MAX_RETRIES": "2"},
        error_phrase="HTTP 429",
    ),
    FaultCase(
        "server_errors_within_budget",
        "500/502/503/504 with HTML bodies",
        "`server_error_burst=4`",
        {"server_error_burst": 4},
        EXACT,
    ),
    FaultCase(
        "server_errors_beyond_budget",
        "5xx on every request",
        "`server_error_every=1`, SMS_MAX_RETRIES=2",
        {"server_error_every": 1},
        FAILS,
        settings={"SMS_MAX_RETRIES": "2"},
        error_phrase="HTTP 50",
    ),
    FaultCase(
        "read_timeout",
        "read timeouts (latency > timeout)",
        "`latency_ms=800`, SMS_TIMEOUT_S=0.2, SMS_MAX_RETRIES=1",
        {"latency_ms": 800},
        FAILS,
        settings={"SMS_TIMEOUT_S": "0.2", "SMS_MAX_RETRIES": "1"},
        error_phrase="Read timed out",
    ),
    FaultCase(
        "connection_reset",
        "connection reset without a response",
        "`drop_burst=2`",
        {"drop_burst": 2},
        EXACT,
    ),
    FaultCase(
        "truncated_json",
        "truncated JSON body (full Content-Length, half the bytes)",
        "`truncate_burst=2`",
        {"truncate_burst": 2},
        EXACT,
    ),
    FaultCase(
        "non_json_200",
        "200 with a non-JSON (HTML) body",
        "`non_json_burst=2`",
        {"non_json_burst": 2},
        EXACT,
    ),
    FaultCase(
        "token_expires",
        "token expiring mid-run (401 after 4 requests)",
        "`token_expires_after=4`",
        {"token_expires_after": 4},
        FAILS,
        error_phrase="HTTP 401",
    ),
    FaultCase(
        "tasks_added_while_paging",
        "tasks added at the head while paging",
        "`add_at_head_per_request=2, mutations_budget=12`",
        {"add_at_head_per_request": 2, "mutations_budget": 12},
        EXACT,
    ),
    FaultCase(
        "tasks_removed_while_paging",
        "tasks removed at the head while paging",
        "`remove_at_head_per_request=2, mutations_budget=12`",
        {"remove_at_head_per_request": 2, "mutations_budget": 12},
        EXACT,
    ),
    FaultCase(
        "relentless_churn",
        "tasks added on every page, without end",
        "`add_at_head_per_request=1` (no budget)",
        {"add_at_head_per_request": 1},
        FAILS,
        error_phrase="no consistent pass",
    ),
    FaultCase(
        "clamped_limit",
        "limit silently clamped by the server",
        "`max_limit=30` with SMS_PAGE_SIZE=100",
        {"max_limit": 30},
        EXACT,
    ),
    FaultCase(
        "empty_page_mid_listing",
        "one empty page mid-listing",
        "`empty_page_once_at_offset=400`",
        {"empty_page_once_at_offset": 400},
        EXACT,
    ),
    FaultCase(
        "count_above_offset_cap",
        "count above the offset cap (65,535 + 200)",
        "70,000 tasks, SMS_PAGE_SIZE=200, SMS_CONCURRENCY=8",
        {},
        EXACT,
        tasks=70_000,
        settings={"SMS_PAGE_SIZE": "200", "SMS_CONCURRENCY": "8"},
    ),
)
CASES_BY_KEY = {case.key: case for case in FAULT_CASES}


@dataclass(frozen=True)
class ObservedOutcome:
    """What a case did: the outcome and a deterministic one-line detail."""

    key: str
    outcome: Outcome
    detail: str


def save_outcomes(outcomes: list[ObservedOutcome], path: Path = OUTCOMES_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(outcomes, key=lambda o: list(CASES_BY_KEY).index(o.key))
    path.write_bytes(orjson.dumps([asdict(o) for o in ordered], option=orjson.OPT_INDENT_2))


def load_outcomes(path: Path = OUTCOMES_FILE) -> list[ObservedOutcome]:
    if not path.is_file():
        raise FileNotFoundError(
            f"no recorded outcomes at {path}: run "
            "`.venv/bin/pytest tests/reliability/test_fault_matrix.py` first"
        )
    return [ObservedOutcome(**record) for record in orjson.loads(path.read_bytes())]


_OUTCOME_TEXT = {
    EXACT: "exact task set ingested (lake ids == simulator ids)",
    FAILS: "run fails with a clear error; published lake, warehouse, exports unchanged",
}


def render_markdown(outcomes: list[ObservedOutcome]) -> str:
    """The matrix as markdown, one row per case in declaration order."""
    by_key = {outcome.key: outcome for outcome in outcomes}
    lines = [
        "# Fault matrix",
        "",
        "Generated by `python -m tests.reliability.fault_matrix --write` from the outcomes",
        "`tests/reliability/test_fault_matrix.py` observed; a test keeps this file equal to",
        "them. Each fault runs a full ingestion against the built-in simulator, into a lake",
        "that already holds a published snapshot (with its warehouse, exports and report).",
        "There are only two acceptable outcomes: the exact task set is ingested, or the run",
        "fails with a clear message and everything published before is byte-for-byte",
        "unchanged. Never a partial snapshot.",
        "",
        "| fault | injected with | outcome | observed |",
        "| --- | --- | --- | --- |",
    ]
    for case in FAULT_CASES:
        observed = by_key.get(case.key)
        if observed is None:
            raise ValueError(f"no recorded outcome for fault case {case.key!r}")
        detail = observed.detail.replace("|", "\\|")
        lines.append(
            f"| {case.fault} | {case.injection} | {_OUTCOME_TEXT[observed.outcome]} | {detail} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {DOC_FILE}")
    args = parser.parse_args(argv)
    try:
        text = render_markdown(load_outcomes())
    except (FileNotFoundError, ValueError) as exc:
        print(f"fault_matrix: {exc}", file=sys.stderr)
        return 2
    if args.write:
        DOC_FILE.write_text(text)
        update_readme(text, "fault-matrix")
        print(f"wrote {DOC_FILE} and README.md's fault matrix")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
