"""The report in a real browser: Debian's chromium, headless, driven by Playwright (no browser
download). Every chart must draw with its data, with no JavaScript or console error and no network
request; a full-page screenshot is kept in test-artifacts/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_support import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    DEMO_CHARTS,
    DEMO_UNAVAILABLE,
    SECTIONS,
    ensure_chromium,
)

from lifecycle.report import write_report

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
FIXTURES = Path(__file__).parent / "fixtures"

# Per chart, as drawn: its data-points, how many marks it has, its rendered size, and how many
# marks have a visible size (a bar of value 0 may have none, but not every mark of a chart).
CHARTS_AS_DRAWN = """
() => [...document.querySelectorAll('[data-chart]')].map(chart => {
    const marks = [...chart.querySelectorAll('.mark')];
    const box = chart.getBoundingClientRect();
    const visible = marks.filter(m => {
        const b = m.getBoundingClientRect();
        return b.width > 0 && b.height > 0;
    });
    return {name: chart.dataset.chart, points: Number(chart.dataset.points), marks: marks.length,
            width: box.width, height: box.height, visible: visible.length};
})
"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    chromium = ensure_chromium()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_report(browser, path: Path, screenshot: Path) -> tuple[dict[str, dict], set[str], object, list[str]]:
    """Load the report, check every section is visible, save a screenshot. Returns the charts as
    drawn, the unavailable panels, the page and the list of problems (console errors and
    warnings, page errors, network requests), which keeps filling while the test goes on."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "request",
        lambda r: (
            problems.append(f"network request: {r.url}") if not r.url.startswith(("file:", "data:")) else None
        ),
    )
    page.goto(path.resolve().as_uri(), wait_until="load")
    drawn = {c["name"]: c for c in page.evaluate(CHARTS_AS_DRAWN)}
    unavailable = set(
        page.evaluate(
            "() => [...document.querySelectorAll('[data-unavailable]')].map(e => e.dataset.unavailable)"
        )
    )
    for section in SECTIONS:
        assert page.locator(f"section#{section}").is_visible(), section
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    return drawn, unavailable, page, problems


def assert_drawn(drawn: dict[str, dict]) -> None:
    for name, chart in drawn.items():
        assert chart["points"] > 0, f"{name} drew no data"
        assert chart["marks"] == chart["points"], (
            f"{name}: {chart['marks']} marks for {chart['points']} points"
        )
        assert chart["width"] > 50 and chart["height"] > 20, f"{name} has no size on the page: {chart}"
        assert chart["visible"] > 0, f"{name}: no mark is visible"


def test_demo_report_draws_every_chart_in_chromium(browser, built_warehouse, tmp_path):
    report = write_report(built_warehouse, tmp_path / "lifecycle_report.html")
    drawn, unavailable, page, problems = open_report(browser, report, ARTIFACTS / "report.png")
    assert set(drawn) == set(DEMO_CHARTS)
    assert_drawn(drawn)
    assert unavailable == DEMO_UNAVAILABLE
    # the tooltip script works: hovering a mark shows its data
    mark = page.locator('[data-chart="cohort-heatmap"] .mark').first
    mark.hover()
    tip = page.locator("#tip")
    assert tip.is_visible()
    assert tip.text_content() == mark.get_attribute("data-tip")
    assert problems == [], problems
    page.close()


def test_report_with_every_table_draws_every_section(browser, built_warehouse, tmp_path):
    db = built_warehouse
    report = write_report(
        db, tmp_path / "full_report.html", gx_results=FIXTURES / "gx_validation_results.json"
    )
    drawn, unavailable, page, problems = open_report(browser, report, ARTIFACTS / "report-every-section.png")
    assert set(drawn) == set(DEMO_CHARTS) | {"gx-results"}
    assert_drawn(drawn)
    assert unavailable == set()
    page.locator('[data-chart="rfm-grid"] .mark').first.hover()
    assert page.locator("#tip").text_content().startswith("R")
    assert problems == [], problems
    page.close()
