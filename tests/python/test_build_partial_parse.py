"""Partial parsing survives `lifecycle build` followed by the README's plain dbt command and back:
both render the same profile (dbt re-parses the whole project, 13-27 s here, when the rendered
profile changes), because run_dbt spells the default warehouse as the README does. Run on a copy
of the project, so the repository's target/ and data/ are left alone."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dbt.constants import PARTIAL_PARSE_FILE_NAME
from dbt.parser import manifest as dbt_manifest
from dbt.parser.manifest import ManifestLoader

from lifecycle import paths
from lifecycle.cli import main

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "snapshots", "python_models")
README_PATH = "data/warehouse.duckdb"  # the README: LIFECYCLE_DUCKDB_PATH=data/warehouse.duckdb dbt ...
FULL_PARSE = "Unable to do partial parsing"
PARTIAL_PARSE = "Partial parsing enabled"


def copy_project(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / name)
    shutil.copytree(ROOT / "tests" / "dbt", folder / "tests" / "dbt")
    return folder


def take_log(project: Path) -> str:
    """dbt's log of the invocations since the last call (logs/dbt.log, then removed)."""
    log = project / "logs" / "dbt.log"
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    log.unlink(missing_ok=True)
    return text


def plain_dbt_parse(project: Path, database_path: str) -> None:
    """The README's plain dbt command (parse instead of build), from the project folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIFECYCLE_", "DBT_"))}
    env["LIFECYCLE_DUCKDB_PATH"] = database_path
    dbt = Path(sys.executable).parent / "dbt"
    done = subprocess.run(
        [str(dbt), "parse", "--profiles-dir", "."], cwd=project, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_partial_parsing_survives_lifecycle_build_then_plain_dbt_and_back(
    tmp_path, monkeypatch, built_warehouse
):
    # dbt's own check of the profile and its one saved parse, which a test worker loosens (conftest.py)
    check = ManifestLoader.build_manifest_state_check
    monkeypatch.setattr(ManifestLoader, "build_manifest_state_check", getattr(check, "original", check))
    monkeypatch.setattr(dbt_manifest, "PARTIAL_PARSE_FILE_NAME", PARTIAL_PARSE_FILE_NAME)
    project = copy_project(tmp_path / "checkout")
    for name in ("LIFECYCLE_DUCKDB_PATH", "LIFECYCLE_SERVING_PATH", "LIFECYCLE_TEMP_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(paths.PROJECT_ENV, str(project))
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")  # the log says how dbt parsed (conftest.py)
    working = project / README_PATH
    working.parent.mkdir()
    shutil.copy(built_warehouse, working)  # a build needs delivered orders

    def lifecycle_build() -> None:
        # the seeds only: the dbt step parses the whole project like any build, in seconds
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main(["build", "--database", str(working), "--select", "resource_type:seed"])
        assert code == 0, out.getvalue()[-3000:]

    lifecycle_build()
    assert "saved manifest not found" in take_log(project)  # the first parse is a full one
    plain_dbt_parse(project, README_PATH)
    log = take_log(project)
    assert PARTIAL_PARSE in log and FULL_PARSE not in log, log
    lifecycle_build()
    log = take_log(project)
    assert PARTIAL_PARSE in log and FULL_PARSE not in log, log
    # the check can fail: the same file spelled otherwise is another profile to dbt
    plain_dbt_parse(project, str(working))
    assert "Unable to do partial parsing because profile has changed" in take_log(project)
