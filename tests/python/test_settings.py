"""lifecycle.settings: the effective dbt vars of a build (dbt_project.yml with --vars applied as
dbt applies them) and the vars a published build stored."""

from __future__ import annotations

import datetime as dt
import json
import textwrap

import duckdb
import pytest

from lifecycle import paths, settings


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project whose dbt_project.yml has global vars and vars scoped to the project."""
    (tmp_path / "dbt_project.yml").write_text(
        textwrap.dedent(
            """
            name: lifecycle
            vars:
              reporting_currency: USD
              purchase_horizon_days: 30
              as_of_date: null
              marketing_funnel_events: {desire: [Product Viewed]}
              lifecycle:
                purchase_horizon_days: 45
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv(paths.PROJECT_ENV, str(tmp_path))
    return tmp_path


def test_project_vars_scoped_to_the_project_win_over_global_ones(project):
    values = settings.project_vars()
    assert values["purchase_horizon_days"] == 45
    assert values["reporting_currency"] == "USD"
    assert "lifecycle" not in values


def test_command_line_vars_replace_whole_values(project):
    values = settings.effective_vars(
        ["--select", "x", "--vars", "{reporting_currency: EUR, marketing_funnel_events: {intent: [A]}}"]
    )
    assert values["reporting_currency"] == "EUR"
    assert values["purchase_horizon_days"] == 45
    # dbt replaces a var's whole value: no deep merge of mappings
    assert values["marketing_funnel_events"] == {"intent": ["A"]}
    assert settings.effective_vars(["--vars={as_of_date: 2026-06-30}"])["as_of_date"] == dt.date(2026, 6, 30)


def test_of_several_vars_options_the_last_counts_as_in_dbt(project):
    values = settings.effective_vars(
        ["--vars", "{reporting_currency: EUR}", "--vars", "{purchase_horizon_days: 90}"]
    )
    assert values["purchase_horizon_days"] == 90
    assert values["reporting_currency"] == "USD"


def test_vars_that_are_not_a_mapping_are_refused(project):
    with pytest.raises(settings.VarsError, match="YAML mapping"):
        settings.effective_vars(["--vars", "EUR"])
    with pytest.raises(settings.VarsError, match="not valid YAML"):
        settings.effective_vars(["--vars", "{a: [1"])


def test_the_repository_defaults():
    values = settings.effective_vars()
    assert values["reporting_currency"] == "USD" and values["purchase_horizon_days"] == 30
    assert values["row_count_change_warn_share"] == 0.5


def test_stored_vars_of_the_latest_build_else_the_project_defaults(project, tmp_path):
    database = tmp_path / "s.duckdb"
    con = duckdb.connect(str(database))
    try:
        assert settings.stored_vars(con) is None
        con.execute("create schema publish").fetchall()
        # a serving file published before the vars were stored
        con.execute("create table publish.builds (build_id varchar, published_at timestamp)").fetchall()
        con.execute("insert into publish.builds values ('b1', '2026-01-01')").fetchall()
        assert settings.stored_vars(con) is None
        assert settings.build_vars(con)["purchase_horizon_days"] == 45
        con.execute("alter table publish.builds add column vars varchar").fetchall()
        con.execute(
            "insert into publish.builds values ('b2', '2026-01-03', ?), ('b3', '2026-01-02', ?)",
            [
                settings.to_json({"reporting_currency": "EUR"}),
                settings.to_json({"reporting_currency": "GBP"}),
            ],
        ).fetchall()
        assert settings.build_vars(con) == {"reporting_currency": "EUR"}
    finally:
        con.close()
    assert settings.database_vars(database) == {"reporting_currency": "EUR"}


def test_publish_stores_the_vars_and_the_export_manifest_records_them(tmp_path):
    from test_publish import make_working

    from lifecycle.publish import publish

    working = make_working(tmp_path / "warehouse.duckdb", customers=3)
    serving, exports = tmp_path / "serving" / "warehouse.duckdb", tmp_path / "serving" / "exports"
    values = {"reporting_currency": "EUR", "as_of_date": dt.date(2026, 6, 30)}
    publish(working, serving, "b1", exports_dir=exports, dbt_vars=values)
    stored = {"reporting_currency": "EUR", "as_of_date": "2026-06-30"}  # JSON: dates as text
    assert settings.database_vars(serving) == stored
    manifest = json.loads((exports / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["vars"] == stored
    # a build published without vars (as before they were stored): the project's defaults
    publish(working, serving, "b2", exports_dir=exports)
    assert settings.database_vars(serving)["reporting_currency"] == "USD"
