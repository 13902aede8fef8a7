"""`lifecycle build` and `lifecycle metrics` pass every argument they do not know on to dbt / mf,
in the order given."""

from __future__ import annotations

import pytest

from lifecycle import build, cli, metrics


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--select", "kpi_daily"], ["--select", "kpi_daily"]),
        (
            ["--select", "kpi_daily", "customer_profiles", "--vars", "{reporting_currency: EUR}"],
            ["--select", "kpi_daily", "customer_profiles", "--vars", "{reporting_currency: EUR}"],
        ),
        (["--full-refresh", "--database", "DB", "--select", "a"], ["--full-refresh", "--select", "a"]),
    ],
)
def test_build_passes_unknown_arguments_to_dbt_in_order(monkeypatch, tmp_path, argv, expected):
    seen = {}

    def fake_build(working, serving, dbt_args, **kwargs):
        seen.update(working=working, dbt_args=dbt_args)
        return 0

    monkeypatch.setattr(build, "build", fake_build)
    argv = [str(tmp_path / "w.duckdb") if a == "DB" else a for a in argv]
    assert cli.main(["build", *argv]) == 0
    assert seen["dbt_args"] == expected


def test_metrics_passes_unknown_arguments_to_mf_in_order(monkeypatch, tmp_path):
    seen = {}

    def fake_run(serving, args, list_metrics=False):
        seen.update(serving=serving, args=list(args), list_metrics=list_metrics)
        return 0

    monkeypatch.setattr(metrics, "run", fake_run)
    serving = tmp_path / "s.duckdb"
    argv = ["--metrics", "revenue,orders", "--serving", str(serving), "--group-by", "metric_time__month"]
    assert cli.main(["metrics", *argv]) == 0
    assert seen == {
        "serving": serving,
        "args": ["--metrics", "revenue,orders", "--group-by", "metric_time__month"],
        "list_metrics": False,
    }


def test_metrics_are_ordered_by_time_unless_the_query_orders_them(tmp_path):
    by_month = ["--metrics", "revenue", "--group-by", "customer__segment,metric_time__month"]
    assert metrics.query_args(by_month, tmp_path) == [*by_month, "--order", "metric_time__month"]
    ordered = [*by_month, "--order", "-revenue"]
    assert metrics.query_args(ordered, tmp_path) == ordered
    assert metrics.query_args(["--metrics", "revenue"], tmp_path) == ["--metrics", "revenue"]
    # mf runs in the metrics folder: a relative --csv is the caller's
    assert metrics.query_args(["--metrics", "revenue", "--csv", "out.csv"], tmp_path) == [
        "--metrics", "revenue", "--csv", str(tmp_path / "out.csv")
    ]  # fmt: skip
    assert metrics.query_args(["--csv=out.csv", "--group-by=metric_time__day"], tmp_path) == [
        f"--csv={tmp_path / 'out.csv'}", "--group-by=metric_time__day", "--order", "metric_time__day"
    ]  # fmt: skip
