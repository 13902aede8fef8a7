"""The report's SVG chart functions, number formatting and GX result parsing (no warehouse)."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lifecycle.report import charts, fmt
from lifecycle.report.gx import GXResultsError, load_gx_results, parse_gx_results

DATA = Path(__file__).parent / "fixtures"


def parse(svg: str) -> ET.Element:
    """The chart as XML (it must be well-formed to be inlined in HTML and drawn)."""
    return ET.fromstring(svg)


def marks(svg: str) -> list[ET.Element]:
    return [e for e in parse(svg).iter() if "mark" in (e.get("class") or "").split()]


def luminance(color: str) -> float:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# ----------------------------------------------------------------------------------------- heatmap


def test_heatmap_draws_one_cell_per_known_value_and_darkens_with_value():
    values = [[0.0, 10.0, None], [20.0, 40.0, 30.0]]
    svg = charts.heatmap(
        "h",
        ["r1", "r2"],
        ["c1", "c2", "c3"],
        values,
        value_format=lambda v: f"{v:.0f}%",
        tip=lambda i, j: f"{i},{j}",
    )
    root = parse(svg)
    cells = marks(svg)
    assert root.get("data-chart") == "h"
    assert root.get("data-points") == "5"  # the None cell is blank, not a zero
    assert len(cells) == 5
    by_value = {float(c.get("data-value")): c.get("fill") for c in cells}
    assert set(by_value) == {0.0, 10.0, 20.0, 30.0, 40.0}
    # the scale runs from the lightest stop (0) to the darkest (the largest value, 40)
    assert by_value[0.0] == charts.SEQUENTIAL[0][1]
    assert by_value[40.0] == charts.SEQUENTIAL[-1][1]
    # 20 of 40 is the middle stop exactly
    assert by_value[20.0] == "#6baed6"
    lum = [luminance(by_value[v]) for v in sorted(by_value)]
    assert lum == sorted(lum, reverse=True), "higher values must be darker"
    tips = sorted(c.get("data-tip") for c in cells)
    assert tips == ["0,0", "0,1", "1,0", "1,1", "1,2"]


def test_heatmap_scale_maximum_can_be_fixed():
    svg = charts.heatmap(
        "h", ["r"], ["a", "b"], [[25.0, 50.0]], value_format=str, tip=lambda i, j: "", v_max=100
    )
    fills = [c.get("fill") for c in marks(svg)]
    assert fills[1] == "#6baed6"  # 50 of 100 is the middle stop, not the darkest
    assert fills[0] == "#c6dbef"  # 25 of 100 is the second stop


def test_sequential_color_interpolates_between_stops_and_clips():
    assert charts.sequential_color(-1) == charts.SEQUENTIAL[0][1]
    assert charts.sequential_color(2) == charts.SEQUENTIAL[-1][1]
    # a fifth of the way from #c6dbef (0.25) to #6baed6 (0.5), channel by channel:
    # c6 198 -> 6b 107: 179.8; db 219 -> ae 174: 210; ef 239 -> d6 214: 234
    assert charts.sequential_color(0.3) == "#b4d2ea"


# -------------------------------------------------------------------------------------------- axes


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 38, [0, 10, 20, 30, 40]),
        (0, 0.37, [0, 0.1, 0.2, 0.3, 0.4]),
        (-0.2, 0.2, [-0.2, -0.1, 0, 0.1, 0.2]),
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0, 0.4495, [0, 0.1, 0.2, 0.3, 0.4, 0.5]),  # the last tick reaches above the data
        (0, 0.41, [0, 0.1, 0.2, 0.3, 0.4, 0.5]),
    ],
)
def test_nice_ticks_cover_the_range_with_round_steps(low, high, expected):
    assert charts.nice_ticks(low, high, 5) == pytest.approx(expected)


@pytest.mark.parametrize("high", [0.013, 0.4495, 1, 7.2, 38, 99.9, 101, 12_345.6])
def test_nice_ticks_always_reach_the_largest_value(high):
    ticks = charts.nice_ticks(0, high, 4)
    assert ticks[0] <= 0 and ticks[-1] >= high and ticks[-2] < high
    assert 3 <= len(ticks) <= 7


def test_a_non_finite_value_stops_the_chart_with_its_name():
    with pytest.raises(charts.ChartError, match="broken"):
        charts.hbar_chart("broken", [charts.Bar("a", 1.0), charts.Bar("b", math.nan)], str)
    with pytest.raises(charts.ChartError, match="lines"):
        charts.line_chart("lines", ["x", "y"], [charts.Series("s", [1.0, math.inf], "#000")], y_format=str)


# -------------------------------------------------------------------------------------------- bars


def test_bar_lengths_are_proportional_to_values():
    svg = charts.hbar_chart("b", [charts.Bar("a", 10), charts.Bar("b", 40), charts.Bar("c", 20)], str)
    widths = [float(m.get("width")) for m in marks(svg)]
    assert parse(svg).get("data-points") == "3"
    assert widths[1] == pytest.approx(4 * widths[0])
    assert widths[2] == pytest.approx(2 * widths[0])


def test_stacked_bars_skip_empty_segments_and_share_one_scale():
    rows = [
        ("orders", [("duplicate", 2), ("superseded", 6)]),
        ("events", [("duplicate", 4), ("null_key", 0)]),
    ]
    svg = charts.stacked_hbar_chart("q", rows, {"duplicate": "#111111", "superseded": "#222222"}, str)
    drawn = marks(svg)
    assert len(drawn) == 3 == int(parse(svg).get("data-points"))
    widths = {m.get("data-tip"): float(m.get("width")) for m in drawn}
    assert widths["orders, superseded: 6"] == pytest.approx(3 * widths["orders, duplicate: 2"])
    assert widths["events, duplicate: 4"] == pytest.approx(2 * widths["orders, duplicate: 2"])
    # segments of one row are laid end to end
    x = {m.get("data-tip"): float(m.get("x")) for m in drawn}
    assert x["orders, superseded: 6"] == pytest.approx(
        x["orders, duplicate: 2"] + widths["orders, duplicate: 2"]
    )


def test_histogram_and_sparkline_draw_one_mark_per_value():
    hist = charts.histogram("h", [("0", 5, "a"), ("10", 0, "b"), ("20", 10, "c")], y_format=str)
    heights = [float(m.get("height")) for m in marks(hist)]
    assert len(heights) == 3 and heights[1] == 0 and heights[2] == pytest.approx(2 * heights[0])
    spark = charts.sparkline("s", [("Jan", 1.0), ("Feb", None), ("Mar", 3.0)], str)
    assert parse(spark).get("data-points") == "2"  # a month without a value is a gap
    assert len(parse(spark).findall("polyline")) == 2


# ------------------------------------------------------------------------------------------ sankey


def _band(path: str) -> tuple[float, float]:
    """(top, bottom) of a sankey band at its left end: 'M x,y0 C ... L ... C ... x,y0+h Z'."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]
    return numbers[1], numbers[-1]


def test_sankey_band_thickness_is_proportional_to_the_flow():
    flows = [
        ("active", "active", 30),
        ("active", "at_risk", 10),
        ("lead", "active", 20),
        ("lead", "lapsed", 0),
    ]
    svg = charts.sankey(
        "s", flows, order=["lead", "active", "at_risk"], colors={}, names={}, value_format=str, height=300
    )
    bands = {m.get("data-tip").split(":")[0]: _band(m.get("d")) for m in marks(svg)}
    assert len(bands) == 3  # the empty flow is not drawn
    thickness = {k: bottom - top for k, (top, bottom) in bands.items()}
    assert thickness["active → active"] == pytest.approx(3 * thickness["active → at_risk"], rel=1e-3)
    assert thickness["lead → active"] == pytest.approx(2 * thickness["active → at_risk"], rel=1e-3)
    # a source's outgoing bands are stacked without overlap
    assert bands["active → active"][1] == pytest.approx(bands["active → at_risk"][0], abs=0.01)


def test_sankey_colours_moves_by_destination_and_stays_by_source():
    colors = {"a": "#aaaaaa", "b": "#bbbbbb"}
    svg = charts.sankey(
        "s", [("a", "a", 5), ("a", "b", 5)], order=["a", "b"], colors=colors, names={}, value_format=str
    )
    fill = {
        m.get("data-tip").split(":")[0]: (m.get("fill"), float(m.get("fill-opacity"))) for m in marks(svg)
    }
    assert fill["a → b"][0] == "#bbbbbb"
    assert fill["a → a"][0] == "#aaaaaa"
    assert fill["a → a"][1] < fill["a → b"][1]


# ------------------------------------------------------------------------------ curves, intervals


def test_unit_curves_count_curves_or_points_as_marks_and_zoom_keeps_the_diagonal():
    roc = charts.unit_curves(
        "roc",
        [
            charts.Curve("m1", [(0, 0), (0.5, 0.8), (1, 1)], "#000"),
            charts.Curve("m2", [(0, 0), (1, 1)], "#111"),
        ],
        x_title="x",
        y_title="y",
    )
    assert parse(roc).get("data-points") == "2"
    calibration = charts.unit_curves(
        "cal",
        [charts.Curve("m", [(0.05, 0.04), (0.1, 0.12), (0.3, 0.28)], "#000", markers=True)],
        x_title="x",
        y_title="y",
        zoom=True,
    )
    dots = marks(calibration)
    assert len(dots) == 3 == int(parse(calibration).get("data-points"))
    # zoomed to 0.3 on both axes: the point (0.3, 0.28) sits near the top-right corner
    diagonal = [e for e in parse(calibration).iter("line") if e.get("stroke-dasharray") == "4 4"][0]
    assert float(dots[2].get("cx")) == pytest.approx(float(diagonal.get("x2")))
    plot_height = float(diagonal.get("y1")) - float(diagonal.get("y2"))
    expected_y = float(diagonal.get("y2")) + plot_height * (1 - 0.28 / 0.3)
    assert float(dots[2].get("cy")) == pytest.approx(expected_y, abs=0.01)


def test_interval_colours_say_whether_the_interval_excludes_zero():
    rows = [
        charts.Interval("win", 0.05, 0.01, 0.09),
        charts.Interval("loss", -0.05, -0.09, -0.01),
        charts.Interval("unclear", 0.02, -0.03, 0.07),
        charts.Interval("zero", 0.0, -0.02, 0.02),
    ]
    svg = charts.interval_chart("ci", rows, value_format=str)
    groups = {m.get("data-tip").split(":")[0]: m for m in marks(svg)}
    colour = {k: g.find("circle").get("fill") for k, g in groups.items()}
    assert colour == {
        "win": charts.POSITIVE,
        "loss": charts.NEGATIVE,
        "unclear": charts.NEUTRAL,
        "zero": charts.NEUTRAL,
    }
    zero_line = [e for e in parse(svg).iter("line") if e.get("stroke") == charts.INK][0]
    assert float(groups["zero"].find("circle").get("cx")) == pytest.approx(float(zero_line.get("x1")))
    whisker = groups["win"].find("line")
    assert float(whisker.get("x1")) > float(zero_line.get("x1"))  # the whole interval right of zero


def test_score_grid_marks_only_populated_cells():
    cells = {(5, 5): ("Champions", 12), (1, 1): ("Hibernating", 30), (3, 3): ("Need Attention", 0)}
    svg = charts.score_grid("rfm", cells, {"Champions": "#1a7f37"}, str, x_title="R", y_title="F")
    drawn = marks(svg)
    assert sorted(m.get("data-tip") for m in drawn) == ["R1 F1 · Hibernating: 30", "R5 F5 · Champions: 12"]
    champions = next(m for m in drawn if "Champions" in m.get("data-tip"))
    hibernating = next(m for m in drawn if "Hibernating" in m.get("data-tip"))
    # R grows to the right, F grows upwards
    assert float(champions.get("x")) > float(hibernating.get("x"))
    assert float(champions.get("y")) < float(hibernating.get("y"))


def test_text_is_escaped():
    svg = charts.hbar_chart("b", [charts.Bar("<script>&", 1)], str)
    assert "<script>" not in svg
    assert parse(svg) is not None


# ------------------------------------------------------------------------------------------ format


def test_number_formats():
    assert fmt.money(1234.5, "USD") == "$1,234"  # banker's rounding of .5 is fine for display
    assert fmt.money(-20.0, "EUR") == "-€20"
    assert fmt.money(12345, "SEK", short=True) == "12.3k SEK"
    assert fmt.compact(950) == "950"
    assert fmt.compact(4_560_000) == "4.56M"
    assert fmt.compact(123_456) == "123k"
    assert fmt.percent(12.345) == "12.3%"
    assert fmt.share(0.1234) == "12.3%"
    assert fmt.signed_points(0.012) == "+1.2 pp"
    assert fmt.number(None) == "n/a" and fmt.share(math.nan) == "n/a"


# -------------------------------------------------------------------------------------- GX results


def test_gx_validation_results_as_gx_writes_them():
    """tests/python/fixtures/gx_validation_results.json is GX 1.24's ExpectationSuiteValidationResult
    .to_json_dict() for two suites: kpi_monthly passing 2 of 2, churn_predictions failing 2 of 3
    (a probability above 1, a duplicate key)."""
    suites = {s.name: s for s in load_gx_results(DATA / "gx_validation_results.json")}
    assert set(suites) == {"marts.kpi_monthly", "marts.churn_predictions"}
    assert suites["marts.kpi_monthly"].success and suites["marts.kpi_monthly"].failed == 0
    churn = suites["marts.churn_predictions"]
    assert not churn.success
    assert (churn.evaluated, churn.successful, churn.failed) == (3, 1, 2)
    assert churn.failures == [
        "expect_column_values_to_be_between(churn_probability)",
        "expect_column_values_to_be_unique(customer_key)",
    ]


def test_gx_checkpoint_describe_dict_names_suites_by_their_batch():
    """CheckpointResult.describe_dict() (GX 1.24) carries no suite name: the asset is used."""
    (suite,) = load_gx_results(DATA / "gx_checkpoint_describe.json")
    assert suite.name == "marts.churn_predictions"
    assert (suite.evaluated, suite.failed) == (3, 2)


def test_gx_input_errors_are_named():
    assert load_gx_results(None) is None
    with pytest.raises(GXResultsError, match="not found"):
        load_gx_results(DATA / "absent.json")
    with pytest.raises(GXResultsError, match="not a GX result"):
        parse_gx_results({"hello": 1})
    with pytest.raises(GXResultsError, match="no statistics"):
        parse_gx_results([{"success": True}])
    one = json.loads((DATA / "gx_validation_results.json").read_text())[0]
    assert [s.name for s in parse_gx_results(one)] == ["marts.kpi_monthly"]
