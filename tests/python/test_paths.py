"""paths.project_dir finds the project from LIFECYCLE_PROJECT_DIR or the working directory, never
from where the package is installed (a wheel on a cluster runs beside a checkout elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lifecycle import cli, paths

REPO = Path(__file__).resolve().parents[2]
# read before the autouse fixture below clears it: a `make test` worker's own project copy
SESSION_PROJECT = os.environ.get(paths.PROJECT_ENV)


def make_project(folder: Path, name: str = "lifecycle") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dbt_project.yml").write_text(f"name: {name}\nversion: '1'\n", encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def no_settings(monkeypatch):
    monkeypatch.delenv(paths.PROJECT_ENV, raising=False)
    monkeypatch.delenv("LIFECYCLE_DUCKDB_PATH", raising=False)


def test_the_project_is_found_above_the_working_directory_not_at_the_install_path(tmp_path, monkeypatch):
    project = make_project(tmp_path / "checkout")
    # another dbt project in between is not ours
    inner = make_project(project / "vendor" / "other", name="jaffle_shop")
    monkeypatch.chdir(inner)
    assert paths.project_dir() == project.resolve()
    assert paths.project_dir() != REPO  # where this package is installed from (editable)
    assert paths.duckdb_path() == project.resolve() / "data" / "warehouse.duckdb"


def test_the_setting_wins_over_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(make_project(tmp_path / "here"))
    there = make_project(tmp_path / "there")
    monkeypatch.setenv(paths.PROJECT_ENV, str(there))
    assert paths.project_dir() == there.resolve()


def test_a_setting_that_is_not_the_project_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.PROJECT_ENV, str(make_project(tmp_path / "x", name="jaffle_shop")))
    with pytest.raises(paths.ProjectNotFound, match="LIFECYCLE_PROJECT_DIR=.*name: lifecycle"):
        paths.project_dir()


def test_no_project_anywhere_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(paths.ProjectNotFound, match="no dbt project named 'lifecycle' at or above"):
        paths.project_dir()
    assert cli.main(["summary"]) == 2
    err = capsys.readouterr().err
    assert "lifecycle summary: no dbt project" in err and "LIFECYCLE_PROJECT_DIR" in err


def test_a_relative_warehouse_path_is_relative_to_the_project_as_for_dbt(tmp_path, monkeypatch):
    project = make_project(tmp_path / "checkout")
    monkeypatch.chdir(make_project(project / "sub" / "deeper", name="other"))
    monkeypatch.setenv("LIFECYCLE_DUCKDB_PATH", "data/w.duckdb")
    assert paths.duckdb_path() == project.resolve() / "data" / "w.duckdb"
    monkeypatch.setenv("LIFECYCLE_DUCKDB_PATH", str(tmp_path / "abs.duckdb"))
    assert paths.duckdb_path() == tmp_path / "abs.duckdb"


def test_the_tests_run_from_the_repository():
    assert paths.project_dir() == REPO


def test_a_test_worker_runs_on_its_own_copy_of_the_project():
    """make test runs pytest-xdist workers; dbt writes target/ and logs/ below the project, so each
    worker has a copy (conftest.py): the same files, none of the repository's build output."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("not a pytest-xdist worker (make test runs them)")
    copy = Path(SESSION_PROJECT)
    assert copy != REPO and copy.parent.name.startswith(f"lifecycle-{os.environ['PYTEST_XDIST_WORKER']}-")
    same = ("dbt_project.yml", "profiles.yml", "models/marts/customers/customer_profiles.sql", ".git/HEAD")
    for name in same:
        assert (copy / name).read_bytes() == (REPO / name).read_bytes(), name
    assert (copy / ".venv").resolve() == (REPO / ".venv").resolve()
