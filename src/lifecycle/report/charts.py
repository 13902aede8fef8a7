"""Inline SVG charts for the report, drawn in Python: no third-party JavaScript, no network.

Every chart is one <svg class="chart"> with `data-chart` (its name) and `data-points` (how many
marks it drew). A mark is the element that carries one datum (a bar, a heatmap cell, a sankey
link, a curve point, a whisker) and has class "mark" and a `data-tip` text the page's tooltip
shows. The browser test checks that every chart has data-points > 0 and exactly that many marks,
so a chart that silently drew nothing, or drew something other than its data, fails.

Coordinates go through `_c`, which refuses NaN and infinities: a chart built from a bad number
stops here with an error naming the chart instead of drawing a broken SVG.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

# Colour-blind-friendly categorical palette (Tableau 10) and a sequential blue scale.
CATEGORICAL = [
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
]
SEQUENTIAL = [(0.0, "#f3f8fd"), (0.25, "#c6dbef"), (0.5, "#6baed6"), (0.75, "#2171b5"), (1.0, "#08306b")]
INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#e3e8ee"
ACCENT = "#2b5c8a"
POSITIVE = "#2e7d32"
NEGATIVE = "#c62828"
NEUTRAL = "#8a96a3"

Formatter = Callable[[float], str]
# Width of an average character as a share of the font size, on the wide side (DejaVu Sans, what
# Linux browsers fall back to), so a label measured with it fits the room it is given.
CHAR_WIDTH = 0.64


class ChartError(ValueError):
    """A chart was given data it cannot draw (a NaN, a negative size)."""


def _c(value: float, chart: str = "") -> str:
    """A coordinate for an SVG attribute; NaN or infinity is a bug upstream, not a drawing."""
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ChartError(f"chart {chart or '?'}: non-finite coordinate {value!r}")
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _finite(value: float, chart: str) -> float:
    """A data value: a NaN must not become a zero-length bar that looks like a real zero."""
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ChartError(f"chart {chart}: value {value!r} is not a finite number")
    return float(value)


def _attr(text: str) -> str:
    return escape(str(text), quote=True)


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 11,
    anchor: str = "start",
    fill: str = MUTED,
    weight: str = "normal",
    extra: str = "",
) -> str:
    return (
        f'<text x="{_c(x)}" y="{_c(y)}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
        f' font-weight="{weight}"{extra}>{escape(str(text))}</text>'
    )


def text_width(text: str, size: float) -> float:
    """Estimated rendered width of `text` at font `size` (see CHAR_WIDTH)."""
    return len(str(text)) * size * CHAR_WIDTH


def label_width(labels: Sequence[str], size: float = 12, minimum: float = 60, maximum: float = 440) -> float:
    """Room for the longest of `labels` left of a bar (plus the gap to the bar), within bounds;
    a label longer than `maximum` is shortened with an ellipsis where it is drawn (_fit)."""
    need = max((text_width(label, size) for label in labels), default=0) + 16
    return min(maximum, max(minimum, need))


def _fit(text: str, room: float, size: float) -> str:
    """`text` shortened with an ellipsis to fit `room` pixels (a label must not be cut off by the
    chart's edge; its full text is in the tooltip or a table beside the chart)."""
    chars = int(room / (size * CHAR_WIDTH))
    text = str(text)
    return text if len(text) <= chars else text[: max(1, chars - 1)] + "…"


def _svg(chart: str, width: float, height: float, body: list[str], marks: int, label: str) -> str:
    """The chart frame: its name, how many marks it drew, and a scalable viewBox."""
    return (
        f'<svg class="chart" data-chart="{_attr(chart)}" data-points="{marks}"'
        f' viewBox="0 0 {_c(width)} {_c(height)}" role="img" aria-label="{_attr(label)}"'
        f' preserveAspectRatio="xMinYMin meet">' + "".join(body) + "</svg>"
    )


def sequential_color(t: float) -> str:
    """Colour on the blue scale for t in [0, 1] (clipped), interpolated between the stops."""
    t = min(1.0, max(0.0, t))
    for (t0, c0), (t1, c1) in zip(SEQUENTIAL, SEQUENTIAL[1:], strict=False):
        if t <= t1:
            f = 0 if t1 == t0 else (t - t0) / (t1 - t0)
            rgb = [
                round(int(c0[i : i + 2], 16) + f * (int(c1[i : i + 2], 16) - int(c0[i : i + 2], 16)))
                for i in (1, 3, 5)
            ]
            return "#" + "".join(f"{v:02x}" for v in rgb)
    return SEQUENTIAL[-1][1]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten apart)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ChartError(f"axis range not finite: {low}, {high}")
    if high <= low:
        high = low + 1
    raw = (high - low) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    ticks = [round(math.floor(low / step) * step, 10)]
    while ticks[-1] < high - step * 1e-9:  # until a tick reaches the top of the data
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


@dataclass
class Bar:
    """One bar: label, value, and optionally its colour and tooltip text."""

    label: str
    value: float
    color: str = ACCENT
    tip: str = ""
    note: str = ""  # text after the value, e.g. the share


def hbar_chart(
    chart: str,
    bars: Sequence[Bar],
    value_format: Formatter,
    *,
    width: float = 560,
    label_width: float = 150,
    bar_height: float = 20,
    gap: float = 8,
    label: str = "",
) -> str:
    """Horizontal bars, one per category, value printed at the end of each bar."""
    top = 6
    value_room = 120
    plot = width - label_width - value_room
    max_value = max([_finite(b.value, chart) for b in bars] + [0]) or 1
    body = []
    marks = 0
    for i, bar in enumerate(bars):
        y = top + i * (bar_height + gap)
        length = plot * max(0.0, bar.value) / max_value
        body.append(
            _text(
                label_width - 8,
                y + bar_height * 0.7,
                _fit(bar.label, label_width - 8, 12),
                size=12,
                anchor="end",
                fill=INK,
            )
        )
        tip = bar.tip or f"{bar.label}: {value_format(bar.value)}"
        body.append(
            f'<rect class="mark" data-tip="{_attr(tip)}" x="{_c(label_width)}" y="{_c(y)}"'
            f' width="{_c(max(length, 1.5), chart)}" height="{_c(bar_height)}" rx="2" fill="{bar.color}"/>'
        )
        marks += 1
        shown = value_format(bar.value) + (f"  ({bar.note})" if bar.note else "")
        body.append(_text(label_width + length + 6, y + bar_height * 0.7, shown, size=11, fill=INK))
    height = top * 2 + len(bars) * (bar_height + gap)
    return _svg(chart, width, height, body, marks, label or chart)


def grouped_hbar_chart(
    chart: str,
    groups: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    series_colors: dict[str, str],
    value_format: Formatter,
    *,
    width: float = 560,
    label_width: float = 90,
    bar_height: float = 11,
    label: str = "",
) -> str:
    """Groups of thin horizontal bars (e.g. per CLV tier: share of customers vs share of value),
    with a legend on top."""
    value_room = 70
    plot = width - label_width - value_room
    top = 8 + _legend_height(list(series_colors), width - label_width)
    values = [_finite(v, chart) for _, series in groups for _, v in series]
    max_value = max(values + [0]) or 1
    body = _legend(
        [(name, color, False) for name, color in series_colors.items()],
        label_width,
        12,
        max_width=width - label_width,
    )
    marks = 0
    y = top
    for group_label, series in groups:
        body.append(
            _text(
                label_width - 8,
                y + bar_height * len(series) / 2 + 4,
                group_label,
                size=12,
                anchor="end",
                fill=INK,
            )
        )
        for name, value in series:
            length = plot * max(0.0, value) / max_value
            body.append(
                f'<rect class="mark" data-tip="{_attr(f"{group_label}, {name}: {value_format(value)}")}"'
                f' x="{_c(label_width)}" y="{_c(y)}" width="{_c(max(length, 1.5), chart)}"'
                f' height="{_c(bar_height - 1)}" fill="{series_colors[name]}"/>'
            )
            body.append(_text(label_width + length + 5, y + bar_height - 2, value_format(value), size=10))
            marks += 1
            y += bar_height
        y += 8
    return _svg(chart, width, y + 4, body, marks, label or chart)


def histogram(
    chart: str,
    bins: Sequence[tuple[str, float, str]],
    *,
    width: float = 560,
    height: float = 240,
    y_format: Formatter,
    x_title: str = "",
    y_title: str = "",
    label: str = "",
) -> str:
    """Vertical bars of counts per bin: (x label, count, tooltip); every k-th x label is shown."""
    left, right, top, bottom = 52, 10, 12, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    max_value = max([_finite(v, chart) for _, v, _ in bins] + [0]) or 1
    ticks = nice_ticks(0, max_value, 4)
    y_max = ticks[-1]
    body = _y_axis(ticks, y_max, left, top, plot_w, plot_h, y_format)
    step = plot_w / max(1, len(bins))
    every = max(1, math.ceil(len(bins) / 8))
    marks = 0
    for i, (x_label, value, tip) in enumerate(bins):
        h = plot_h * value / y_max
        x = left + i * step
        body.append(
            f'<rect class="mark" data-tip="{_attr(tip)}" x="{_c(x + 1)}" y="{_c(top + plot_h - h, chart)}"'
            f' width="{_c(max(step - 2, 1))}" height="{_c(h)}" fill="{ACCENT}"/>'
        )
        marks += 1
        if i % every == 0:
            body.append(_text(x + step / 2, top + plot_h + 14, x_label, size=10, anchor="middle"))
    body.append(_text(left + plot_w / 2, height - 6, x_title, size=11, anchor="middle"))
    body.append(_axis_title_y(y_title, top + plot_h / 2))
    return _svg(chart, width, height, body, marks, label or chart)


def sparkline(
    chart: str,
    points: Sequence[tuple[str, float | None]],
    value_format: Formatter,
    *,
    width: float = 200,
    height: float = 44,
    color: str = ACCENT,
) -> str:
    """A small trend line with a dot per value (None = no value that month, a gap)."""
    pad = 4
    values = [_finite(v, chart) for _, v in points if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high == low:
        low, high = low - 1, high + 1
    step = (width - 2 * pad) / max(1, len(points) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad + i * step, pad + (height - 2 * pad) * (1 - (v - low) / (high - low))

    segments, current = [], []
    for i, (_, v) in enumerate(points):
        if v is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(xy(i, v))
    if current:
        segments.append(current)
    body = [
        f'<polyline points="{_points(seg, chart)}" fill="none"'
        f' stroke="{color}" stroke-width="1.8" stroke-linejoin="round"/>'
        for seg in segments
    ]
    marks = 0
    for i, (name, v) in enumerate(points):
        if v is None:
            continue
        x, y = xy(i, v)
        last = i == len(points) - 1
        body.append(
            f'<circle class="mark" data-tip="{_attr(f"{name}: {value_format(v)}")}" cx="{_c(x)}" cy="{_c(y)}"'
            f' r="{3 if last else 2}" fill="{color}"/>'
        )
        marks += 1
    return _svg(chart, width, height, body, marks, chart)


@dataclass
class Series:
    """A named line over the shared x labels (None = no value there)."""

    name: str
    values: Sequence[float | None]
    color: str


def line_chart(
    chart: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    y_format: Formatter,
    width: float = 1100,
    height: float = 280,
    y_title: str = "",
    label: str = "",
) -> str:
    """Lines with a dot per value, a y axis from zero, and a legend on the right."""
    legend_w = max(120.0, 30 + max((text_width(s.name, 11) for s in series), default=0))
    left, right, top, bottom = 56, legend_w + 10, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [_finite(v, chart) for s in series for v in s.values if v is not None]
    ticks = nice_ticks(0, max(values + [1]), 4)
    y_max = ticks[-1]
    body = _y_axis(ticks, y_max, left, top, plot_w, plot_h, y_format)
    n = len(x_labels)
    step = plot_w / max(1, n - 1) if n > 1 else 0

    def x_at(i: int) -> float:
        return left + (i * step if n > 1 else plot_w / 2)

    every = max(1, math.ceil(n / 8))
    for i, x_label in enumerate(x_labels):
        if i % every == 0 or i == n - 1:
            body.append(_text(x_at(i), top + plot_h + 16, x_label, size=10, anchor="middle"))
    marks = 0
    for s in series:
        coords = [(x_at(i), top + plot_h * (1 - v / y_max)) for i, v in enumerate(s.values) if v is not None]
        if len(coords) > 1:
            body.append(
                f'<polyline points="{_points(coords, chart)}"'
                f' fill="none" stroke="{s.color}" stroke-width="2"/>'
            )
        for i, v in enumerate(s.values):
            if v is None:
                continue
            body.append(
                f'<circle class="mark" data-tip="{_attr(f"{s.name}, {x_labels[i]}: {y_format(v)}")}"'
                f' cx="{_c(x_at(i))}" cy="{_c(top + plot_h * (1 - v / y_max), chart)}" r="3.5"'
                f' fill="{s.color}"/>'
            )
            marks += 1
    body.append(_axis_title_y(y_title, top + plot_h / 2))
    body += _legend([(s.name, s.color, False) for s in series], width - legend_w, top + 4, column=True)
    return _svg(chart, width, height, body, marks, label or chart)


def heatmap(
    chart: str,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    value_format: Formatter,
    tip: Callable[[int, int], str],
    v_max: float | None = None,
    row_notes: Sequence[str] | None = None,
    row_note_title: str = "",
    col_title: str = "",
    width: float = 1100,
    cell_height: float = 22,
    label: str = "",
) -> str:
    """A grid coloured on the blue scale from 0 to v_max (default: the largest value); None
    cells stay blank (not observed yet). Optional row notes (e.g. cohort sizes) sit left of the grid."""
    left = 84 + (70 if row_notes else 0)
    top, right = 34, 8
    n_cols = max(1, len(col_labels))
    cell_w = (width - left - right) / n_cols
    finite = [_finite(v, chart) for row in values for v in row if v is not None]
    scale_max = v_max if v_max is not None else max(finite + [0])
    scale_max = scale_max or 1
    body = [_text(left + (width - left - right) / 2, 12, col_title, size=11, anchor="middle")]
    for j, col in enumerate(col_labels):
        body.append(_text(left + (j + 0.5) * cell_w, 28, col, size=10, anchor="middle"))
    if row_notes:
        body.append(_text(left - 8, 28, row_note_title, size=10, anchor="end"))
    marks = 0
    show_text = cell_w >= 30
    for i, row_label in enumerate(row_labels):
        y = top + i * cell_height
        body.append(_text(84 - 8, y + cell_height * 0.68, row_label, size=11, anchor="end", fill=INK))
        if row_notes:
            body.append(_text(left - 8, y + cell_height * 0.68, row_notes[i], size=11, anchor="end"))
        for j, value in enumerate(values[i]):
            if value is None:
                continue
            t = value / scale_max
            fill = sequential_color(t)
            body.append(
                f'<rect class="mark" data-tip="{_attr(tip(i, j))}" data-value="{_c(value, chart)}"'
                f' x="{_c(left + j * cell_w)}" y="{_c(y)}" width="{_c(cell_w - 1)}"'
                f' height="{_c(cell_height - 1)}" fill="{fill}"/>'
            )
            marks += 1
            if show_text:
                body.append(
                    _text(
                        left + (j + 0.5) * cell_w,
                        y + cell_height * 0.68,
                        value_format(value),
                        size=9,
                        anchor="middle",
                        fill="#ffffff" if t > 0.55 else INK,
                    )
                )
    height = top + len(row_labels) * cell_height + 30
    body += _color_scale(left, height - 20, 220, scale_max, value_format)
    return _svg(chart, width, height, body, marks, label or chart)


def sankey(
    chart: str,
    flows: Sequence[tuple[str, str, float]],
    *,
    order: Sequence[str],
    colors: dict[str, str],
    names: dict[str, str],
    value_format: Formatter,
    left_title: str = "",
    right_title: str = "",
    width: float = 1100,
    height: float = 440,
    label: str = "",
) -> str:
    """Two-column flow diagram: sources on the left, targets on the right, one band per flow
    with width proportional to its value. Bands where source = target (people who stayed) are
    drawn pale in the source's colour; moves take the colour of the stage they lead to, so a
    band into 'lapsed' reads red at a glance. Nodes follow `order`."""
    flows = [(s, t, v) for s, t, v in flows if _finite(v, chart) > 0]
    rank = {name: i for i, name in enumerate(order)}

    def ordered(names_: set[str]) -> list[str]:
        return sorted(names_, key=lambda n: (rank.get(n, len(rank)), n))

    sources = ordered({s for s, _, _ in flows})
    targets = ordered({t for _, t, _ in flows})
    total = sum(v for _, _, v in flows) or 1
    top, bottom, node_w, label_w = 26, 8, 14, 150
    gap = 8
    scale = (height - top - bottom - gap * max(len(sources), len(targets))) / total
    x_left, x_right = label_w, width - label_w - node_w

    def positions(nodes: list[str], value_of: Callable[[str], float]) -> dict[str, float]:
        y, out = top, {}
        for node in nodes:
            out[node] = y
            y += value_of(node) * scale + gap
        return out

    out_total = {s: sum(v for a, _, v in flows if a == s) for s in sources}
    in_total = {t: sum(v for _, b, v in flows if b == t) for t in targets}
    y_src = positions(sources, out_total.get)
    y_tgt = positions(targets, in_total.get)
    body = [
        _text(x_left + node_w / 2, 14, left_title, size=11, anchor="middle", weight="bold"),
        _text(x_right + node_w / 2, 14, right_title, size=11, anchor="middle", weight="bold"),
    ]
    src_offset = dict.fromkeys(sources, 0.0)
    tgt_offset = dict.fromkeys(targets, 0.0)
    marks = 0
    # bands drawn target-ordered within each source so they do not cross needlessly
    for s in sources:
        for s2, t, v in sorted((f for f in flows if f[0] == s), key=lambda f: (rank.get(f[1], 99), f[1])):
            h = v * scale
            y0 = y_src[s2] + src_offset[s2]
            y1 = y_tgt[t] + tgt_offset[t]
            src_offset[s2] += h
            tgt_offset[t] += h
            xa, xb = x_left + node_w, x_right
            xm = (xa + xb) / 2
            stayed = s2 == t
            path = (
                f"M{_c(xa)},{_c(y0, chart)} C{_c(xm)},{_c(y0)} {_c(xm)},{_c(y1)} {_c(xb)},{_c(y1)}"
                f" L{_c(xb)},{_c(y1 + h)} C{_c(xm)},{_c(y1 + h)} {_c(xm)},{_c(y0 + h)}"
                f" {_c(xa)},{_c(y0 + h)} Z"
            )
            verb = "stayed" if stayed else "moved"
            tip = f"{names.get(s2, s2)} → {names.get(t, t)}: {value_format(v)} ({verb}, {v / total:.1%})"
            body.append(
                f'<path class="mark" data-tip="{_attr(tip)}" d="{path}"'
                f' fill="{colors.get(s2 if stayed else t, NEUTRAL)}"'
                f' fill-opacity="{0.18 if stayed else 0.6}"/>'
            )
            marks += 1
    for side, nodes, ys, totals, x in (
        ("left", sources, y_src, out_total, x_left),
        ("right", targets, y_tgt, in_total, x_right),
    ):
        for node in nodes:
            h = max(totals[node] * scale, 1)
            body.append(
                f'<rect x="{_c(x)}" y="{_c(ys[node])}" width="{node_w}" height="{_c(h)}"'
                f' fill="{colors.get(node, NEUTRAL)}"/>'
            )
            text = f"{names.get(node, node)}  {value_format(totals[node])}"
            if side == "left":
                body.append(_text(x - 6, ys[node] + h / 2 + 4, text, size=11, anchor="end", fill=INK))
            else:
                body.append(_text(x + node_w + 6, ys[node] + h / 2 + 4, text, size=11, fill=INK))
    return _svg(chart, width, height, body, marks, label or chart)


@dataclass
class Curve:
    """A curve on the unit square (ROC, calibration): points (x, y) in order."""

    name: str
    points: Sequence[tuple[float, float]]
    color: str
    dashed: bool = False
    bold: bool = False
    markers: bool = False  # a dot (and a mark) per point; otherwise the whole curve is one mark
    tip: str = ""
    point_tips: Sequence[str] = field(default_factory=list)


def unit_curves(
    chart: str,
    curves: Sequence[Curve],
    *,
    x_title: str,
    y_title: str,
    width: float = 540,
    height: float = 400,
    diagonal_label: str = "",
    zoom: bool = False,
    label: str = "",
) -> str:
    """Curves on [0, 1] x [0, 1] with a dashed diagonal (chance for ROC, perfect calibration).
    zoom: both axes end at the same round value just above the data (calibration of a rare
    event would otherwise sit in a corner); the diagonal stays the diagonal."""
    for c in curves:
        for x, y in c.points:
            _finite(x, chart), _finite(y, chart)
    entries = [(c.tip or c.name, c.color, c.dashed) for c in curves]
    if diagonal_label:
        entries.append((diagonal_label, NEUTRAL, True))
    legend_h = 18 * len(entries) + 6
    left, right, top, bottom = 50, 12, 10, 44 + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = 1.0
    if zoom:
        largest = max([max(x, y) for c in curves for x, y in c.points] + [0.05])
        top_value = min(1.0, next(t for t in nice_ticks(0, largest, 4) if t >= largest))

    def xy(x: float, y: float) -> tuple[float, float]:
        return left + plot_w * x / top_value, top + plot_h * (1 - y / top_value)

    ticks = [t for t in nice_ticks(0, top_value, 4) if t <= top_value + 1e-9]
    body = []
    for t in ticks:
        gx, gy = xy(t, t)
        shown = f"{t:.2f}".rstrip("0").rstrip(".")
        body.append(
            f'<line x1="{_c(left)}" x2="{_c(left + plot_w)}" y1="{_c(gy)}" y2="{_c(gy)}" stroke="{GRID}"/>'
        )
        body.append(
            f'<line x1="{_c(gx)}" x2="{_c(gx)}" y1="{_c(top)}" y2="{_c(top + plot_h)}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, gy + 4, shown, size=10, anchor="end"))
        body.append(_text(gx, top + plot_h + 14, shown, size=10, anchor="middle"))
    (x0, y0), (x1, y1) = xy(0, 0), xy(top_value, top_value)
    body.append(
        f'<line x1="{_c(x0)}" y1="{_c(y0)}" x2="{_c(x1)}" y2="{_c(y1)}" stroke="{NEUTRAL}"'
        f' stroke-dasharray="4 4"/>'
    )
    marks = 0
    for curve in curves:
        coords = [xy(min(top_value, max(0, x)), min(top_value, max(0, y))) for x, y in curve.points]
        dash = ' stroke-dasharray="6 4"' if curve.dashed else ""
        line_class = "" if curve.markers else ' class="mark"'
        tip = "" if curve.markers else f' data-tip="{_attr(curve.tip or curve.name)}"'
        body.append(
            f'<polyline{line_class}{tip} points="{_points(coords, chart)}"'
            f' fill="none" stroke="{curve.color}" stroke-width="{3 if curve.bold else 1.6}"{dash}/>'
        )
        if curve.markers:
            for k, (x, y) in enumerate(coords):
                point_tip = curve.point_tips[k] if k < len(curve.point_tips) else curve.name
                body.append(
                    f'<circle class="mark" data-tip="{_attr(point_tip)}" cx="{_c(x)}" cy="{_c(y)}"'
                    f' r="{4 if curve.bold else 3}" fill="{curve.color}"/>'
                )
                marks += 1
        else:
            marks += 1
    body.append(_text(left + plot_w / 2, top + plot_h + 32, x_title, size=11, anchor="middle"))
    body.append(_axis_title_y(y_title, top + plot_h / 2))
    body += _legend(entries, left, top + plot_h + 50, column=True)
    return _svg(chart, width, height, body, marks, label or chart)


@dataclass
class Interval:
    """An estimate with its 95% interval, drawn as a dot on a whisker."""

    label: str
    estimate: float
    low: float
    high: float
    tip: str = ""


def interval_chart(
    chart: str,
    rows: Sequence[Interval],
    *,
    value_format: Formatter,
    x_title: str = "",
    tick_format: Formatter | None = None,
    width: float = 1100,
    row_height: float = 19,
    label: str = "",
) -> str:
    """Dot-and-whisker rows around a zero line; green when the whole interval is above zero,
    red when below, grey when it crosses zero (no significant difference)."""
    values = [_finite(v, chart) for r in rows for v in (r.low, r.high, r.estimate)]
    bound = max([abs(v) for v in values] + [0.01])
    ticks = nice_ticks(-bound, bound, 6)
    lo, hi = ticks[0], ticks[-1]
    # the outermost tick labels are centred on the plot's edges: leave room for their halves
    half_tick = max(text_width((tick_format or value_format)(t), 10) for t in (lo, hi)) / 2 + 4
    left, right, top, bottom = 300, max(20.0, half_tick), 16, 40
    plot_w = width - left - right

    def x_at(v: float) -> float:
        return left + plot_w * (v - lo) / (hi - lo)

    height = top + len(rows) * row_height + bottom
    body = []
    for t in ticks:
        body.append(
            f'<line x1="{_c(x_at(t))}" x2="{_c(x_at(t))}" y1="{_c(top - 6)}" y2="{_c(height - bottom)}"'
            f' stroke="{INK if t == 0 else GRID}" stroke-width="{1.2 if t == 0 else 1}"/>'
        )
        body.append(
            _text(x_at(t), height - bottom + 14, (tick_format or value_format)(t), size=10, anchor="middle")
        )
    marks = 0
    for i, row in enumerate(rows):
        y = top + i * row_height + row_height / 2
        if row.low > 0:
            color = POSITIVE
        elif row.high < 0:
            color = NEGATIVE
        else:
            color = NEUTRAL
        body.append(_text(left - 8, y + 4, _fit(row.label, left - 8, 11), size=11, anchor="end", fill=INK))
        tip = row.tip or (
            f"{row.label}: {value_format(row.estimate)}"
            f" (95% CI {value_format(row.low)} to {value_format(row.high)})"
        )
        body.append(
            f'<g class="mark" data-tip="{_attr(tip)}">'
            f'<line x1="{_c(x_at(row.low), chart)}" x2="{_c(x_at(row.high), chart)}"'
            f' y1="{_c(y)}" y2="{_c(y)}"'
            f' stroke="{color}" stroke-width="2"/>'
            f'<line x1="{_c(x_at(row.low))}" x2="{_c(x_at(row.low))}" y1="{_c(y - 5)}" y2="{_c(y + 5)}"'
            f' stroke="{color}" stroke-width="2"/>'
            f'<line x1="{_c(x_at(row.high))}" x2="{_c(x_at(row.high))}" y1="{_c(y - 5)}" y2="{_c(y + 5)}"'
            f' stroke="{color}" stroke-width="2"/>'
            f'<circle cx="{_c(x_at(row.estimate), chart)}" cy="{_c(y)}" r="4.5" fill="{color}"/></g>'
        )
        marks += 1
    body.append(_text(left + plot_w / 2, height - 8, x_title, size=11, anchor="middle"))
    return _svg(chart, width, height, body, marks, label or chart)


def stacked_hbar_chart(
    chart: str,
    rows: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    colors: dict[str, str],
    value_format: Formatter,
    *,
    width: float = 1100,
    label_width: float = 150,
    bar_height: float = 20,
    label: str = "",
) -> str:
    """One horizontal bar per row split into named segments (e.g. quarantined rows per table by
    reason); the total is printed at the end, the legend on top."""
    value_room = 80
    plot = width - label_width - value_room
    top = 12 + _legend_height(list(colors), width - label_width)
    totals = [sum(_finite(v, chart) for _, v in segments) for _, segments in rows]
    max_total = max(totals + [0]) or 1
    body = _legend(
        [(name, color, False) for name, color in colors.items()],
        label_width,
        12,
        max_width=width - label_width,
    )
    marks = 0
    for i, (row_label, segments) in enumerate(rows):
        y = top + i * (bar_height + 8)
        x = label_width
        body.append(
            _text(
                label_width - 8,
                y + bar_height * 0.7,
                _fit(row_label, label_width - 8, 12),
                size=12,
                anchor="end",
                fill=INK,
            )
        )
        for name, value in segments:
            if value <= 0:
                continue
            w = plot * value / max_total
            body.append(
                f'<rect class="mark" data-tip="{_attr(f"{row_label}, {name}: {value_format(value)}")}"'
                f' x="{_c(x)}" y="{_c(y)}" width="{_c(max(w, 1.5), chart)}" height="{_c(bar_height)}"'
                f' fill="{colors.get(name, NEUTRAL)}"/>'
            )
            marks += 1
            x += w
        body.append(_text(x + 6, y + bar_height * 0.7, value_format(totals[i]), size=11, fill=INK))
    height = top + len(rows) * (bar_height + 8) + 6
    return _svg(chart, width, height, body, marks, label or chart)


def score_grid(
    chart: str,
    cells: dict[tuple[int, int], tuple[str, float]],
    colors: dict[str, str],
    value_format: Formatter,
    *,
    x_title: str,
    y_title: str,
    size: int = 5,
    width: float = 560,
    label: str = "",
) -> str:
    """A size x size grid of (x score, y score) cells, each coloured by its named segment and
    labelled with the segment and its count (the RFM recency x frequency map)."""
    left, top, bottom = 46, 8, 40
    cell = (width - left - 8) / size
    height = top + cell * size + bottom
    body = []
    marks = 0
    for x_score in range(1, size + 1):
        body.append(
            _text(
                left + (x_score - 0.5) * cell, top + size * cell + 16, str(x_score), size=11, anchor="middle"
            )
        )
    for y_score in range(1, size + 1):
        body.append(
            _text(left - 10, top + (size - y_score + 0.5) * cell + 4, str(y_score), size=11, anchor="end")
        )
    for x_score in range(1, size + 1):
        for y_score in range(1, size + 1):
            x = left + (x_score - 1) * cell
            y = top + (size - y_score) * cell
            segment, count = cells.get((x_score, y_score), ("", 0))
            if _finite(count, chart) <= 0:
                body.append(
                    f'<rect x="{_c(x)}" y="{_c(y)}" width="{_c(cell - 2)}" height="{_c(cell - 2)}"'
                    f' fill="#f6f8fa" stroke="{GRID}"/>'
                )
                continue
            tip = f"R{x_score} F{y_score} · {segment}: {value_format(count)}"
            body.append(
                f'<rect class="mark" data-tip="{_attr(tip)}" x="{_c(x)}" y="{_c(y)}" width="{_c(cell - 2)}"'
                f' height="{_c(cell - 2)}" rx="3" fill="{colors.get(segment, NEUTRAL)}" fill-opacity="0.85"/>'
            )
            marks += 1
            body.append(
                _text(x + cell / 2 - 1, y + cell / 2 - 3, segment, size=10, anchor="middle", fill=INK)
            )
            body.append(
                _text(
                    x + cell / 2 - 1,
                    y + cell / 2 + 12,
                    value_format(count),
                    size=12,
                    anchor="middle",
                    fill=INK,
                    weight="bold",
                )
            )
    body.append(_text(left + size * cell / 2, height - 6, x_title, size=11, anchor="middle"))
    body.append(_axis_title_y(y_title, top + size * cell / 2, x=12))
    return _svg(chart, width, height, body, marks, label or chart)


def _points(coords: Sequence[tuple[float, float]], chart: str) -> str:
    """An SVG points list: 'x1,y1 x2,y2 ...'."""
    return " ".join(f"{_c(x, chart)},{_c(y, chart)}" for x, y in coords)


def _y_axis(
    ticks: Sequence[float],
    y_max: float,
    left: float,
    top: float,
    plot_w: float,
    plot_h: float,
    y_format: Formatter,
) -> list[str]:
    out = []
    for t in ticks:
        y = top + plot_h * (1 - t / y_max)
        out.append(
            f'<line x1="{_c(left)}" x2="{_c(left + plot_w)}" y1="{_c(y)}" y2="{_c(y)}" stroke="{GRID}"/>'
        )
        out.append(_text(left - 6, y + 4, y_format(t), size=10, anchor="end"))
    return out


def _axis_title_y(title: str, y_mid: float, x: float = 12) -> str:
    if not title:
        return ""
    return _text(
        x, y_mid, title, size=11, anchor="middle", extra=f' transform="rotate(-90 {_c(x)} {_c(y_mid)})"'
    )


def _legend(
    items: Sequence[tuple[str, str, bool]], x: float, y: float, column: bool = False, max_width: float = 0
) -> list[str]:
    """Swatches with names, in a column, or in rows wrapping at max_width (see _legend_height)."""
    out = []
    cx, cy = x, y
    for name, color, dashed in items:
        item_w = 30 + text_width(name, 11)
        if not column and max_width and cx > x and cx + item_w > x + max_width:
            cx, cy = x, cy + 18
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        out.append(
            f'<line x1="{_c(cx)}" x2="{_c(cx + 16)}" y1="{_c(cy - 4)}" y2="{_c(cy - 4)}" stroke="{color}"'
            f' stroke-width="4"{dash}/>'
        )
        out.append(_text(cx + 21, cy, name, size=11, fill=INK))
        if column:
            cy += 18
        else:
            cx += item_w
    return out


def _legend_height(names: Sequence[str], max_width: float) -> float:
    """Height the wrapped legend rows of _legend take."""
    rows, cx = 1, 0.0
    for name in names:
        item_w = 30 + text_width(name, 11)
        if cx > 0 and cx + item_w > max_width:
            rows, cx = rows + 1, 0.0
        cx += item_w
    return rows * 18


def _color_scale(x: float, y: float, width: float, v_max: float, value_format: Formatter) -> list[str]:
    steps = 20
    out = [
        f'<rect x="{_c(x + width * k / steps)}" y="{_c(y)}" width="{_c(width / steps + 0.5)}" height="8"'
        f' fill="{sequential_color(k / (steps - 1))}"/>'
        for k in range(steps)
    ]
    out.append(_text(x - 4, y + 8, value_format(0), size=10, anchor="end"))
    out.append(_text(x + width + 4, y + 8, value_format(v_max), size=10))
    return out
