"""Shared fixtures: a generated shop and warehouses built from it with real dbt runs."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import yaml

# What a worker's copy of the project leaves out: what builds write (the copy's own are made
# afresh) and caches. The virtualenv is linked, as `make install` makes it.
_NOT_COPIED = {"data", "target", "logs", ".venv", ".pytest_cache", ".ruff_cache", "test-artifacts"}


def pytest_configure(config):
    """Under `pytest -n N` (make test), each worker runs on its own copy of the project: dbt writes
    target/ and logs/ below the project and tests read them back (manifest, catalog, partial
    parse), so two workers' dbt runs must not share them. The copy is the working tree (uncommitted
    edits included) with its .git, so a test that clones the project still can.

    dbt's debug log file (logs/dbt.log) is off in the tests: writing it is about 7% of a demo
    build's CPU, and a failing test shows dbt's output anyway. DBT_LOG_LEVEL_FILE=debug brings it
    back; test_build_partial_parse, which reads it, sets that itself."""
    import shutil
    import sys
    import tempfile

    from lifecycle import paths

    os.environ.setdefault("DBT_LOG_LEVEL_FILE", "none")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    # A worker's __main__ (execnet's) has no __file__, which pyspark (the spark extra, imported by
    # great_expectations when installed) takes for its own doctest run, and exits the worker.
    main = sys.modules["__main__"]
    if not hasattr(main, "__file__"):
        main.__file__ = "<pytest-xdist worker>"
    source = paths.project_dir()  # LIFECYCLE_PROJECT_DIR's, when set: the copy replaces it
    copy = Path(tempfile.mkdtemp(prefix=f"lifecycle-{worker}-")) / "project"
    shutil.copytree(
        source,
        copy,
        symlinks=True,
        ignore=lambda folder, names: [
            n for n in names if n == "__pycache__" or (Path(folder) == source and n in _NOT_COPIED)
        ],
    )
    (copy / ".venv").symlink_to(source / ".venv")
    os.environ[paths.PROJECT_ENV] = str(copy)
    config.add_cleanup(lambda: shutil.rmtree(copy.parent, ignore_errors=True))
    _partial_parse_across_folders()


def _partial_parse_across_folders() -> None:
    """Let a worker's dbt runs partially parse across the tests' warehouse folders.

    dbt parses the whole project again (about 7 CPU seconds) whenever the rendered profile
    differs from the last parse's, and the warehouse's path is part of it: every test builds a
    file in its own tmp folder, so nearly every build of the suite parsed from scratch. What a
    parse bakes in from the profile is the database name, the file's stem; the folder only
    decides where the file and its spill folder are. So here the profile's hash is taken over
    the file names alone, and each combination of that hash and the --vars keeps its own saved
    parse (target/partial_parse-<vars>-<profile>.msgpack), so a test with other vars or another
    file name does not undo the next test's. Tests only: a user's builds keep dbt's own check,
    and test_build_partial_parse, which checks that one, restores it (`.original`)."""
    import pprint
    from pathlib import PurePath

    from dbt.contracts.files import FileHash
    from dbt.parser import manifest as dbt_manifest
    from dbt.parser.manifest import ManifestLoader

    original = ManifestLoader.build_manifest_state_check

    def state_check(self):
        check = original(self)
        folderless = []
        for key, value in self.root_project.credentials.connection_info():
            if key == "path":
                value = PurePath(value).name
            elif key == "config_options" and value and "temp_directory" in value:
                value = {**value, "temp_directory": PurePath(value["temp_directory"]).name}
            folderless.append((key, value))
        check.profile_hash = FileHash.from_contents(pprint.pformat(sorted(folderless)))
        # read and written by the loader after this check, as a module global
        dbt_manifest.PARTIAL_PARSE_FILE_NAME = (
            f"partial_parse-{check.vars_hash.checksum[:12]}-{check.profile_hash.checksum[:12]}.msgpack"
        )
        return check

    state_check.original = original
    ManifestLoader.build_manifest_state_check = state_check


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """A small generated shop (every raw table, bad rows included)."""
    from lifecycle.generate import generate

    out = tmp_path_factory.mktemp("shop")
    generate(out, customers=1500, months=24, seed=7, progress=False)
    return out


def once_per_session(tmp_path_factory, name: str, make: Callable[[Path], None]) -> Path:
    """`make(folder)` run once in the whole test session, however many pytest-xdist workers ask
    for it; each asker gets its own copy of the folder. The first worker to ask makes it in the
    session's shared temp folder under a file lock, the others wait and copy it: the builds made
    here take 30-50 s and come from fixed seeds, so every worker's would be the same."""
    import fcntl
    import shutil

    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "once_per_session"
    shared.mkdir(exist_ok=True)
    folder, done = shared / name, shared / f"{name}.done"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            done.touch()
    copy = tmp_path_factory.mktemp(name) / name
    shutil.copytree(folder, copy, symlinks=True)
    return copy


@pytest.fixture(scope="session")
def built_warehouse(request, tmp_path_factory) -> Path:
    """The generated shop ingested and built with `dbt build`: every data test, and the unit
    tests, which the suite's other builds leave out (they do not read the warehouse; only the
    README's plain `dbt build`, run as written, repeats them)."""
    from lifecycle.dbt_runner import run_dbt
    from lifecycle.ingest import ingest

    def make(folder: Path) -> None:
        db = folder / "warehouse.duckdb"
        ingest(request.getfixturevalue("demo_dir"), database=db)
        assert run_dbt(["build"], database=db) == 0, "dbt build failed on generated data"

    return once_per_session(tmp_path_factory, "built_warehouse", make) / "warehouse.duckdb"


def query(db: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def read_csv_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def build_small_project(
    project: Path, macros: list[Path], models: dict[str, str], schema: dict
) -> tuple[dict[str, dict], str]:
    """A dbt project of its own in `project`, for testing the project's generic tests in seconds:
    the given macro files, `models` (name -> SQL) and `schema` (the schema.yml, as a dict), built
    on DuckDB (project/checks.duckdb) with --store-failures, so each test's failing rows are a
    table in main_dbt_test__audit. Returns dbt's results by node name, and dbt's output."""
    (project / "models").mkdir()
    (project / "macros").mkdir()
    for macro in macros:
        shutil.copy(macro, project / "macros")
    (project / "dbt_project.yml").write_text(
        "name: small_project\nversion: '1.0.0'\nprofile: small_project\nconfig-version: 2\n",
        encoding="utf-8",
    )
    (project / "profiles.yml").write_text(
        textwrap.dedent(f"""\
        small_project:
          target: duckdb
          outputs:
            duckdb: {{type: duckdb, path: "{project / "checks.duckdb"}", threads: 1}}
        """),
        encoding="utf-8",
    )
    for name, sql in models.items():
        (project / "models" / f"{name}.sql").write_text(sql, encoding="utf-8")
    (project / "models" / "schema.yml").write_text(yaml.safe_dump(schema), encoding="utf-8")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--store-failures", "--profiles-dir", "."],
        cwd=project,
        # the test session's dbt settings (target path, profiles) are for the main project
        env={k: v for k, v in os.environ.items() if not k.startswith(("LIFECYCLE_", "DBT_"))},
        capture_output=True,
        text=True,
    )
    run = json.loads((project / "target" / "run_results.json").read_text(encoding="utf-8"))
    return {r["unique_id"].split(".")[2]: r for r in run["results"]}, done.stdout


# The shapes of "Your own data" the README promises will publish: orders with the three required
# columns, and with customer_id or email added. Built on demand (one `lifecycle build` each).
README_SHAPES = {
    "required": ["order_id", "ordered_at", "total_amount"],
    "customer_id": ["order_id", "customer_id", "ordered_at", "total_amount"],
    "email": ["order_id", "email", "ordered_at", "total_amount"],
}


@pytest.fixture(scope="session")
def own_data(tmp_path_factory):
    """A function shape -> (exit code, printed output, serving file) of `lifecycle ingest DIR` and
    `lifecycle build` on an orders.csv of that shape (cut from a small generated shop), as a
    user following the README runs them; each shape is built once per session."""
    import contextlib
    import functools
    import io

    from lifecycle.cli import main
    from lifecycle.generate import generate

    root = tmp_path_factory.mktemp("own_data")

    @functools.cache
    def orders() -> list[dict[str, str]]:
        """The small shop's orders, generated for the first shape this process builds."""
        generate(root / "shop", customers=300, months=12, seed=11, progress=False)
        return read_csv_rows(root / "shop" / "orders.csv")

    def make(shape: str, folder: Path) -> None:
        delivery, working = folder / "delivery", folder / "warehouse" / "warehouse.duckdb"
        delivery.mkdir()
        with (delivery / "orders.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(README_SHAPES[shape])
            writer.writerows([row[c] for c in README_SHAPES[shape]] for row in orders())
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["ingest", str(delivery), "--database", str(working)])
            if code == 0:
                code = main(["build", "--database", str(working)])
        (folder / "output.txt").write_text(f"{code}\n{out.getvalue()}", encoding="utf-8")

    built: dict[str, tuple[int, str, Path]] = {}

    def build(shape: str) -> tuple[int, str, Path]:
        if shape not in built:
            folder = once_per_session(tmp_path_factory, f"own_data_{shape}", lambda f: make(shape, f))
            code, out = (folder / "output.txt").read_text(encoding="utf-8").split("\n", 1)
            built[shape] = (int(code), out, folder / "warehouse" / "serving" / "warehouse.duckdb")
        return built[shape]

    return build


@pytest.fixture(scope="session")
def orders_only_published(own_data) -> Path:
    """The serving copy of an orders-only shop (the three required columns)."""
    code, out, serving = own_data("required")
    assert code == 0, out[-3000:]
    return serving
