"""The build summary `lifecycle build` and `lifecycle summary` print: what was loaded, staged,
quarantined, predicted and published, labelled with the vars the published build was made with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from lifecycle import settings


def summary_text(database: Path) -> str:
    """A few lines a newcomer can read after a build: what was loaded, staged, quarantined."""
    con = duckdb.connect(str(database), read_only=True)
    try:

        def one(sql: str):
            return con.execute(sql).fetchall()[0]

        def exists(schema: str, table: str) -> bool:
            sql = "select count(*) from information_schema.tables where table_schema=? and table_name=?"
            return con.execute(sql, [schema, table]).fetchall()[0][0] > 0

        values = settings.build_vars(con)
        currency = values.get("reporting_currency")
        lines = ["", "warehouse summary", "-----------------"]
        # from the marts, so the summary of the serving copy (no staging there) reads the same
        if exists("marts", "kpi_daily") and exists("marts", "customer_profiles"):
            orders, revenue = one(
                "select coalesce(sum(orders), 0), coalesce(sum(revenue), 0) from marts.kpi_daily"
            )
            buyers = one("select count(*) from marts.customer_profiles where orders > 0")[0]
            aov = revenue / orders if orders else 0
            lines.append(f"orders            {int(orders):>12,}  (completed, marts.kpi_daily)")
            lines.append(f"buyers            {buyers:>12,}  (marts.customer_profiles)")
            lines.append(f"revenue           {revenue:>12,.2f} {currency} (completed orders)")
            lines.append(f"average order     {aov:>12,.2f} {currency}")
        if exists("marts", "customer_lifecycle"):
            lines.append("customers per lifecycle stage:")
            for stage, n in con.execute(
                "select lifecycle_stage, count(*) from marts.customer_lifecycle group by 1 order by 2 desc"
            ).fetchall():
                lines.append(f"  {stage:<16}{n:>12,}")
        if exists("marts", "kpi_monthly"):
            month, repeat_rate, churn_rate, open_rate, nps = con.execute(
                "select kpi_month, repeat_customer_rate, churn_rate, email_open_rate, nps"
                " from marts.kpi_monthly order by kpi_month desc limit 1"
            ).fetchall()[0]
            lines.append(f"KPIs for {month:%Y-%m} (marts.kpi_monthly):")
            for label, value in (
                ("repeat customer rate", repeat_rate),
                ("churn rate", churn_rate),
                ("email open rate", open_rate),
                ("NPS", nps),
            ):
                shown = "n/a" if value is None else f"{value:,.1f}"
                lines.append(f"  {label:<22}{shown:>8}")
        if exists("marts", "model_evaluation"):
            # the horizon each model was built with is in its own rows (horizon_days)
            for task, model, auc, horizon in con.execute(
                "select task, model, value, horizon_days from marts.model_evaluation"
                " where metric = 'roc_auc' and model_role = 'chosen' and is_latest_fold order by task"
            ).fetchall():
                lines.append(
                    f"{task} model (next {horizon} days): {model}, latest backtest fold ROC AUC {auc:.3f}"
                    " (marts.model_evaluation)"
                )
        if exists("audiences", "audience_memberships"):
            lines.append("audiences (audiences.audience_memberships):")
            sizes = con.execute(
                "select audience, count(*) from audiences.audience_memberships group by 1 order by 1"
            ).fetchall()
            for audience, n in sizes:
                lines.append(f"  {audience:<34}{n:>8,}")
            if not sizes:
                lines.append("  every audience is empty (the empty_table warning below says why)")
        if exists("staging", "quarantined_rows"):
            source = "staging.quarantined_rows"
            quarantined = con.execute(
                "select quarantine_reason, count(*) from staging.quarantined_rows group by 1 order by 2 desc"
            ).fetchall()
        else:  # the serving copy keeps the counts per build
            source = "publish.quarantine_counts"
            quarantined = (
                con.execute(
                    "select quarantine_reason, sum(row_count) from publish.quarantine_counts where build_id ="
                    " (select max(build_id) from publish.builds) group by 1 order by 2 desc"
                ).fetchall()
                if exists("publish", "quarantine_counts")
                else []
            )
        total_q = sum(n for _, n in quarantined)
        lines.append(f"quarantined rows  {total_q:>12,}  ({source})")
        for reason, n in quarantined:
            lines.append(f"  {reason:<22}{n:>6,}")
        if exists("publish", "builds"):
            lines += _build_lines(con)
        changed = vars_changed(values, settings.project_vars())
        if changed:
            lines.append("vars              " + ", ".join(f"{k}={v}" for k, v in changed.items()))
            lines.append("                  (differ from dbt_project.yml; the build's --vars)")
        lines.append(f"database          {database}")
        return "\n".join(lines)
    finally:
        con.close()


def vars_changed(values: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The vars whose value differs from the project's default (as stored: dates as text)."""
    return {k: v for k, v in sorted(values.items()) if k not in defaults or _plain(defaults[k]) != _plain(v)}


def _plain(value: Any) -> Any:
    """A var as JSON stores it (dates become text), so stored and project values compare."""
    return json.loads(json.dumps(value, default=str))


def _build_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The published build: id, validation, exports and its warnings (schema publish)."""
    build_id, published_at, as_of, evaluated, tables, docs, exports = con.execute(
        "select build_id, published_at, as_of_date, expectations_evaluated, tables_validated, data_docs,"
        " exports from publish.builds order by published_at desc limit 1"
    ).fetchall()[0]
    lines = [f"published build   {build_id} at {published_at:%Y-%m-%d %H:%M} UTC, as of {as_of}"]
    lines.append(
        f"validation        {evaluated:,} expectations on {tables} tables passed (Great Expectations)"
    )
    if docs:
        lines.append(f"  Data Docs       {docs}")
    if exports:
        lines.append(f"exports           {exports}")
    warnings = con.execute(
        "select kind, subject, message from publish.warnings where build_id = ? order by kind, subject",
        [build_id],
    ).fetchall()
    lines.append(f"warnings          {len(warnings):>12,}")
    lines += [f"  [{kind}] {subject}: {message}" for kind, subject, message in warnings]
    return lines
