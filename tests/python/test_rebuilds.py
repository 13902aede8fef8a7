"""Publishing the same data twice, then a consent change, through `lifecycle build` on a small
generated shop: identical rebuilds write byte-identical exports (a reverse-ETL tool diffing the
files or their checksums sees no change), and an audience that loses most of its members between
two published builds is a build warning (a broken upstream filter looks exactly like that)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import pytest
from conftest import query, read_csv_rows

from lifecycle.cli import main

pytestmark = pytest.mark.e2e


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue()


def latest_build(serving: Path) -> str:
    return query(serving, "select build_id from publish.builds order by published_at desc limit 1")[0][0]


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> dict[str, Path]:
    from lifecycle.generate import generate

    root = tmp_path_factory.mktemp("rebuilds")
    generate(root / "shop", customers=400, months=12, seed=5, progress=False)
    working = root / "warehouse" / "warehouse.duckdb"
    code, out = run("ingest", str(root / "shop"), "--database", str(working))
    assert code == 0, out
    return {
        "shop": root / "shop",
        "working": working,
        "serving": working.parent / "serving" / "warehouse.duckdb",
    }


@pytest.fixture(scope="module")
def two_builds(shop) -> list[str]:
    builds = []
    for _ in range(2):
        code, out = run("build", "--database", str(shop["working"]))
        assert code == 0, out[-4000:]
        builds.append(latest_build(shop["serving"]))
    return builds


def test_identical_rebuilds_write_identical_exports(shop, two_builds):
    folders = [shop["serving"].parent / "exports" / "builds" / b for b in two_builds]
    manifests = [json.loads((f / "manifest.json").read_text()) for f in folders]
    names = sorted(p.name for p in folders[0].iterdir())
    assert names == sorted(p.name for p in folders[1].iterdir())
    assert "audience_memberships.csv" in names and "audience_vip_loyal_meta__meta_upload.csv" in names
    for name in names:
        if name != "manifest.json":
            assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name
    volatile = {"build_id", "written_at"}
    assert {k: v for k, v in manifests[0].items() if k not in volatile} == {
        k: v for k, v in manifests[1].items() if k not in volatile
    }
    assert manifests[0]["build_id"] != manifests[1]["build_id"]
    assert manifests[0]["as_of_date"] and manifests[0]["vars"]["reporting_currency"]
    assert str(shop["working"].parent) not in (folders[0] / "manifest.json").read_text()


def test_an_audience_losing_most_of_its_members_warns_against_the_last_published_build(shop, two_builds):
    serving = shop["serving"]
    sizes = dict(query(serving, "select audience, count(*) from audiences.audience_memberships group by 1"))
    (audience, before), *_ = sorted(
        ((a, n) for a, n in sizes.items() if a != "vip_loyal" and not a.startswith("vip_")),
        key=lambda x: -x[1],
    )
    assert before >= 20, sizes  # enough people for the shrink to be more than noise
    members = [
        r[0] for r in query(serving, f"select customer_id from audiences.audience_{audience} order by 1")
    ]
    # most of them withdraw their email consent, recorded before the as-of date
    revoked = members[: int(len(members) * 0.8)]
    consents = shop["shop"] / "consents.csv"
    header = list(read_csv_rows(consents)[0])
    with consents.open("a", newline="", encoding="utf-8") as f:
        # quoted and newline-ended as the generator writes the file
        writer = csv.DictWriter(f, fieldnames=header, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for customer_id in revoked:
            row = dict.fromkeys(header, "")
            row.update(
                customer_id=customer_id,
                channel="email",
                purpose="marketing",
                status="revoked",
                recorded_at="2026-09-29 12:00:00",
                source="preference_center",
            )
            writer.writerow({k: v for k, v in row.items() if k in header})
    code, out = run("ingest", str(shop["shop"]), "--database", str(shop["working"]))
    assert code == 0, out
    code, out = run("build", "--database", str(shop["working"]))
    assert code == 0, out[-4000:]
    build = latest_build(serving)
    warnings = dict(
        query(
            serving,
            "select subject, message from publish.warnings"
            f" where build_id = '{build}' and kind = 'audience_shrink'",
        )
    )
    assert f"audiences.audience_{audience}" in warnings, (audience, before, warnings)
    assert warnings[f"audiences.audience_{audience}"].startswith(f"{before:,} -> ")
    assert f"[audience_shrink] audiences.audience_{audience}" in out  # in the summary too
    # the identical rebuild before it raised no such warning
    assert not query(
        serving,
        f"select * from publish.warnings where build_id = '{two_builds[1]}' and kind = 'audience_shrink'",
    )
