"""Helpers for the report tests: read charts out of the HTML, stand in for tables other parts of
the project add (customer_rfm, journey_performance), and get Debian's chromium for the browser test."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
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
# Every chart the demo warehouse of today's main has the data for.
DEMO_CHARTS = KPI_CHARTS + [
    "lifecycle-stages",
    "stage-flow",
    "cohort-heatmap",
    "clv-distribution",
    "clv-tiers",
    "roc-purchase",
    "calibration-purchase",
    "roc-churn",
    "calibration-churn",
    "ab-tests",
    "campaign-uplift",
    "audience-current",
    "audience-sizes",
    "quarantine",
]
# Sections whose tables are not built on main yet, or whose input was not given.
DEMO_UNAVAILABLE = {"rfm-grid", "journey-table", "gx-results"}

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


def augment_warehouse(source: Path, target: Path) -> Path:
    """A copy of a built warehouse with stand-ins for marts.customer_rfm and
    marts.journey_performance (tables other branches are adding), so every section can draw."""
    shutil.copyfile(source, target)
    con = duckdb.connect(str(target))
    try:
        con.execute(
            """
            create table marts.customer_rfm as
            with buyers as (
                select
                    customer_key, days_since_last_order as recency_days, orders as frequency,
                    revenue as monetary
                from marts.customer_profiles where orders > 0
            ),
            scored as (
                select
                    *,
                    6 - ntile(5) over (order by recency_days, customer_key) as recency_score,
                    ntile(5) over (order by frequency, customer_key) as frequency_score,
                    ntile(5) over (order by monetary, customer_key) as monetary_score
                from buyers
            )
            select *, case
                when recency_score <= 2 and frequency_score <= 2 then 'Hibernating'
                when recency_score <= 2 and frequency_score <= 4 then 'At Risk'
                when recency_score <= 2 then 'Cannot Lose Them'
                when recency_score = 3 and frequency_score <= 2 then 'About to Sleep'
                when recency_score = 3 and frequency_score = 3 then 'Need Attention'
                when frequency_score >= 4 and recency_score <= 4 then 'Loyal'
                when recency_score = 4 and frequency_score = 1 then 'Promising'
                when recency_score = 5 and frequency_score = 1 then 'New'
                when frequency_score <= 3 then 'Potential Loyalist'
                else 'Champions' end as rfm_segment
            from scored
            union all
            select customer_key, null, 0, 0, null, null, null, 'Prospects'
            from marts.customer_profiles where orders = 0
            """
        ).fetchall()
        con.execute(
            """
            create table marts.journey_performance as
            select journey, count(distinct campaign_id) as campaigns, sum(members) as members,
                sum(converters) as converters, sum(attributed_revenue) as attributed_revenue
            from marts.campaign_performance where variant <> 'control' group by 1
            """
        ).fetchall()
    finally:
        con.close()
    return target


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
