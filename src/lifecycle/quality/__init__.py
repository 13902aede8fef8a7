"""Data quality for `lifecycle build`: Great Expectations suites and build warnings.

- `suites`: each table's GX suite: generated from dbt's manifest (`lifecycle.manifest`: keys,
  not-null columns, accepted values, contract columns, hashed personal data, the raw contract),
  plus hand-written checks of what dbt does not express (freshness, distributions, counts
  measured on other tables).
- `measure`: computes the metrics of those checks with SQL in DuckDB, one query per table; the
  GX expectations judge them.
- `validate`: runs every suite on the working DuckDB file and writes Data Docs.
- `health`: source freshness and row-count anomalies, reported as warnings, never failures.

GX is imported only by `checks`, `suites`, `measure` and `validate` (it takes seconds to import);
this package sets its analytics off first, so nothing leaves the machine.
"""

from __future__ import annotations

import logging
import os

# Read by great_expectations at import time; every submodule is imported after this file.
os.environ["GX_ANALYTICS_ENABLED"] = "false"
# GX logs a warning per deprecated option and unrenderable value; the build prints its own
# summary of what failed.
logging.getLogger("great_expectations").setLevel(logging.ERROR)
