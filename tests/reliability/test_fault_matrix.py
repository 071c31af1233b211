"""Every simulator fault, through a full ingestion: the exact task set, or a clean failure.

Each case starts from a data dir holding a published run. A case that ingests must
publish exactly the simulator's tasks; a case that fails must say why in one clear
message and leave every published byte as it was — through ``ingest_snapshot`` and
through the whole Dagster graph (where exports and report would follow).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.readme_section import README, replace_section, section_body
from pipelines.ingest import ingest_snapshot
from pipelines.lake.store import list_snapshots, read_table
from pipelines.settings import load_source_settings
from pipelines.simulator import DEMO_TOKEN, Faults
from pipelines.sms.errors import ListingIncomplete, SmsApiError

from .conftest import OutcomeLog, StartSimulator
from .fault_matrix import (
    DOC_FILE,
    EXACT,
    FAILS,
    FAULT_CASES,
    FaultCase,
    ObservedOutcome,
    render_markdown,
    save_outcomes,
)
from .pipeline_runs import run_refresh_job, step_failures
from .tree_state import tree_digest

_VOLATILE = (
    (re.compile(r"request_id=[0-9a-f]+"), "request_id=<id>"),
    (re.compile(r"port=\d+"), "port=<port>"),
    (re.compile(r"offset=\d+"), "offset=<n>"),  # which concurrent page met the fault
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
)


def stable_text(error: BaseException) -> str:
    """The error's first line without the parts that differ between runs (ids, ports)."""
    text = str(error).strip().splitlines()[0]
    if isinstance(error, ListingIncomplete):  # the figures depend on thread timing
        text = text.split(" (")[0]
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return f"{type(error).__name__}: {text}"


def exact_detail(listing_stats: dict[str, float], tasks: int, slices: int) -> str:
    parts = [f"{tasks} tasks"]
    if listing_stats.get("retries"):
        parts.append(f"{int(listing_stats['retries'])} retries")
    if slices:
        parts.append(f"read in {slices} filter slices")
    return ", ".join(parts)


@pytest.mark.parametrize("case", FAULT_CASES, ids=[case.key for case in FAULT_CASES])
def test_fault_yields_exact_tasks_or_clean_failure(
    case: FaultCase,
    start_simulator: StartSimulator,
    published_data_dir: Path,
    outcome_log: OutcomeLog,
) -> None:
    sim = start_simulator(tasks=case.tasks, seed=23, **case.faults)
    lake_root = published_data_dir / "lake"
    snapshots_before = list_snapshots(lake_root)
    published_before = tree_digest(published_data_dir)
    env = case.source_env(sim.base_url, DEMO_TOKEN)

    try:
        outcome = ingest_snapshot(load_source_settings(env), lake_root)
    except (SmsApiError, ListingIncomplete) as error:
        assert case.expected == FAILS, f"{case.key} failed: {error}"
        assert case.error_phrase in str(error)
        assert DEMO_TOKEN not in str(error)
        assert tree_digest(published_data_dir) == published_before
        observed = ObservedOutcome(case.key, FAILS, stable_text(error))
    else:
        assert case.expected == EXACT, f"{case.key} ingested although it should fail"
        expected_ids = set(sim.store.ids())
        stored_ids = set(read_table(lake_root, "tasks", outcome.snapshot_id)["id"].to_pylist())
        assert stored_ids == expected_ids
        assert read_table(lake_root, "quarantine", outcome.snapshot_id).num_rows == 0
        snapshots = list_snapshots(lake_root)
        assert snapshots[:-1] == snapshots_before
        assert snapshots[-1].api_count == snapshots[-1].task_count == len(expected_ids)
        observed = ObservedOutcome(
            case.key,
            EXACT,
            exact_detail(
                outcome.listing.client_stats, len(stored_ids), len(outcome.listing.slices)
            ),
        )
    outcome_log.record(observed)

    if case.expected == FAILS:
        sim.faults = Faults(**case.faults)  # the same fault again, counters reset
        result = run_refresh_job({**env, "SMS_DATA_DIR": str(published_data_dir)})
        assert not result.success
        failures = step_failures(result)
        assert [failure.split(":")[0] for failure in failures] == ["sms_snapshot"]
        assert case.error_phrase in failures[0]
        assert DEMO_TOKEN not in failures[0]
        assert result.get_asset_materialization_events() == []
        assert tree_digest(published_data_dir) == published_before


def test_fault_matrix_doc_matches_observed_outcomes(outcome_log: OutcomeLog) -> None:
    """docs/fault-matrix.md is exactly what this session's fault runs render."""
    if not outcome_log.is_complete:
        pytest.skip("run the whole fault matrix (without -k) to check docs/fault-matrix.md")
    outcomes = list(outcome_log.outcomes.values())
    save_outcomes(outcomes)
    rendered = render_markdown(outcomes)
    assert DOC_FILE.is_file(), "generate it: python -m tests.reliability.fault_matrix --write"
    assert DOC_FILE.read_text() == rendered, (
        "docs/fault-matrix.md is stale: python -m tests.reliability.fault_matrix --write"
    )
    readme = README.read_text()
    assert replace_section(readme, section_body(rendered), "fault-matrix") == readme, (
        "README.md's fault matrix is stale: python -m tests.reliability.fault_matrix --write"
    )
