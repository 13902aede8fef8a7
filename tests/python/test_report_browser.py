"""The report in a real browser: Debian's chromium, headless, driven by Playwright (no browser
download). Every chart must draw with its data, with no JavaScript or console error and no network
request; nothing may stick out of the page sideways (a wide table once stretched it to 2,470 px in a
1,400 px window) and no chart text may be cut off by the edge of its chart. A full-page screenshot is
kept in test-artifacts/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import query
from report_support import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    DEMO_CHARTS,
    DEMO_UNAVAILABLE,
    SECTIONS,
    ensure_chromium,
)

from lifecycle.publish import publish
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


# The window of a laptop with the browser not quite full screen (the size the overflow was seen at).
VIEWPORT = {"width": 1400, "height": 900}

# What sticks out: the page's own width against the window, every table wider than the card
# holding it, and every chart text whose box leaves its chart's box (an SVG clips it there).
LAYOUT_PROBLEMS = """
() => {
    const problems = [];
    const page = document.documentElement.scrollWidth;
    if (page > window.innerWidth) {
        problems.push(`page is ${page} px wide in a ${window.innerWidth} px window`);
    }
    for (const table of document.querySelectorAll('main table')) {
        const card = table.closest('.card').getBoundingClientRect();
        const box = table.getBoundingClientRect();
        if (box.right > card.right + 1) {
            const where = table.closest('[data-table]')?.dataset.table || table.closest('section').id;
            const widths = `${Math.round(box.width)} px, its card ${Math.round(card.width)} px`;
            problems.push(`table in ${where} is ${widths}`);
        }
    }
    for (const svg of document.querySelectorAll('svg.chart')) {
        const box = svg.getBoundingClientRect();
        for (const text of svg.querySelectorAll('text')) {
            const t = text.getBoundingClientRect();
            if (t.width === 0 || !text.textContent.trim()) continue;
            const out = t.left < box.left - 1 || t.right > box.right + 1
                || t.top < box.top - 1 || t.bottom > box.bottom + 1;
            if (out) {
                problems.push(`${svg.dataset.chart}: "${text.textContent}" is cut off by the chart's edge`);
            }
        }
    }
    return problems;
}
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
    page = browser.new_page(viewport=VIEWPORT)
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
    page.screenshot(path=str(screenshot), full_page=True)  # kept before any check can fail
    layout = page.evaluate(LAYOUT_PROBLEMS)
    assert layout == [], f"layout problems (see {screenshot}):\n" + "\n".join(layout)
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


def test_the_data_quality_section_fits_on_about_a_screen(browser, built_warehouse, tmp_path):
    # a published build carries one GX suite per public table: about fifty, some with long names,
    # which once made a two-screen bar chart with its labels cut off on the left
    relations = [
        r
        for (r,) in query(
            built_warehouse,
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema in ('raw', 'marts', 'audiences') and table_name not like '\\_%' escape '\\'"
            " order by 1",
        )
    ]
    failing = "audiences.audience_loyalty_anniversary_next_7_days"
    tables = [
        SimpleNamespace(
            relation=r, rows=10, sampled_rows=None, evaluated=12, failures=["x"] if r == failing else []
        )
        for r in relations
    ]
    serving = tmp_path / "serving" / "warehouse.duckdb"
    publish(built_warehouse, serving, "b1", quality=SimpleNamespace(tables=tables, docs_index=None))
    report = write_report(serving, tmp_path / "quality_report.html")
    _, _, page, problems = open_report(browser, report, ARTIFACTS / "report-quality.png")
    assert len(relations) > 40 and failing in page.locator("section#quality").inner_text()
    height = page.locator("section#quality").bounding_box()["height"]
    assert height <= 1.2 * VIEWPORT["height"], f"the data quality section is {height:.0f} px high"
    # the folded details open on a click and show every suite
    page.locator("section#quality details summary").last.click()
    assert page.locator("section#quality details table").last.is_visible()
    assert problems == [], problems
    page.close()


def test_an_orders_only_report_explains_what_is_empty(browser, orders_only_published, tmp_path):
    report = write_report(orders_only_published, tmp_path / "orders_only.html")
    _, _, page, problems = open_report(browser, report, ARTIFACTS / "report-orders-only.png")
    audiences = page.locator("section#audiences").inner_text()
    assert "consent" in audiences  # why there are no members, not a bare heading
    assert "Empty in this build" in page.locator("section#quality").inner_text()
    assert problems == [], problems
    page.close()
