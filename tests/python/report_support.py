"""Helpers for the report tests: read charts out of the HTML and get Debian's chromium for the
browser test."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

SECTIONS = ["kpis", "lifecycle", "cohorts", "rfm", "clv", "models", "campaigns", "audiences", "quality"]
KPI_CHARTS = [
    f"kpi-{c}"
    for c in (
        "revenue",
        "orders",
        "average-order-value",
        "new-customers",
        "active-customers",
        "repeat-customer-rate",
        "churn-rate",
        "conversion-rate",
        "email-open-rate",
        "nps",
    )
]
# Every chart the demo warehouse of today's main has the data for. Audience sizes over time need a
# second build (the test warehouse is built once; one build is said in words, not drawn as a dot).
DEMO_CHARTS = KPI_CHARTS + [
    "lifecycle-stages",
    "stage-flow",
    "cohort-heatmap",
    "rfm-grid",
    "clv-distribution",
    "clv-tiers",
    "roc-purchase",
    "calibration-purchase",
    "roc-churn",
    "calibration-churn",
    "ab-tests",
    "campaign-uplift",
    "audience-current",
    "quarantine",
]
# Sections whose input was not given (the demo tests pass no GX results).
DEMO_UNAVAILABLE = {"gx-results"}

CHROMIUM = Path("/usr/bin/chromium")
# What Debian's chromium needs headless as root, and quiet on a machine without internet (without
# the background-networking flags it keeps calling home). Playwright adds --headless and gives
# every launch a fresh temporary --user-data-dir itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class Charts(HTMLParser):
    """Collects each <svg data-chart> with its data-points and the data-tips of its marks, the
    data-unavailable panels, section ids, scripts and external references."""

    def __init__(self, html: str):
        super().__init__()
        self.points: dict[str, int] = {}
        self.marks: dict[str, list[str]] = {}
        self.unavailable: set[str] = set()
        self.sections: list[str] = []
        self.scripts: list[dict] = []
        self.external: list[str] = []
        self._chart: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if a.get(key, "").startswith(("http:", "https:", "//")):
                self.external.append(a[key])
        if tag == "script":
            self.scripts.append(a)
        if tag == "section":
            self.sections.append(a.get("id"))
        if "data-unavailable" in a:
            self.unavailable.add(a["data-unavailable"])
        if tag == "svg" and "data-chart" in a:
            self._chart = a["data-chart"]
            assert self._chart not in self.points, f"chart {self._chart} appears twice"
            self.points[self._chart] = int(a["data-points"])
            self.marks[self._chart] = []
        if self._chart and "mark" in (a.get("class") or "").split():
            self.marks[self._chart].append(a.get("data-tip", ""))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "svg":
            self._chart = None


def ensure_chromium() -> Path:
    """Debian's chromium at /usr/bin/chromium, installed with apt-get when missing (as root; CI
    runs as root on a fresh machine). Quick when already there."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        reason = "Debian's chromium is not installed and this user cannot apt-get install it"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-q", "chromium"]
    result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=1200, check=False)
    if result.returncode != 0:  # a fresh machine has no package lists yet
        subprocess.run(
            ["apt-get", "-o", "DPkg::Lock::Timeout=300", "update", "-q"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=1200, check=False)
    if result.returncode != 0 or not CHROMIUM.exists():
        pytest.fail(
            f"could not install chromium with apt-get:\n{result.stdout[-1500:]}\n{result.stderr[-1500:]}"
        )
    return CHROMIUM
