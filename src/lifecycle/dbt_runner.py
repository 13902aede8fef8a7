"""Run dbt in this process on the project, against one warehouse file.

Every part of the package that runs dbt (build, report docs, tests) goes through `run_dbt`.

Partial parsing: dbt re-parses the whole project (13-27 s here) when the rendered profile differs
from the last parse's (dbt/parser/manifest.py, build_manifest_state_check hashes dbt-duckdb's
connection_info: path, config_options, settings). profiles.yml derives all three from
LIFECYCLE_DUCKDB_PATH, so `run_dbt` spells that path as the README's plain dbt command does: relative
to the project for a file inside it (`data/warehouse.duckdb`), absolute otherwise. dbt opens it
from the project directory, so both spellings name the same file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lifecycle import paths

DUCKDB_PATH_ENV = "LIFECYCLE_DUCKDB_PATH"


def profile_path(database: Path, project: Path | None = None) -> str:
    """How LIFECYCLE_DUCKDB_PATH spells `database` for dbt: relative to the project directory when
    the file lies inside it (what the README's plain `dbt` command sets), else absolute."""
    project = (project or paths.project_dir()).resolve()
    database = Path(database).resolve()
    try:
        return database.relative_to(project).as_posix()
    except ValueError:
        return str(database)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a dbt run, then put them back."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_dbt(
    dbt_args: list[str],
    database: Path | None = None,
    *,
    project: Path | None = None,
    environment: dict[str, str] | None = None,
) -> int:
    """Run `dbt <dbt_args>` in-process on this project against `database` (default: the working
    file); returns 0 on success, 1 on failure. `project` runs it in another folder holding the
    project (lifecycle metrics), `environment` adds variables for profiles.yml. dbt's process-wide
    DuckDB connection is closed afterwards, so the file can be opened again in this process."""
    from dbt.cli.main import dbtRunner

    project = project or paths.project_dir()
    database = Path(database or paths.duckdb_path()).resolve()
    database.parent.mkdir(parents=True, exist_ok=True)
    cli_args = [*dbt_args, "--project-dir", str(project), "--profiles-dir", str(project)]
    cwd = os.getcwd()
    # dbt changes into the project directory (and stays there); doing it first means a relative
    # LIFECYCLE_DUCKDB_PATH always names the same file, and going back leaves the caller's
    # relative paths alone
    os.chdir(project)
    values = {DUCKDB_PATH_ENV: profile_path(database, project), **(environment or {})}
    with _environment(values):
        try:
            result = dbtRunner().invoke(cli_args)
        finally:
            release_duckdb()
            os.chdir(cwd)
    return 0 if result.success else 1


def release_duckdb() -> None:
    """Close dbt-duckdb's process-wide connection so the file can be opened again (read-only
    readers, tests, the next ingest) in this process."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter
        return
    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()
