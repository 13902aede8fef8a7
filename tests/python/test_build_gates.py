"""The gates of `lifecycle build` without dbt: a failed gate publishes nothing and says so."""

from __future__ import annotations

import hashlib

from test_publish import make_working

from lifecycle import paths
from lifecycle.build import build
from lifecycle.publish import publish


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failed_dbt_build_publishes_nothing(tmp_path, capsys):
    working = make_working(tmp_path / "warehouse.duckdb", customers=3)
    serving = paths.serving_path(working)
    publish(working, serving, "b1", exports_dir=paths.published_exports_dir(serving))
    before = digest(serving)
    make_working(working, customers=8)
    calls = []

    def failing_dbt(args, database):
        calls.append((args, database))
        return 1

    assert build(working, serving, ["--select", "x"], run_dbt=failing_dbt) == 1
    assert calls == [(["build", "--exclude-resource-type", "unit_test", "--select", "x"], working)]
    err = capsys.readouterr().err
    assert "gate 1, dbt build" in err and f"{serving} still serves build b1" in err
    assert digest(serving) == before


def test_a_failed_validation_publishes_nothing(tmp_path, capsys):
    working = make_working(tmp_path / "warehouse.duckdb", customers=3)
    serving = paths.serving_path(working)
    # this customer_profiles has two columns: its suite fails on every missing one
    assert build(working, serving, [], run_dbt=lambda args, database: 0) == 1
    captured = capsys.readouterr()
    assert "gate 2, Great Expectations" in captured.err and "no build has been published" in captured.err
    assert "FAILED marts.customer_profiles: column_values_to_not_be_null(lifecycle_stage)" in captured.out
    assert "no suite (not validated): marts.revenue_total" in captured.out
    assert not serving.exists() and not paths.published_exports_dir(serving).exists()
    assert (
        paths.quality_dir(working) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    ).exists()


def test_the_serving_copy_sits_beside_the_working_file_unless_configured(tmp_path, monkeypatch):
    working = tmp_path / "w.duckdb"
    monkeypatch.delenv("LIFECYCLE_SERVING_PATH", raising=False)
    assert paths.serving_path(working) == tmp_path / "serving" / "w.duckdb"
    assert paths.published_exports_dir(paths.serving_path(working)) == tmp_path / "serving" / "exports"
    monkeypatch.setenv("LIFECYCLE_SERVING_PATH", str(tmp_path / "bi" / "copy.duckdb"))
    assert paths.serving_path(working) == tmp_path / "bi" / "copy.duckdb"
