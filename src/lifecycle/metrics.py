"""`lifecycle metrics`: MetricFlow (`mf query`) on the serving copy of a warehouse.

MetricFlow reads `target/semantic_manifest.json` below the dbt project it runs in, and the
relations named there carry the database of the last dbt run: after a build of another warehouse
file from the same checkout, plain `mf query` looks for `<other file>.marts.kpi_daily`. And it
would read whatever file that run used, while BI tools must read the serving copy. So each serving
file gets a folder of its own (paths.metrics_project_dir: the project's files linked in, its own
target/), parsed with the `serving` output of profiles.yml, which attaches the serving file
read-only under the name `serving`; `mf` then runs there. A build of any other file never touches
it, and the serving file is only read (a BI tool may hold it open).

MetricFlow returns rows in no particular order; grouped by a `metric_time` dimension, the rows
come back ordered by it unless the query gives its own `--order`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from lifecycle import paths
from lifecycle.dbt_runner import run_dbt

# profiles.yml's output that attaches LIFECYCLE_SERVING_PATH read-only
SERVING_TARGET = "serving"
# not linked into a metrics folder: it keeps its own
OWN_ENTRIES = {"target", "logs"}


class MetricsError(RuntimeError):
    """MetricFlow could not be run on the serving copy (the message says what to do)."""


def environment(serving: Path, folder: Path) -> dict[str, str]:
    """What profiles.yml and MetricFlow read to query `serving` from `folder`."""
    return {
        "LIFECYCLE_TARGET": SERVING_TARGET,
        "LIFECYCLE_SERVING_PATH": str(serving),
        "DBT_PROFILES_DIR": str(folder),
        "DBT_PROJECT_DIR": str(folder),
    }


def link_project(folder: Path, project: Path | None = None) -> Path:
    """Make `folder` hold the project: a symbolic link to each of its top-level entries (but
    hidden ones, target/ and logs/), stale links removed."""
    project = project or paths.project_dir()
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {
        entry.name: entry
        for entry in project.iterdir()
        if not entry.name.startswith(".") and entry.name not in OWN_ENTRIES
    }
    for link in folder.iterdir():
        if link.is_symlink() and (link.name not in wanted or link.readlink() != wanted[link.name]):
            link.unlink()
    for name, entry in wanted.items():
        link = folder / name
        if not link.is_symlink():
            link.symlink_to(entry)
    return folder


def prepare(serving: Path) -> Path:
    """The metrics folder of `serving` with a semantic manifest parsed for it (dbt's partial
    parsing makes repeated calls quick)."""
    if not serving.is_file():
        raise MetricsError(f"no published build at {serving}: run `lifecycle build` first")
    folder = link_project(paths.metrics_project_dir(serving))
    if run_dbt(["parse", "--quiet"], project=folder, environment=environment(serving, folder)) != 0:
        raise MetricsError(f"dbt parse failed for {serving} (see above)")
    return folder


def _values(args: Sequence[str], option: str) -> list[str]:
    """The comma-separated values given to `option` (`--x a,b` or `--x=a,b`)."""
    found = []
    for i, arg in enumerate(args):
        if arg == option and i + 1 < len(args):
            found += args[i + 1].split(",")
        elif arg.startswith(option + "="):
            found += arg.removeprefix(option + "=").split(",")
    return [v.strip() for v in found if v.strip()]


def query_args(args: Sequence[str], cwd: Path | None = None) -> list[str]:
    """`mf query` arguments, ordered by the first metric_time group-by unless an order is given,
    and a `--csv` file made absolute against `cwd` (mf runs in the metrics folder)."""
    cwd = cwd or Path.cwd()
    args = list(args)
    for i, arg in enumerate(args):
        if arg == "--csv" and i + 1 < len(args):
            args[i + 1] = str(cwd / args[i + 1])
        elif arg.startswith("--csv="):
            args[i] = f"--csv={cwd / arg.removeprefix('--csv=')}"
    if _values(args, "--order"):
        return args
    times = [g for g in _values(args, "--group-by") if g.split("__")[0] == "metric_time"]
    return [*args, "--order", times[0]] if times else args


def mf_command() -> str:
    """The `mf` executable of this environment (dbt-metricflow, the `semantic` extra)."""
    beside = Path(sys.executable).parent / "mf"
    found = str(beside) if beside.exists() else shutil.which("mf")
    if not found:
        raise MetricsError(
            "MetricFlow is not installed: install the `semantic` extra (make install does;"
            " pip install 'lifecycle-warehouse[semantic]')"
        )
    return found


def run(serving: Path, args: Sequence[str], *, list_metrics: bool = False) -> int:
    """`mf query <args>` (or `mf list metrics`) on `serving`; MetricFlow's exit code."""
    serving = Path(serving).resolve()
    mf = mf_command()
    folder = prepare(serving)
    command = [mf, "list", "metrics"] if list_metrics else [mf, "query", *query_args(args)]
    env = {**os.environ, **environment(serving, folder)}
    return subprocess.run(command, cwd=folder, env=env).returncode
