"""The report in a real headless Chromium: every chart drew, no script errors, not blank."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from pipelines.delivery.report import build_report

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make browser installs it)"
)
BROWSER_TIMEOUT_S = 120


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [CHROMIUM, *flags, *args],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT_S,
        check=True,
    )


def body_attributes(dom: str) -> dict[str, str]:
    body = re.search(r"<body([^>]*)>", dom)
    assert body, dom[:500]
    return dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))


def test_every_chart_draws_without_errors(sample_report, tmp_path):
    dom = chromium(tmp_path / "profile", "--dump-dom", sample_report.path.as_uri()).stdout

    attributes = body_attributes(dom)
    assert attributes["data-errors"] == "0", attributes.get("data-error-messages")
    assert attributes["data-charts-expected"] == "7"
    assert attributes["data-charts-ok"] == "7"


def test_screenshot_is_not_blank(sample_report, tmp_path):
    shot = tmp_path / "shot.png"

    chromium(
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1400,4000",
        sample_report.path.as_uri(),
    )

    image = mpimg.imread(shot)
    assert image.shape[:2] == (4000, 1400)
    rgb = (image[..., :3] * 255).astype(np.uint32)
    colours = np.unique(rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2])
    assert len(colours) > 50  # charts, text, banner: far more than a blank page's one colour


def test_empty_report_renders_without_errors(empty_warehouse, tmp_path):
    report = build_report(empty_warehouse, tmp_path / "report")

    dom = chromium(tmp_path / "profile", "--dump-dom", report.path.as_uri()).stdout

    attributes = body_attributes(dom)
    assert attributes["data-errors"] == "0", attributes.get("data-error-messages")
    assert attributes["data-charts-expected"] == "0"
    assert dom.count("No data for this chart yet.") == 7
