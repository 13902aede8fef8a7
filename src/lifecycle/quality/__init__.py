"""Data quality for `lifecycle build`: Great Expectations suites and build warnings.

- `suites`: one GX suite per published table and the raw contract, kept as code.
- `validate`: runs them on frames fetched from the working DuckDB file and writes Data Docs.
- `health`: source freshness and row-count anomalies, reported as warnings, never failures.

GX is imported only by `checks`, `suites` and `validate` (it takes seconds to import); this
package sets its analytics off first, so nothing leaves the machine.
"""

from __future__ import annotations

import logging
import os

# Read by great_expectations at import time; every submodule is imported after this file.
os.environ["GX_ANALYTICS_ENABLED"] = "false"
# GX logs a warning per deprecated option and unrenderable value; the build prints its own
# summary of what failed.
logging.getLogger("great_expectations").setLevel(logging.ERROR)
