"""The published files open in the DuckDB versions BI tools embed. Drivers and IDEs (DBeaver,
Metabase's and Superset's DuckDB drivers, notebooks pinned to an older duckdb) ship DuckDB 1.x,
which cannot read DuckDB 2.0's own storage format; the serving copy is written in the oldest
storage version they read (publish.SERVING_STORAGE_VERSION). Each reader runs in a throwaway
virtualenv with that duckdb from PyPI, kept in the user's cache between runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from lifecycle.publish import parquet_dir, publish, restricted_path

pytestmark = pytest.mark.e2e

# The oldest reader the README promises, and the 1.x that BI drivers embedded when the 2.0
# format first locked them out.
READERS = ["1.0.0", "1.5.6"]
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "lifecycle-warehouse" / "readers"

READ_EVERYTHING = """
import json, sys
from pathlib import Path
import duckdb

serving, restricted, parquet = sys.argv[1], sys.argv[2], Path(sys.argv[3])
out = {"version": duckdb.__version__, "tables": {}, "parquet": {}}
for path in (serving, restricted):
    con = duckdb.connect(path, read_only=True)
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables order by 1, 2"
    ).fetchall()
    for schema, table in tables:
        rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()  # every value decoded
        out["tables"][f"{Path(path).name}:{schema}.{table}"] = len(rows)
    con.close()
con = duckdb.connect()
for file in sorted(parquet.rglob("*.parquet")):
    rows = con.execute(f"select * from read_parquet('{file}')").fetchall()
    out["parquet"][str(file.relative_to(parquet))] = len(rows)
print(json.dumps(out))
"""


def reader_python(version: str) -> Path:
    """A virtualenv with duckdb==version (created once, then reused from the cache)."""
    venv = CACHE / f"duckdb-{version}"
    python = venv / "bin" / "python"
    check = [str(python), "-c", f"import duckdb; assert duckdb.__version__ == {version!r}"]
    if python.exists() and subprocess.run(check, capture_output=True, check=False).returncode == 0:
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"duckdb=={version}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert install.returncode == 0, f"cannot install duckdb=={version} from PyPI:\n{install.stderr[-2000:]}"
    return python


@pytest.fixture(scope="module")
def published(built_warehouse, tmp_path_factory) -> Path:
    serving = tmp_path_factory.mktemp("readers") / "serving" / "warehouse.duckdb"
    publish(built_warehouse, serving, "b1", exports_dir=serving.parent / "exports")
    return serving


def expected(serving: Path) -> dict[str, int]:
    counts = {}
    for path in (serving, restricted_path(serving)):
        con = duckdb.connect(str(path), read_only=True)
        try:
            for schema, table in con.execute(
                "select table_schema, table_name from information_schema.tables order by 1, 2"
            ).fetchall():
                n = con.execute(f'select count(*) from "{schema}"."{table}"').fetchall()[0][0]
                counts[f"{path.name}:{schema}.{table}"] = n
        finally:
            con.close()
    return counts


@pytest.mark.parametrize("version", READERS)
def test_duckdb_1x_reads_every_published_table(published, version):
    python = reader_python(version)
    parquet = parquet_dir(published) / "current"
    result = subprocess.run(
        [str(python), "-c", READ_EVERYTHING, str(published), str(restricted_path(published)), str(parquet)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, f"DuckDB {version} could not read the published files:\n{result.stderr}"
    read = json.loads(result.stdout)
    assert read["version"] == version
    want = expected(published)
    assert {t for t in want if ":marts." in t} and {t for t in want if ":restricted." in t}
    assert read["tables"] == want
    # the Parquet copies hold the same rows as the serving tables
    serving_tables = {t.split(":", 1)[1]: n for t, n in want.items() if t.startswith(published.name + ":")}
    parquet_tables = {f.removesuffix(".parquet").replace("/", "."): n for f, n in read["parquet"].items()}
    assert parquet_tables == {t: n for t, n in serving_tables.items() if not t.startswith("publish.")}
