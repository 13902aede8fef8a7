"""`lifecycle report`: one self-contained HTML file with the pictures a lifecycle marketer looks
at, drawn from the public tables of a built warehouse (read-only), plus the dbt docs beside it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from lifecycle import paths
from lifecycle.dbt_runner import run_dbt
from lifecycle.report import data, page
from lifecycle.report.gx import GXResultsError, SuiteResult, load_gx_results, published_gx_results
from lifecycle.settings import build_vars

__all__ = ["GXResultsError", "default_report_path", "generate_docs", "write_report"]

DOCS_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")


def default_report_path() -> Path:
    return paths.project_dir() / "data" / "report" / "lifecycle_report.html"


def write_report(
    database: Path,
    out: Path,
    *,
    gx_results: str | Path | dict | list | None = None,
    settings: dict[str, Any] | None = None,
    generated_at: dt.datetime | None = None,
) -> Path:
    """Render the report from `database` (opened read-only) into `out`, atomically (a reader
    never sees half a file). Returns the path written. Sections whose tables are absent say so.
    GX results: `gx_results` when given, else those the published build stored (schema publish).
    The currency and horizons it quotes are `settings` when given, else the vars the published
    build was made with (lifecycle.settings.build_vars)."""
    database = Path(database)
    if not database.is_file():
        raise FileNotFoundError(f"warehouse not found: {database} (build it first: lifecycle build)")
    suites: list[SuiteResult] | None = load_gx_results(gx_results)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    docs = out.parent / "docs" / "static_index.html"
    con = duckdb.connect(str(database), read_only=True)
    try:
        if suites is None:  # a published build carries its own validation results
            suites = published_gx_results(con)
        wh = data.Warehouse(con)
        values = settings if settings is not None else build_vars(con)
        ctx = page.Context(
            wh=wh,
            currency=str(values.get("reporting_currency") or "USD"),
            as_of=data.as_of_date(wh),
            settings=values,
            gx=suites,
        )
        html = page.render(
            ctx,
            database_label=database.name,
            generated_at=generated_at or dt.datetime.now(dt.UTC).replace(tzinfo=None),
            docs_href="docs/static_index.html" if docs.is_file() else None,
        )
    finally:
        con.close()
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(html)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; a report is for sharing
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def generate_docs(out_dir: Path, database: Path | None = None) -> Path:
    """`dbt docs generate --static` on the working warehouse (dbt's own target/, so the build's
    partial parse is reused), then index.html, the self-contained static_index.html (opens from a
    file, offline), manifest.json and catalog.json are copied to out_dir."""
    if database is not None and not Path(database).is_file():
        # dbt would create an empty DuckDB file there and document nothing
        raise FileNotFoundError(f"warehouse not found: {database} (build it first: lifecycle build)")
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    target = paths.project_dir() / "target"
    if run_dbt(["docs", "generate", "--static"], database=database) != 0:
        raise RuntimeError("dbt docs generate failed (see the dbt output above)")
    # assembled beside the destination, then swapped in: never a folder mixing two generations
    staging = Path(tempfile.mkdtemp(prefix=".docs.", dir=out_dir.parent))
    try:
        os.chmod(staging, 0o777 & ~_umask())
        for name in DOCS_FILES:
            shutil.copy2(target / name, staging / name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out_dir.exists():
        shutil.rmtree(out_dir)
    os.replace(staging, out_dir)
    return out_dir


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
