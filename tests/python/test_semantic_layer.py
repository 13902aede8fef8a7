"""MetricFlow (`mf query`) on the built demo warehouse gives the numbers of kpi_monthly: flows
summed over days, stocks taken on the month's last day, rates as ratios of sums, churn by month."""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import query

from lifecycle import paths
from lifecycle.dbt_runner import run_dbt

pytestmark = pytest.mark.e2e

METRICS = [
    "revenue",
    "orders",
    "average_order_value",
    "new_customers",
    "active_customers",
    "repeat_customer_rate",
    "loyal_customer_rate",
    "churn_rate",
    "conversion_rate",
    "email_open_rate",
    "nps",
    "average_historic_clv",
    "average_predicted_clv",
]


def _mf_query(database: Path, out: Path) -> list[dict[str, str]]:
    mf = Path(sys.executable).parent / "mf"
    assert mf.exists(), "mf not installed: dbt-metricflow is in requirements.lock (make install)"
    # mf reads target/semantic_manifest.json, whose relation names carry the database of the
    # last dbt run: parse against this warehouse first
    assert run_dbt(["parse"], database=database) == 0
    project = paths.project_dir()
    env = {**os.environ, "LIFECYCLE_DUCKDB_PATH": str(database), "DBT_PROFILES_DIR": str(project)}
    command = [str(mf), "query", "--metrics", ",".join(METRICS), "--group-by", "metric_time__month"]
    command += ["--order", "metric_time__month", "--csv", str(out)]
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    with out.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _number(value) -> float | None:
    return None if value in (None, "") else float(value)


def test_mf_query_matches_kpi_monthly(built_warehouse, tmp_path):
    rows = _mf_query(built_warehouse, tmp_path / "mf.csv")
    marts = {
        str(row[0]): row[1:]
        for row in query(built_warehouse, f"select kpi_month, {', '.join(METRICS)} from marts.kpi_monthly")
    }
    assert len(rows) == len(marts) > 12
    compared = 0
    for row in rows:
        month = row["metric_time__month"][:10]
        assert month in marts, month
        for metric, expected in zip(METRICS, marts[month], strict=True):
            got, want = _number(row[metric]), _number(expected)
            if want is None:
                assert got is None, (month, metric, got)
                continue
            assert got is not None and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-6), (
                month,
                metric,
                got,
                want,
            )
            compared += 1
    assert compared > len(rows) * 8
