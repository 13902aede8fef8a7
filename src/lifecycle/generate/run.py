"""`generate()`: the shop, then chunk by chunk: simulate, spoil a share of rows, append to files."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from lifecycle.contract import load_contract
from lifecycle.generate.arrow import build_table
from lifecycle.generate.behaviour import SEASONALITY, TRUE_PARAMS
from lifecycle.generate.chunk import simulate_chunk
from lifecycle.generate.defects import inject_defects
from lifecycle.generate.shop import Batch, make_shop, static_tables
from lifecycle.generate.writers import Writers, progress_bar

CHUNK_CUSTOMERS = 20_000  # customers simulated at once: memory stays bounded at any size


def generate(
    out_dir: Path | str,
    customers: int = 3000,
    months: int = 24,
    seed: int = 42,
    end_date: str = "2026-09-30",
    bad_row_share: float = 0.005,
    file_format: str = "csv",
    progress: bool = True,
) -> dict:
    """Write every raw contract table of a synthetic shop to `out_dir`, plus `_truth/`.

    Same arguments give byte-identical files. Returns a summary: rows per table, bad rows per
    reason and the seconds it took (the seconds are not written anywhere).
    """
    if file_format not in ("csv", "parquet"):
        raise ValueError(f"file_format must be csv or parquet, not {file_format!r}")
    if customers < 1 or months < 1:
        raise ValueError("customers and months must be at least 1")
    if not 0 <= bad_row_share < 0.5:
        raise ValueError("bad_row_share must be in [0, 0.5)")
    started = time.monotonic()
    out = Path(out_dir)
    truth = out / "_truth"
    truth.mkdir(parents=True, exist_ok=True)
    contract = load_contract()
    shop = make_shop(seed, months, end_date, bad_row_share)
    for name in contract:  # a stale file of the other format would be ingested too
        other = out / f"{name}.{'parquet' if file_format == 'csv' else 'csv'}"
        if other.exists():
            other.unlink()
    writers = Writers(out, file_format)
    truth_writers = Writers(truth, "csv")
    counts = {name: 0 for name in contract}
    bad: list[tuple] = []
    people = {"customer": 0, "guest": 0, "anonymous": 0}
    extra = {"guest_orders": 0, "messages": 0}
    bar = progress_bar(customers, progress)
    for index, first in enumerate(range(0, customers, CHUNK_CUSTOMERS)):
        count = min(CHUNK_CUSTOMERS, customers - first)
        chunk = simulate_chunk(shop, contract, Batch.of(index, first, count))
        if index == 0:
            chunk.tables.update(static_tables(shop, contract))
        defect_rng = np.random.default_rng([seed, 2, index])
        for name, spec in contract.items():
            table = chunk.tables.get(name)
            if table is None:
                table = build_table(spec, {}, 0)
            if name in chunk.versions:
                table = pa.concat_tables([table, chunk.versions[name]])
            table, table_bad = inject_defects(
                name, table, defect_rng, bad_row_share, shop.end, counts[name] + 1
            )
            writers.write(name, table)
            counts[name] += table.num_rows
            bad += table_bad
        truth_writers.write("persons", chunk.persons)
        truth_writers.write("identifiers", chunk.identifiers)
        for kind, c in zip(
            *np.unique(chunk.persons.column("kind").to_numpy(zero_copy_only=False), return_counts=True),
            strict=True,
        ):
            people[str(kind)] += int(c)
        extra["guest_orders"] += chunk.n_guest_orders
        extra["messages"] += chunk.n_messages
        if bar is not None:
            bar.update(count)
        del chunk
    if bar is not None:
        bar.close()
    writers.close()
    truth_writers.close()
    with (truth / "bad_rows.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["table", "row_number", "key", "reason"])
        w.writerows(sorted(bad, key=lambda b: (b[0], b[1])))
    reasons: dict[str, int] = {}
    for b in bad:
        reasons[b[3]] = reasons.get(b[3], 0) + 1
    summary = {
        "customers": customers,
        "months": months,
        "seed": seed,
        "end_date": end_date,
        "bad_row_share": bad_row_share,
        "file_format": file_format,
        "window": {"start": str(np.datetime64(shop.start, "s")), "end": str(np.datetime64(shop.end, "s"))},
        "rows": counts,
        "bad_rows": dict(sorted(reasons.items())),
        "persons": people,
        "guest_orders": extra["guest_orders"],
        "messages": extra["messages"],
        "true_parameters": {
            **TRUE_PARAMS,
            "time_unit": "day",
            "order_value_currency": "USD",
            "seasonality": dict(zip(range(1, 13), SEASONALITY.tolist(), strict=True)),
        },
    }
    (truth / "summary.json").write_text(
        json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    summary["seconds"] = round(time.monotonic() - started, 2)
    return summary
