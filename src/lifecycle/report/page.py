"""The report page: one self-contained HTML file (inline CSS, inline SVG, a few lines of inline
JavaScript for tooltips; nothing fetched from the network), one section per question a lifecycle
marketer asks. Each section says what it shows, as of when, and how to read it; a section whose
table is not in this warehouse shows a "not available in this build" panel instead of failing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from lifecycle.report import charts, data, fmt
from lifecycle.report.gx import SuiteResult

# a colour per lifecycle stage (the stages and their order: macros/enumerations.sql)
STAGE_COLORS = {
    "new_to_warehouse": "#c9ced6",
    "anonymous_visitor": "#b8b0a8",
    "lead": "#76b7b2",
    "new_customer": "#8cd17d",
    "active": "#59a14f",
    "loyal": "#2f7d3a",
    "reactivated": "#4e79a7",
    "at_risk": "#f28e2b",
    "lapsed": "#e15759",
}
STAGE_NAMES = {"new_to_warehouse": "new in warehouse"}
MODEL_COLORS = {
    "logistic_regression": "#4e79a7",
    "gradient_boosting": "#f28e2b",
    "bgnbd": "#59a14f",
    "recency_baseline": "#9c755f",
}
MODEL_NAMES = {
    "logistic_regression": "logistic regression",
    "gradient_boosting": "gradient boosting",
    "bgnbd": "BG/NBD",
    "recency_baseline": "recency only",
}
RFM_COLORS = {
    "Champions": "#1a7f37",
    "Loyal": "#4aa564",
    "Potential Loyalist": "#8cd17d",
    "New": "#76b7b2",
    "Promising": "#a0cbe8",
    "Need Attention": "#edc948",
    "About to Sleep": "#f1ce63",
    "At Risk": "#f28e2b",
    "Cannot Lose Them": "#e15759",
    "Hibernating": "#bab0ac",
}


@dataclass
class Context:
    """Everything the sections share: where the data comes from and how to format it."""

    wh: data.Warehouse
    currency: str
    as_of: dt.date | None
    settings: dict[str, Any]  # project vars the text quotes (horizons)
    gx: list[SuiteResult] | None


@dataclass
class Section:
    id: str
    title: str
    html: str


def render(ctx: Context, *, database_label: str, generated_at: dt.datetime, docs_href: str | None) -> str:
    """The whole page as one HTML string."""
    sections = [builder(ctx) for builder in SECTIONS]
    as_of = fmt.day(ctx.as_of) if ctx.as_of else "unknown date"
    nav = "".join(f'<a href="#{s.id}">{escape(s.title)}</a>' for s in sections)
    docs = (
        f' · <a href="{escape(docs_href, quote=True)}">model documentation (dbt docs)</a>'
        if docs_href
        else ""
    )
    body = "".join(
        f'<section id="{s.id}" class="card"><h2>{escape(s.title)}</h2>{s.html}</section>' for s in sections
    )
    empty = data.build_notes(ctx.wh)
    notice = (
        f'<p class="meta">This shop\'s data leaves {len(empty)} part(s) of the warehouse empty:'
        ' <a href="#quality">what and why</a>.</p>'
        if empty
        else ""
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer lifecycle report, as of {escape(as_of)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>Customer lifecycle report</h1>
<p class="meta">Data as of <strong>{escape(as_of)}</strong> · amounts in {escape(ctx.currency)} ·
generated {escape(generated_at.strftime("%Y-%m-%d %H:%M"))} UTC from {escape(database_label)}{docs}</p>
{notice}<nav>{nav}</nav>
</header>
<main>{body}</main>
<footer>Built from the public tables of the warehouse (schemas marts and audiences), read-only.
Every number is documented per column in the model documentation.</footer>
<div id="tip" role="tooltip"></div>
<script>{JS}</script>
</body>
</html>
"""


# ----------------------------------------------------------------------------------------- helpers


def how(text: str) -> str:
    return f'<p class="how"><strong>How to read this:</strong> {text}</p>'


def unavailable(chart: str, missing: data.Missing, what: str) -> str:
    """The panel a section shows when its table is absent, naming the table."""
    detail = f" ({escape(missing.detail)})" if missing.detail else ""
    return (
        f'<div class="unavailable" data-unavailable="{escape(chart, quote=True)}">'
        f"<strong>Not available in this build.</strong> {escape(what)} needs "
        f"<code>{escape(missing.relation)}</code>{detail}, which this warehouse does not have yet; "
        "it appears here once a build publishes it.</div>"
    )


def table(headers: list[str], rows: list[list[str]], numeric_from: int = 1, css: str = "") -> str:
    """A simple table; columns from numeric_from on are right-aligned numbers."""
    head = "".join(
        f'<th class="{"num" if i >= numeric_from else ""}">{escape(h)}</th>' for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{"num" if i >= numeric_from else ""}">{c}</td>' for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    # wrapped: a table wider than its card scrolls inside it instead of stretching the page
    return (
        f'<div class="table-wrap"><table class="{css}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def tile(label: str, value: str, detail: str = "", css: str = "", chart: str = "") -> str:
    return (
        f'<div class="tile {css}"><div class="tile-label">{escape(label)}</div>'
        f'<div class="tile-value">{escape(value)}</div>'
        f'<div class="tile-detail">{detail}</div>{chart}</div>'
    )


def stage_name(stage: str) -> str:
    return STAGE_NAMES.get(stage, fmt.label(stage))


def _money(ctx: Context, short: bool = False) -> Callable[[float], str]:
    return lambda v: fmt.money(v, ctx.currency, short=short)


def _month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1


# --------------------------------------------------------------------------------------- sections

KPI_TILES = [
    # column, label, kind, higher is better
    ("revenue", "Revenue", "money", True),
    ("orders", "Orders", "count", True),
    ("average_order_value", "Average order value", "money", True),
    ("new_customers", "New customers", "count", True),
    ("active_customers", "Active customers", "count", True),
    ("repeat_customer_rate", "Repeat customer rate", "rate", True),
    ("churn_rate", "Churn rate", "rate", False),
    ("conversion_rate", "Session conversion", "rate", True),
    ("email_open_rate", "Email open rate", "rate", True),
    ("nps", "NPS", "score", True),
]


def section_kpis(ctx: Context) -> Section:
    title = "Key numbers"
    try:
        months = data.kpi_months(ctx.wh)
    except data.Missing as missing:
        return Section("kpis", title, unavailable("kpi-tiles", missing, "The KPI tiles"))
    # a month is shown once complete: a partial month's revenue next to full months misleads
    if ctx.as_of and months and not _month_end(ctx.as_of):
        current = ctx.as_of.replace(day=1)
        months = [m for m in months if m["kpi_month"] < current]
    if not months:
        return Section("kpis", title, '<p class="empty">No complete month of data yet.</p>')
    latest, previous = months[-1], (months[-2] if len(months) > 1 else None)
    trend = months[-12:]
    title = f"Key numbers, {fmt.month(latest['kpi_month'])}"
    tiles = []
    for column, label, kind, higher_is_better in KPI_TILES:
        if column not in latest:
            continue
        value = latest[column]
        show = {
            "money": lambda v: fmt.money(v, ctx.currency, short=True),
            "count": fmt.compact,
            "rate": lambda v: fmt.percent(v),
            "score": lambda v: fmt.number(v, 0),
        }[kind]
        detail = ""
        before = previous.get(column) if previous else None
        if fmt.is_number(value) and fmt.is_number(before):
            if kind in ("rate", "score"):
                change, text = value - before, f"{value - before:+.1f} pts"
            elif before:
                change, text = value - before, f"{(value - before) / abs(before):+.1%}"
            else:
                change, text = 0.0, "n/a"
            good = (change > 0) == higher_is_better if change else None
            arrow = "▲" if change > 0 else ("▼" if change < 0 else "■")
            css = "good" if good else ("bad" if good is False else "flat")
            detail = (
                f'<span class="delta {css}">{arrow} {escape(text)}</span> vs '
                f"{escape(fmt.month(previous['kpi_month']))}"
            )
        spark = charts.sparkline(
            f"kpi-{column.replace('_', '-')}",
            [(fmt.month(m["kpi_month"]), m.get(column)) for m in trend],
            show,
            width=200,
            height=40,
        )
        tiles.append(tile(label, show(value), detail, chart=spark))
    note = ""
    if ctx.as_of and not _month_end(ctx.as_of):
        note = (
            f" The month of {fmt.day(ctx.as_of)} is still running, so the tiles show the last complete month."
        )
    html = (
        how(
            "each tile is the month's value (marts.kpi_monthly; every formula is in its column description), "
            "the change against the month before (green when it moved the right way: churn going down is "
            f"good), and the last {len(trend)} months as a line (hover a dot for its value).{note}"
        )
        + f'<div class="tiles">{"".join(tiles)}</div>'
    )
    return Section("kpis", title, html)


def section_lifecycle(ctx: Context) -> Section:
    title = "Lifecycle stages"
    parts = []
    try:
        counts = data.stage_counts(ctx.wh)
        total = sum(n for _, n in counts) or 1
        bars = [
            charts.Bar(
                stage_name(s),
                n,
                STAGE_COLORS.get(s, charts.NEUTRAL),
                f"{stage_name(s)}: {fmt.number(n)} people ({n / total:.1%})",
                f"{n / total:.1%}",
            )
            for s, n in counts
        ]
        as_of = fmt.day(ctx.as_of) if ctx.as_of else "today"
        parts.append(
            f"<h3>Where people are, as of {escape(as_of)}</h3>"
            + how(
                f"every person the warehouse knows ({fmt.number(total)}) is in exactly one stage; the "
                "rules and their thresholds are in macros/lifecycle_stage.sql and dbt_project.yml."
            )
            + charts.hbar_chart(
                "lifecycle-stages",
                bars,
                fmt.number,
                width=1100,
                label_width=160,
                label="People per lifecycle stage",
            )
        )
    except data.Missing as missing:
        parts.append(unavailable("lifecycle-stages", missing, "The stage distribution"))
    try:
        flow = data.latest_stage_flow(ctx.wh)
        moves = sorted((f for f in flow.flows if f[0] != f[1]), key=lambda f: -f[2])
        stayed = sum(n for s, t, n in flow.flows if s == t)
        moved = sum(n for *_, n in moves)
        since = fmt.day(flow.previous_period_end) if flow.previous_period_end else "the previous period"
        parts.append(
            f"<h3>How people moved from {escape(since)} to {escape(fmt.day(flow.period_end))}</h3>"
            + how(
                "the stage at the previous period end on the left, at the latest one on the right; a band's "
                "height is the number of people making that move. Pale bands are people who stayed "
                f"({fmt.number(stayed)}); coloured bands are moves ({fmt.number(moved)}), in the colour of "
                "the stage they lead to; "
                "'new in warehouse' are people first seen in this period."
            )
            + charts.sankey(
                "stage-flow",
                flow.flows,
                order=list(data.stage_order()),
                colors=STAGE_COLORS,
                names={s: stage_name(s) for s in data.stage_order()},
                value_format=fmt.number,
                left_title=since,
                right_title=fmt.day(flow.period_end),
                label="Lifecycle stage flow in the latest period",
            )
            + "<h4>Largest moves</h4>"
            + table(
                ["from", "to", "people"],
                [[escape(stage_name(s)), escape(stage_name(t)), fmt.number(n)] for s, t, n in moves[:8]],
                numeric_from=2,
                css="compact",
            )
        )
    except data.Missing as missing:
        parts.append(unavailable("stage-flow", missing, "The stage flow"))
    return Section("lifecycle", title, "".join(parts))


def section_cohorts(ctx: Context) -> Section:
    title = "Cohort retention"
    try:
        rows = data.cohorts(ctx.wh)
    except data.Missing as missing:
        return Section("cohorts", title, unavailable("cohort-heatmap", missing, "The cohort heatmap"))
    if not rows:
        return Section("cohorts", title, '<p class="empty">No completed orders yet, so no cohorts.</p>')
    cohort_months = sorted({r["cohort_month"] for r in rows})
    max_offset = min(24, max(r["months_since_first_order"] for r in rows))
    offsets = list(range(1, max_offset + 1))
    by_key = {(r["cohort_month"], r["months_since_first_order"]): r for r in rows}
    sizes = {r["cohort_month"]: r["cohort_customers"] for r in rows}
    values = [
        [by_key[(c, k)]["retention_rate"] if (c, k) in by_key else None for k in offsets]
        for c in cohort_months
    ]
    if not offsets or not any(v is not None for row in values for v in row):
        return Section("cohorts", title, '<p class="empty">No cohort has a second month yet.</p>')

    def tip(i: int, j: int) -> str:
        r = by_key[(cohort_months[i], offsets[j])]
        return (
            f"Cohort {fmt.month(cohort_months[i])}, month {offsets[j]}: {fmt.percent(r['retention_rate'])}"
            f" ({fmt.number(r['customers_retained'])} of {fmt.number(r['cohort_customers'])} customers)"
        )

    month1 = [v[0] for v in values if v and v[0] is not None]
    avg1 = sum(month1) / len(month1) if month1 else None
    html = how(
        "each row is the customers whose first order fell in that month; each cell the share of them who "
        "ordered again k months later (month 0, the first order, is 100% and left out). Darker is better. "
        f"On average {fmt.percent(avg1)} of a cohort orders again in its first month after joining. "
        "Blank cells are months that have not happened yet."
    ) + charts.heatmap(
        "cohort-heatmap",
        [fmt.month(c) for c in cohort_months],
        [str(k) for k in offsets],
        values,
        value_format=lambda v: fmt.percent(v, 0),
        tip=tip,
        row_notes=[fmt.number(sizes[c]) for c in cohort_months],
        row_note_title="customers",
        col_title="months since first order",
        label="Cohort retention heatmap",
    )
    return Section("cohorts", title, html)


def section_rfm(ctx: Context) -> Section:
    title = "RFM segments"
    try:
        result = data.rfm(ctx.wh)
    except data.Missing as missing:
        return Section("rfm", title, unavailable("rfm-grid", missing, "The RFM segment grid"))
    if not result.cells:
        return Section("rfm", title, '<p class="empty">No buyers to score yet.</p>')
    total = sum(s["customers"] for s in result.segments) or 1
    rows = [
        [
            f'<span class="swatch" style="background:{RFM_COLORS.get(s["segment"], charts.NEUTRAL)}"></span>'
            + escape(str(s["segment"])),
            fmt.number(s["customers"]),
            f"{s['customers'] / total:.1%}",
            fmt.money(s["avg_monetary"], ctx.currency) if s["avg_monetary"] is not None else "n/a",
        ]
        for s in result.segments
    ]
    html = (
        how(
            "buyers are scored 1-5 on recency (R, 5 = bought most recently) and frequency "
            "(F, 5 = most orders), each by quintile of buyers where values differ; order counts tie "
            "(every one-order buyer is F1, every two-order buyer F2), so F scores are not fifths. "
            "Every R x F cell belongs to one named segment (the commonly published RFM map, "
            f"listed in the customer_rfm docs). {fmt.number(result.prospects)} people without "
            "orders are Prospects and not in the grid."
        )
        + '<div class="split">'
        + charts.score_grid(
            "rfm-grid",
            result.cells,
            RFM_COLORS,
            fmt.number,
            x_title="recency score (5 = most recent)",
            y_title="frequency score",
            label="RFM recency x frequency grid",
        )
        + "<div>"
        + table(["segment", "buyers", "share", "avg spend"], rows)
        + "</div></div>"
    )
    return Section("rfm", title, html)


def section_clv(ctx: Context) -> Section:
    horizon = ctx.settings.get("clv_horizon_days", 365)
    title = "Customer lifetime value"
    try:
        result = data.clv(ctx.wh)
    except data.Missing as missing:
        return Section("clv", title, unavailable("clv-distribution", missing, "The CLV charts"))
    if result.customers == 0:
        why = "; ".join(result.fit_messages) or "no buyers to predict for"
        return Section(
            "clv",
            title,
            '<div class="unavailable" data-unavailable="clv-distribution"><strong>No CLV predictions in this '
            f"build.</strong> The model could not be fitted: {escape(why)} (marts.clv_model_params).</div>",
        )
    money = _money(ctx)
    tiles = "".join(
        [
            tile("Buyers scored", fmt.number(result.customers)),
            tile(f"Predicted CLV, next {horizon} days", fmt.money(result.total, ctx.currency, short=True)),
            tile("Average per buyer", fmt.money(result.total / result.customers, ctx.currency, decimals=2)),
            tile(
                "Held by the top 10% of buyers",
                fmt.share(result.top_decile_share),
                "share of all predicted CLV",
            ),
        ]
    )
    bins = []
    for low, high, n in result.bins:
        name = f"{money(low)}–{money(high)}" if high is not None else f"≥ {money(low)}"
        bins.append((fmt.money(low, ctx.currency, short=True), n, f"{name}: {fmt.number(n)} buyers"))
    hist = charts.histogram(
        "clv-distribution",
        bins,
        width=540,
        height=260,
        y_format=fmt.compact,
        x_title=f"predicted CLV over the next {horizon} days (last bar: everything above)",
        y_title="buyers",
        label="Distribution of predicted CLV",
    )
    total_customers = sum(t["customers"] for t in result.tiers) or 1
    total_value = sum(t["value"] for t in result.tiers) or 1
    groups = [
        (
            t["tier"],
            [
                ("share of buyers", t["customers"] / total_customers),
                ("share of predicted CLV", t["value"] / total_value),
            ],
        )
        for t in result.tiers
    ]
    tiers = charts.grouped_hbar_chart(
        "clv-tiers",
        groups,
        {"share of buyers": "#a0cbe8", "share of predicted CLV": charts.ACCENT},
        lambda v: fmt.share(v),
        width=540,
        label="CLV tiers: share of buyers and of value",
    )
    html = (
        how(
            "predicted CLV is the discounted revenue each buyer is expected to bring over the next "
            f"{horizon} "
            "days (BG/NBD purchases x Gamma-Gamma order value, marts.clv_predictions). Most buyers are worth "
            "little and a few are worth a lot: the tiers (platinum = top 1%, gold 1-5%, silver 5-10%, bronze "
            "10-25%) show how much of the value the best few hold."
        )
        + f'<div class="tiles">{tiles}</div><div class="grid2">'
        + f"<div><h3>How predicted CLV is spread</h3>{hist}"
        f"</div><div><h3>Value by tier</h3>{tiers}</div></div>"
    )
    return Section("clv", title, html)


METRICS = [
    ("roc_auc", "ROC AUC"),
    ("pr_auc", "PR AUC"),
    ("brier", "Brier"),
    ("log_loss", "log loss"),
    ("lift_top_decile", "lift top 10%"),
]


def _fold_summary(rows: list[dict], model: str, metric: str) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation of a metric over the folds (sd None with one fold)."""
    values = [
        r["value"] for r in rows if r["model"] == model and r["metric"] == metric and r["value"] is not None
    ]
    values = [v for v in values if v == v]  # NaN (a fold with one class) left out
    if not values:
        return None, None
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, None
    return mean, (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5


def section_models(ctx: Context) -> Section:
    title = "How good are the predictions?"
    try:
        quality = data.model_quality(ctx.wh)
    except data.Missing as missing:
        return Section("models", title, unavailable("model-roc", missing, "The model evaluation charts"))
    tasks = [t for t in data.model_tasks() if any(r["task"] == t for r in quality.evaluation)]
    if not tasks:
        return Section("models", title, '<p class="empty">No model was evaluated in this build.</p>')
    blocks = []
    for task in tasks:
        rows = [r for r in quality.evaluation if r["task"] == task]
        latest = [r for r in rows if r.get("is_latest_fold", True)]
        roles = {r["model"]: r["model_role"] for r in rows}
        values = {(r["model"], r["metric"]): r["value"] for r in latest}
        models = sorted(roles, key=lambda m: (roles[m] != "chosen", roles[m] == "baseline", m))
        chosen = next((m for m in models if roles[m] == "chosen"), None)
        snapshot = latest[0].get("holdout_snapshot")
        customers = latest[0].get("holdout_customers")
        # the horizon the build used, as the model tables record it (the project default otherwise)
        horizon = latest[0].get("horizon_days") or ctx.settings.get(f"{task}_horizon_days")
        folds = sorted({r["holdout_snapshot"] for r in rows if r.get("holdout_snapshot") is not None})
        question = (
            f"Will the buyer order within {horizon} days?"
            if task == "purchase"
            else f"Will the buyer not order within {horizon} days (churn)?"
        )

        def label(m: str, roles: dict = roles, values: dict = values) -> str:
            auc = values.get((m, "roc_auc"))
            role = {"chosen": "chosen", "baseline": "baseline"}.get(roles[m], "candidate")
            return f"{MODEL_NAMES.get(m, m)} ({role}), AUC {fmt.number(auc, 3) if auc is not None else 'n/a'}"

        roc_curves = [
            charts.Curve(
                label(m),
                quality.roc[(task, m)],
                MODEL_COLORS.get(m, charts.NEUTRAL),
                dashed=roles[m] == "baseline",
                bold=m == chosen,
                tip=label(m),
            )
            for m in models
            if (task, m) in quality.roc
        ]
        calibration_curves = []
        for m in models:
            deciles = quality.calibration.get((task, m))
            if not deciles:
                continue
            calibration_curves.append(
                charts.Curve(
                    MODEL_NAMES.get(m, m) + (" (chosen)" if m == chosen else f" ({roles[m]})"),
                    [(d["mean_predicted"], d["observed_rate"]) for d in deciles],
                    MODEL_COLORS.get(m, charts.NEUTRAL),
                    dashed=roles[m] == "baseline",
                    bold=m == chosen,
                    markers=True,
                    point_tips=[
                        f"{MODEL_NAMES.get(m, m)}, decile {d['decile']}: "
                        f"predicted {fmt.share(d['mean_predicted'])},"
                        f" observed {fmt.share(d['observed_rate'])} ({fmt.number(d['customers'])} buyers)"
                        for d in deciles
                    ],
                )
            )
        roc = (
            charts.unit_curves(
                f"roc-{task}",
                roc_curves,
                x_title="false positive rate",
                y_title="true positive rate",
                diagonal_label="chance",
                label=f"ROC curves, {task} model",
            )
            if roc_curves
            else '<p class="empty">No ROC curve (the holdout has one class only).</p>'
        )
        calibration = (
            charts.unit_curves(
                f"calibration-{task}",
                calibration_curves,
                x_title="mean predicted probability (per decile)",
                y_title="observed rate",
                diagonal_label="perfectly calibrated",
                zoom=True,
                label=f"Calibration, {task} model",
            )
            if calibration_curves
            else '<p class="empty">No calibration data.</p>'
        )

        def mean_sd(m: str, metric: str, rows: list = rows) -> str:
            mean, sd = _fold_summary(rows, m, metric)
            if mean is None:
                return "n/a"
            return fmt.number(mean, 3) + (f" ± {fmt.number(sd, 3)}" if sd is not None else "")

        metric_rows = [
            [
                escape(MODEL_NAMES.get(m, m)) + (" <strong>(chosen)</strong>" if m == chosen else ""),
                escape(roles[m]),
                escape(mean_sd(m, "roc_auc")),
                escape(mean_sd(m, "calibration_ratio")),
            ]
            + [fmt.number(values.get((m, k)), 3) for k, _ in METRICS]
            + [fmt.number(values.get((m, "calibration_ratio")), 3)]
            for m in models
        ]
        fold_rows = []
        for holdout in folds:
            at = [r for r in rows if r["holdout_snapshot"] == holdout]
            auc = {r["model"]: r["value"] for r in at if r["metric"] == "roc_auc"}
            ratio = {r["model"]: r["value"] for r in at if r["metric"] == "calibration_ratio"}
            fold_rows.append(
                [
                    escape(str(holdout)),
                    fmt.number(at[0].get("training_snapshots")),
                    fmt.number(at[0]["holdout_customers"]),
                ]
                + [f"{fmt.number(auc.get(m), 3)} / {fmt.number(ratio.get(m), 2)}" for m in models]
            )
        blocks.append(
            f"<h3>{escape(task.capitalize())} model: {escape(question)}</h3>"
            f'<p class="sub">Backtested on {len(folds)} fold(s): each a month-end snapshot whose outcome is '
            f"known, scored by models trained only on snapshots whose outcome was known by then. Charts: "
            f"the latest fold, {fmt.number(customers)} buyers as of {escape(str(snapshot))}.</p>"
            f'<div class="grid2"><div>{roc}</div><div>{calibration}</div></div>'
            + table(
                ["model", "role", "AUC over folds (mean ± sd)", "predicted / observed over folds"]
                + [f"{name}, latest fold" for _, name in METRICS]
                + ["predicted / observed, latest fold"],
                metric_rows,
                numeric_from=2,
                css="compact",
            )
            + table(
                ["holdout snapshot", "training snapshots", "buyers"]
                + [f"{MODEL_NAMES.get(m, m)}: AUC / predicted÷observed" for m in models],
                fold_rows,
                numeric_from=1,
                css="compact",
            )
        )
    html = how(
        "left, the ROC curve: how well each model ranks buyers (higher and further left is better; the "
        "diagonal is a coin flip; AUC in the legend). Right, calibration: each dot is a tenth of the holdout "
        "buyers; on the diagonal the predicted probability matches what happened. The chosen model (thick "
        "line) is compared with two baselines (dashed): recency only, and the BG/NBD model. It is chosen by "
        "its mean AUC over the backtest folds and never ranks worse than BG/NBD there; predicted / observed "
        "is the mean predicted probability over the observed rate (1 = calibrated; 0.9-1.1 within 10%). "
        "Brier and log loss: lower is better."
    ) + "".join(blocks)
    return Section("models", title, html)


def section_campaigns(ctx: Context) -> Section:
    title = "Campaigns and A/B tests"
    parts = []
    try:
        rows = data.campaigns(ctx.wh)
    except data.Missing as missing:
        rows = None
        parts.append(unavailable("ab-tests", missing, "The campaign results"))
    if rows is not None and not rows:
        parts.append('<p class="empty">No campaigns in this build.</p>')
    elif rows:
        names = {r["campaign_id"]: r.get("campaign_name") or r["campaign_id"] for r in rows}
        ab = [
            charts.Interval(
                f"{names[r['campaign_id']]}: {r['variant']} vs a",
                r["ab_difference"],
                r["ab_ci_low"],
                r["ab_ci_high"],
                tip=f"{names[r['campaign_id']]}, variant {r['variant']} vs a: "
                f"{fmt.signed_points(r['ab_difference'])} (95% CI {fmt.signed_points(r['ab_ci_low'])}"
                f" to {fmt.signed_points(r['ab_ci_high'])}), p = {fmt.number(r.get('ab_p_value'), 3)}",
            )
            for r in rows
            if all(fmt.is_number(r[k]) for k in ("ab_difference", "ab_ci_low", "ab_ci_high"))
        ]
        uplift = [
            charts.Interval(
                f"{names[r['campaign_id']]}: {r['variant']}",
                r["uplift_difference"],
                r["uplift_ci_low"],
                r["uplift_ci_high"],
                tip=f"{names[r['campaign_id']]}, variant {r['variant']} vs holdout: "
                f"{fmt.signed_points(r['uplift_difference'])} (95% CI "
                f"{fmt.signed_points(r['uplift_ci_low'])} to {fmt.signed_points(r['uplift_ci_high'])})"
                f", p = {fmt.number(r.get('uplift_p_value'), 3)}",
            )
            for r in rows
            if all(fmt.is_number(r[k]) for k in ("uplift_difference", "uplift_ci_low", "uplift_ci_high"))
        ]
        parts.append(
            how(
                "a conversion is a completed order within the attribution window after the first "
                "message. Each row is a difference in conversion rate with its 95% score interval "
                "(Miettinen-Nurminen), which excludes zero exactly when the test's p-value is below 0.05: "
                "green when the whole interval is above zero (a real win), red when below (a real loss), "
                "grey when it crosses zero (no difference the data can show). A/B compares each variant "
                "with variant a; uplift compares "
                "it with the campaign's holdout group, who got nothing."
            )
        )
        # winners first: a marketer scans for what worked and what hurt
        ab.sort(key=lambda i: -i.estimate)
        uplift.sort(key=lambda i: -i.estimate)
        parts.append(
            "<h3>A/B tests: variant vs variant a</h3>"
            + _verdicts(ab, "A/B comparisons")
            + (
                charts.interval_chart(
                    "ab-tests",
                    ab,
                    value_format=fmt.signed_points,
                    tick_format=_pp_tick,
                    x_title="difference in conversion rate (percentage points)",
                    label="A/B test differences with 95% intervals",
                )
                if ab
                else '<p class="empty">No campaign ran more than one variant.</p>'
            )
        )
        parts.append(
            "<h3>Uplift: variant vs holdout</h3>"
            + _verdicts(uplift, "variants with a holdout")
            + (
                charts.interval_chart(
                    "campaign-uplift",
                    uplift,
                    value_format=fmt.signed_points,
                    tick_format=_pp_tick,
                    x_title="difference in conversion rate against the holdout (percentage points)",
                    label="Uplift against holdout with 95% intervals",
                )
                if uplift
                else '<p class="empty">No campaign kept a holdout group.</p>'
            )
        )
        parts.append("<h3>Results per campaign</h3>" + _campaign_table(ctx, rows))
    try:
        journey_rows = data.journeys(ctx.wh)
        parts.append("<h3>Journeys</h3>" + _journey_table(journey_rows, ctx))
    except data.Missing as missing:
        parts.append("<h3>Journeys</h3>" + unavailable("journey-table", missing, "The journey rollup"))
    return Section("campaigns", title, "".join(parts))


def _pp_tick(value: float) -> str:
    return "0" if abs(value) < 1e-12 else f"{100 * value:+.0f} pp"


def _verdicts(rows: list[charts.Interval], what: str) -> str:
    """One line counting significant wins and losses: the interval excludes zero, which for these
    score intervals is the same as p < 0.05 (a data test on campaign_performance holds it)."""
    wins = sum(1 for r in rows if r.low > 0)
    losses = sum(1 for r in rows if r.high < 0)
    return (
        f'<p class="sub">{len(rows)} {what}: <span class="ok">{wins} significant win(s)</span>, '
        f'<span class="fail">{losses} significant loss(es)</span>, {len(rows) - wins - losses} without a '
        "difference the data can show.</p>"
    )


def _campaign_table(ctx: Context, rows: list[dict[str, Any]]) -> str:
    by_campaign: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_campaign.setdefault(r["campaign_id"], []).append(r)
    out = []
    for campaign_id, variants in by_campaign.items():
        treated = [v for v in variants if v["variant"] != "control"]
        holdout = next((v for v in variants if v["variant"] == "control"), None)
        members = sum(v["members"] or 0 for v in treated)
        converters = sum(v["converters"] or 0 for v in treated)
        revenue = sum(v.get("attributed_revenue") or 0 for v in treated)
        costs = [v.get("cost") for v in treated if fmt.is_number(v.get("cost"))]
        cost = sum(costs) if costs else None
        roi = (revenue - cost) / cost if cost else None
        first = variants[0]
        out.append(
            [
                escape(str(first.get("campaign_name") or campaign_id)),
                escape(str(first.get("journey") or "")),
                escape(str(first.get("channel") or "")),
                fmt.number(members),
                fmt.share(converters / members if members else None),
                fmt.share(holdout["conversion_rate"])
                if holdout and fmt.is_number(holdout.get("conversion_rate"))
                else "–",
                fmt.money(revenue, ctx.currency),
                fmt.money(cost, ctx.currency) if cost is not None else "–",
                fmt.share(roi, 0) if roi is not None else "–",
            ]
        )
    return table(
        [
            "campaign",
            "journey",
            "channel",
            "members",
            "conversion",
            "holdout conv.",
            "attributed revenue",
            "cost",
            "ROI",
        ],
        out,
        numeric_from=3,
        css="compact",
    )


def _interval_points(low: float | None, high: float | None) -> str:
    """'(-0.3 to +4.5)' for a 95% interval of a difference of rates, in percentage points."""
    if not (fmt.is_number(low) and fmt.is_number(high)):
        return ""
    return f" ({100 * low:+.1f} to {100 * high:+.1f})"


def _journey_table(rows: list[dict[str, Any]], ctx: Context) -> str:
    """One row per journey with what a marketer compares (the mart has every count behind them):
    rates in percent and differences in points, as the campaign table shows them."""
    if not rows:
        return '<p class="empty">No journey in this build.</p>'
    body = []
    for r in rows:
        uplift = r.get("uplift_difference")
        body.append(
            [
                escape(str(r.get("journey") or "")),
                fmt.number(r.get("campaigns")),
                fmt.number(r.get("treated_members")),
                fmt.share(r.get("treated_conversion_rate")),
                (
                    fmt.signed_points(uplift)
                    + _interval_points(r.get("uplift_ci_low"), r.get("uplift_ci_high"))
                )
                if fmt.is_number(uplift)
                else "–",
                fmt.number(r.get("incremental_converters"))
                if fmt.is_number(r.get("incremental_converters"))
                else "–",
                fmt.money(r.get("attributed_revenue"), ctx.currency),
                fmt.money(r.get("cost"), ctx.currency) if fmt.is_number(r.get("cost")) else "–",
                fmt.share(r.get("roi"), 0) if fmt.is_number(r.get("roi")) else "–",
            ]
        )
    shown = table(
        [
            "journey",
            "campaigns",
            "members",
            "conversion",
            "uplift vs holdout",
            "extra converters",
            "attributed revenue",
            "cost",
            "ROI",
        ],
        body,
        css="compact",
    )
    return (
        f'<div data-table="journey-performance">{shown}</div>'
        '<p class="sub">Conversion of the treated members; uplift against the holdout with its 95% interval'
        " (percentage points); extra converters = uplift x treated members of the campaigns with a holdout."
        " Sends, opens, clicks and the counts behind each rate are in marts.journey_performance.</p>"
    )


def _notes(notes: list[dict[str, Any]]) -> str:
    """Build notes (what is empty and why) as a list: the table(s), then the reason."""
    items = "".join(
        f"<li><code>{escape(str(n['subject']))}</code>: {escape(str(n['message']))}</li>" for n in notes
    )
    return f'<ul class="notes">{items}</ul>'


def section_audiences(ctx: Context) -> Section:
    title = "Audiences"
    try:
        sizes = data.audience_sizes(ctx.wh)
    except data.Missing as missing:
        return Section("audiences", title, unavailable("audience-sizes", missing, "The audience sizes"))
    if not sizes.current:
        why = [n for n in data.build_notes(ctx.wh) if str(n["subject"]).startswith("audiences.")]
        return Section(
            "audiences",
            title,
            '<p class="empty">No audience has members in this build.</p>'
            + (f'<p class="sub">Why, as the build found it:</p>{_notes(why)}' if why else ""),
        )
    colors = {
        a: charts.CATEGORICAL[i % len(charts.CATEGORICAL)]
        for i, a in enumerate(sorted({r["audience"] for r in sizes.current} | set(sizes.history)))
    }
    labels = [fmt.label(r["audience"]) for r in sizes.current]
    bars = [
        charts.Bar(
            fmt.label(r["audience"]),
            r["members"],
            colors[r["audience"]],
            f"{fmt.label(r['audience'])} ({r['channel']}): {fmt.number(r['members'])} people",
            escape(str(r["channel"] or "")),
        )
        for r in sizes.current
    ]
    parts = [
        how(
            "how many people each audience holds now (audiences.audience_memberships; consent and "
            "suppressions already applied), and its size at every build that changed it "
            "(audiences.audience_memberships_history). A sudden "
            "drop usually means an upstream filter broke, not that customers changed."
        )
    ]
    parts.append(
        "<h3>Members now</h3>"
        + charts.hbar_chart(
            "audience-current",
            bars,
            fmt.number,
            width=1100,
            label_width=charts.label_width(labels, size=12),
            label="Audience sizes now",
        )
    )
    if len(sizes.times) > 1:
        times = [t.strftime("%Y-%m-%d %H:%M") for t in sizes.times]
        series = [charts.Series(fmt.label(a), v, colors[a]) for a, v in sorted(sizes.history.items())]
        parts.append(
            "<h3>Size over time</h3>"
            f'<p class="sub">Sizes at the {len(sizes.times)} builds that changed an audience.</p>'
            + charts.line_chart(
                "audience-sizes",
                times,
                series,
                y_format=fmt.compact,
                y_title="members",
                label="Audience sizes over time",
            )
        )
    elif sizes.times:
        parts.append(
            "<h3>Size over time</h3>"
            f'<p class="sub">This is the first build the membership history records '
            f"({sizes.times[0]:%Y-%m-%d %H:%M}): the sizes above are its only point. From the next build"
            " that adds or removes members on, a line per audience shows how it changed.</p>"
        )
    else:
        parts.append(
            unavailable(
                "audience-sizes",
                data.Missing("audiences.audience_memberships_history"),
                "Audience sizes over time",
            )
        )
    return Section("audiences", title, "".join(parts))


REASON_COLORS = dict(
    zip(
        [
            "duplicate",
            "superseded",
            "null_key",
            "unparseable_timestamp",
            "future_timestamp",
            "unparseable_number",
            "negative_amount",
            "unknown_currency",
            "malformed_email",
        ],
        charts.CATEGORICAL,
        strict=False,
    )
)


def section_quality(ctx: Context) -> Section:
    title = "Data quality"
    parts = []
    notes = data.build_notes(ctx.wh)
    if notes:
        parts.append(
            "<h3>Empty in this build, and why</h3>"
            + how(
                "tables and columns this shop's data leaves empty, and the raw files that would fill them"
                " (the build's warnings, also in <code>lifecycle summary</code>)."
            )
            + _notes(notes)
        )
    try:
        rows = data.data_quality(ctx.wh)
        tables: dict[str, dict[str, Any]] = {}
        for r in rows:
            t = tables.setdefault(r["source_table"], {"raw": r["source_rows"], "reasons": {}})
            if r["is_quarantined"]:
                t["reasons"][r["row_outcome"]] = r["row_count"]
        reasons = sorted({k for t in tables.values() for k in t["reasons"]})
        colors = {k: REASON_COLORS.get(k, charts.CATEGORICAL[(i + 3) % 10]) for i, k in enumerate(reasons)}
        with_issues = [(name, t) for name, t in sorted(tables.items()) if t["reasons"]]
        quarantined = sum(sum(t["reasons"].values()) for t in tables.values())
        raw = sum(t["raw"] for t in tables.values())
        parts.append(
            "<h3>Rows quarantined by staging</h3>"
            + how(
                "every delivered row is either staged or quarantined with a reason, never silently dropped "
                f"(marts.data_quality_summary). {fmt.number(quarantined)} of {fmt.number(raw)} rows "
                f"({quarantined / raw:.2%}) were quarantined. 'superseded' rows are older versions of a "
                "record delivered again, usually harmless; null keys, unparseable or future timestamps point "
                "at the source system."
                if raw
                else "no rows were delivered."
            )
        )
        if with_issues:
            parts.append(
                charts.stacked_hbar_chart(
                    "quarantine",
                    [
                        (name, sorted((fmt.label(k), v) for k, v in t["reasons"].items()))
                        for name, t in with_issues
                    ],
                    {fmt.label(k): v for k, v in colors.items()},
                    fmt.number,
                    label_width=charts.label_width([name for name, _ in with_issues], size=12),
                    label="Quarantined rows by table and reason",
                )
            )
        else:
            parts.append('<p class="empty">No row was quarantined.</p>')
        parts.append(
            _details(
                f"Rows per source table ({len(tables)} tables)",
                table(
                    ["source table", "rows delivered", "staged", "quarantined", "share quarantined"],
                    [
                        [
                            escape(name),
                            fmt.number(t["raw"]),
                            fmt.number(t["raw"] - sum(t["reasons"].values())),
                            fmt.number(sum(t["reasons"].values())),
                            f"{sum(t['reasons'].values()) / t['raw']:.2%}" if t["raw"] else "–",
                        ]
                        for name, t in sorted(tables.items())
                    ],
                    css="compact",
                ),
            )
        )
    except data.Missing as missing:
        parts.append(unavailable("quarantine", missing, "The quarantine summary"))
    parts.append("<h3>Great Expectations validation</h3>" + _gx(ctx.gx))
    return Section("quality", title, "".join(parts))


def _details(summary: str, body: str) -> str:
    """A folded block a reader opens when they want the detail."""
    return f"<details><summary>{escape(summary)}</summary>{body}</details>"


def _gx(results: list[SuiteResult] | None) -> str:
    if results is None:
        return (
            '<div class="unavailable" data-unavailable="gx-results"><strong>Not run.</strong> No Great '
            "Expectations results in this warehouse (a published build carries them) and none were given"
            " (lifecycle report --gx-results FILE).</div>"
        )
    if not results:
        return '<p class="empty">The GX results list no suite.</p>'
    passed = sum(1 for s in results if s.success)
    evaluated = sum(s.evaluated for s in results)
    failing = sorted((s for s in results if not s.success), key=lambda s: s.name)
    rows = [
        [
            escape(s.name),
            '<span class="ok">passed</span>' if s.success else '<span class="fail">failed</span>',
            escape(", ".join(s.failures[:4]) + (" …" if len(s.failures) > 4 else "")),
            f"{s.successful} of {s.evaluated}",
        ]
        for s in sorted(results, key=lambda s: (s.success, s.name))
    ]
    headers = ["suite", "result", "failed expectations", "expectations passed"]
    out = [
        f'<p class="sub">{passed} of {len(results)} suites passed ({fmt.number(evaluated)} expectations);'
        + (" the failing ones:" if failing else " every table met its expectations.")
        + "</p>"
    ]
    if failing:
        out.append(
            charts.stacked_hbar_chart(
                "gx-results",
                [(s.name, [("passed", s.successful), ("failed", s.failed)]) for s in failing],
                {"passed": charts.POSITIVE, "failed": charts.NEGATIVE},
                fmt.number,
                label_width=charts.label_width([s.name for s in failing], size=12),
                label="Expectations passed and failed per failing suite",
            )
        )
        out.append(table(headers, rows[: len(failing)], numeric_from=3, css="compact"))
    out.append(_details(f"Every suite ({len(results)})", table(headers, rows, numeric_from=3, css="compact")))
    return "".join(out)


SECTIONS: list[Callable[[Context], Section]] = [
    section_kpis,
    section_lifecycle,
    section_cohorts,
    section_rfm,
    section_clv,
    section_models,
    section_campaigns,
    section_audiences,
    section_quality,
]

CSS = """
:root { --ink: #1f2933; --muted: #6b7785; --line: #e3e8ee; --bg: #f5f7fa; --accent: #2b5c8a; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "Liberation Sans", "DejaVu Sans", sans-serif; }
header { background: #16324f; color: #fff; padding: 22px 32px 0; }
header h1 { margin: 0 0 4px; font-size: 24px; font-weight: 600; }
header .meta { margin: 0 0 14px; color: #c9d6e3; }
header a { color: #fff; }
nav { display: flex; flex-wrap: wrap; gap: 4px 18px; padding-bottom: 10px; }
nav a { color: #c9d6e3; text-decoration: none; font-size: 13px; }
nav a:hover { color: #fff; text-decoration: underline; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 16px 8px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 18px 22px;
  margin-bottom: 18px; }
h2 { margin: 0 0 6px; font-size: 19px; font-weight: 600; }
h3 { margin: 18px 0 6px; font-size: 15px; font-weight: 600; }
h4 { margin: 12px 0 4px; font-size: 13px; color: var(--muted); }
.how { margin: 0 0 10px; color: var(--muted); font-size: 13px; max-width: 980px; }
.how strong { color: var(--ink); font-weight: 600; }
.sub { margin: 0 0 8px; color: var(--muted); font-size: 13px; }
svg.chart { width: 100%; height: auto; display: block; font-family: inherit; }
svg.chart text { pointer-events: none; } /* labels on a cell must not hide the cell's tooltip */
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(205px, 1fr)); gap: 12px;
  margin: 10px 0; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px 6px; }
.tile-label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.tile-value { font-size: 24px; font-weight: 600; margin: 2px 0; }
.tile-detail { font-size: 12px; color: var(--muted); min-height: 18px; }
.tile svg.chart { margin-top: 4px; }
.delta.good { color: #2e7d32; font-weight: 600; } .delta.bad { color: #c62828; font-weight: 600; }
.delta.flat { color: var(--muted); }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 22px; }
.split { display: grid; grid-template-columns: 1fr 1fr; gap: 22px; align-items: start; }
@media (max-width: 860px) { .grid2, .split { grid-template-columns: 1fr; } }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 13px; }
th { text-align: left; color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line);
  padding: 5px 8px; }
td { border-bottom: 1px solid #f0f3f6; padding: 4px 8px; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table.compact { width: auto; min-width: 420px; }
table.compact td, table.compact th { padding: 3px 10px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
.table-wrap { max-width: 100%; overflow-x: auto; }
details { margin: 8px 0; }
details summary { cursor: pointer; color: var(--accent); font-size: 13px; }
ul.notes { margin: 4px 0 10px; padding-left: 20px; font-size: 13px; }
ul.notes li { margin: 2px 0; }
.unavailable { border: 1px dashed #c3ccd6; background: #fafbfc; border-radius: 6px; padding: 14px 16px;
  color: var(--muted); margin: 8px 0; }
.unavailable strong { color: var(--ink); }
.empty { color: var(--muted); font-style: italic; }
.ok { color: #2e7d32; font-weight: 600; } .fail { color: #c62828; font-weight: 600; }
code { background: #eef2f6; padding: 1px 5px; border-radius: 3px; font-size: 12px; }
.mark:hover { opacity: .8; }
#tip { position: absolute; display: none; pointer-events: none; background: #1f2933; color: #fff;
  padding: 5px 8px; border-radius: 4px; font-size: 12px; max-width: 360px; z-index: 10; }
footer { max-width: 1180px; margin: 0 auto; padding: 4px 16px 30px; color: var(--muted); font-size: 12px; }
"""

# Tooltips: show the hovered mark's data-tip next to the pointer. The only script on the page.
JS = """
(function () {
  var tip = document.getElementById('tip');
  document.addEventListener('mousemove', function (e) {
    var mark = e.target.closest ? e.target.closest('[data-tip]') : null;
    if (!mark) { tip.style.display = 'none'; return; }
    tip.textContent = mark.getAttribute('data-tip');
    tip.style.display = 'block';
    tip.style.left = (e.pageX + 14) + 'px';
    tip.style.top = (e.pageY + 14) + 'px';
  });
})();
"""
