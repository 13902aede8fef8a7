"""Great Expectations results for the report's data quality section.

The report takes GX results as an optional input (a JSON file or the parsed object) and reads
the shapes GX Core 1.x writes: a validation result (`ExpectationSuiteValidationResult.to_json_dict()`),
a list of them, a checkpoint result (`CheckpointResult.describe_dict()`, or a mapping of
`run_results`). Anything else is an error naming the input, not an empty panel: a report that
silently says nothing about validation would read as "all fine".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class GXResultsError(ValueError):
    """The GX results input is not in a shape the report understands."""


@dataclass
class SuiteResult:
    """One validated suite: how many expectations ran, passed, and which failed."""

    name: str
    success: bool
    evaluated: int
    successful: int
    failures: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return self.evaluated - self.successful


def load_gx_results(source: str | Path | dict | list | None) -> list[SuiteResult] | None:
    """None when GX was not run (no input); otherwise the suites, from a JSON file or an object."""
    if source is None:
        return None
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise GXResultsError(f"GX results file not found: {path}")
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise GXResultsError(f"GX results file {path} is not JSON: {err}") from err
        try:
            return parse_gx_results(payload)
        except GXResultsError as err:
            raise GXResultsError(f"{path}: {err}") from err
    return parse_gx_results(source)


def parse_gx_results(payload: Any) -> list[SuiteResult]:
    """Suites from any of the GX result shapes listed in the module docstring."""
    if isinstance(payload, list):
        return [_suite(item, i) for i, item in enumerate(payload, start=1)]
    if not isinstance(payload, dict):
        raise GXResultsError(f"expected a JSON object or list of GX results, got {type(payload).__name__}")
    if "validation_results" in payload:  # CheckpointResult.describe_dict()
        return [_suite(item, i) for i, item in enumerate(payload["validation_results"], start=1)]
    if "run_results" in payload:  # a checkpoint's run_results mapping
        return [_suite(item, i) for i, item in enumerate(payload["run_results"].values(), start=1)]
    if "statistics" in payload:  # one validation result
        return [_suite(payload, 1)]
    raise GXResultsError(
        "not a GX result: expected a validation result (statistics, results), a list of them, "
        f"or a checkpoint result (validation_results); found keys {sorted(payload)[:8]}"
    )


def _suite(item: Any, position: int) -> SuiteResult:
    if not isinstance(item, dict) or "statistics" not in item:
        raise GXResultsError(f"validation result {position} has no statistics")
    stats = item["statistics"]
    expectations = item.get("results") or item.get("expectations") or []
    failures = []
    for exp in expectations:
        if exp.get("success", True):
            continue
        config = exp.get("expectation_config", {})
        kind = config.get("type") or exp.get("expectation_type") or "expectation"
        kwargs = config.get("kwargs") or exp.get("kwargs") or {}
        column = kwargs.get("column")
        failures.append(f"{kind}({column})" if column else kind)
    return SuiteResult(
        name=_suite_name(item, expectations, position),
        success=bool(item.get("success")),
        evaluated=int(stats.get("evaluated_expectations", 0)),
        successful=int(stats.get("successful_expectations", 0)),
        failures=failures,
    )


def _suite_name(item: dict, expectations: list, position: int) -> str:
    """suite_name when GX wrote it; else the batch the expectations ran on; else a number."""
    meta = item.get("meta") or {}
    name = item.get("suite_name") or meta.get("expectation_suite_name") or item.get("name")
    if name:
        return str(name)
    for exp in expectations:
        kwargs = (exp.get("expectation_config") or {}).get("kwargs") or exp.get("kwargs") or {}
        batch_id = kwargs.get("batch_id")
        if batch_id:
            # '<datasource>-<asset>': the asset is the table
            return str(batch_id).split("-", 1)[-1]
    return f"validation {position}"


def published_gx_results(con: Any) -> list[SuiteResult] | None:
    """The Great Expectations results `lifecycle build` stored with the latest published build
    (serving copy, schema publish), one suite per table; None when the file holds none (a working
    file, or a warehouse built with plain dbt)."""
    exists = con.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = 'publish' and table_name in ('builds', 'quality_results')"
    ).fetchall()[0][0]
    if exists < 2:
        return None
    rows = con.execute(
        "select table_schema || '.' || table_name, expectations, failed from publish.quality_results"
        " where build_id = (select build_id from publish.builds order by published_at desc limit 1)"
        " order by 1"
    ).fetchall()
    if not rows:
        return None
    return [
        SuiteResult(name=name, success=failed == 0, evaluated=int(n), successful=int(n - failed))
        for name, n, failed in rows
    ]
