"""`python -m bench --scale --quick`: 3 simulated sources x 2,000 tasks through a real
dagster-daemon and deploy/dagster.yaml. Checks what ran, not how fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 900


def test_quick_scale_ingests_every_source_exactly_in_its_own_run(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMS_", "DAGSTER_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "--quick", "--out-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    scale = json.loads((tmp_path / "results.json").read_text())["scale"]
    (fanout,) = scale["fanouts"].values()
    assert fanout["sources"] == 3
    assert fanout["total_tasks"] == 6000
    assert fanout["runs_succeeded"] == 3
    assert fanout["exact"] is True
    assert sorted(run["partition"] for run in fanout["runs"]) == ["sim-01", "sim-02", "sim-03"]
    assert all(run["metadata"]["source"] == run["partition"] for run in fanout["runs"])
    assert all(run["metadata"]["distinct_ids"] == 2000 for run in fanout["runs"])
    assert fanout["limits"]["max_concurrent_runs"] == 6
    assert fanout["limits"]["pool_default_limit"] == 4
    assert 1 <= fanout["most_runs_at_once"] <= 3
    assert fanout["peak_rss_mb"]["min"] > 0
    assert "## Scale: sources in one fan-out" in (tmp_path / "results.md").read_text()
