"""README "Your own data": every shape of orders file it promises is ingested, built, validated and
published by `lifecycle ingest DIR && lifecycle build`, and the summary says which tables stay
empty for such a shop and which raw file would fill them."""

from __future__ import annotations

import pytest
from conftest import README_SHAPES, query

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("shape", list(README_SHAPES))
def test_each_readme_shape_publishes_and_says_what_is_empty(own_data, shape):
    code, out, serving = own_data(shape)
    assert code == 0, f"{shape}: the build did not publish:\n{out[-4000:]}"
    assert "published build" in out
    assert query(serving, "select count(*) from marts.kpi_monthly")[0][0] > 0
    # the audiences are empty without consents, and the summary says so and why
    assert "every audience is empty" in out
    empty = dict(
        query(
            serving,
            "select subject, message from publish.warnings where kind = 'empty_table'"
            " and build_id = (select max(build_id) from publish.builds)",
        )
    )
    audiences = next(message for subject, message in empty.items() if "audience_winback_lapsed" in subject)
    assert "raw.consents" in audiences and "consents.csv" in audiences
    assert any(
        "marts.campaign_performance" in subject and "campaigns.csv" in message
        for subject, message in empty.items()
    )
    assert "[empty_table]" in out and "consents.csv" in out  # printed in the summary too
    # activation is a share of identified persons, never above 100 (guests are not identified)
    rates = query(serving, "select max(activation_rate) from marts.kpi_monthly")[0][0]
    assert rates is None or rates <= 100


def test_an_orders_file_without_identifiers_explains_its_guests(own_data):
    code, out, serving = own_data("required")
    assert code == 0, out[-3000:]
    assert "[guest_orders] raw.orders" in out
    # no person is identified: activation has no denominator, CLV no repeat buyer (both said)
    assert query(serving, "select count(activation_rate) from marts.kpi_monthly")[0][0] == 0
    assert "marts.clv_predictions" in out and "repeat buyers" in out


def test_a_shop_with_customer_ids_gets_lifecycle_and_clv(own_data):
    code, out, serving = own_data("customer_id")
    assert code == 0, out[-3000:]
    assert "[guest_orders]" not in out
    assert query(serving, "select count(*) from marts.clv_predictions")[0][0] > 0
    stages = dict(query(serving, "select lifecycle_stage, count(*) from marts.customer_lifecycle group by 1"))
    assert stages.get("active", 0) + stages.get("loyal", 0) > 0


def test_the_curated_causes_of_empty_tables_name_real_inputs():
    """Every raw feed health.EMPTY_TABLE_CAUSES names for a table is upstream of it in dbt's
    lineage, so a warning never sends a user to a file that cannot fill the table."""
    import fnmatch
    import json

    from lifecycle import paths
    from lifecycle.dbt_runner import run_dbt
    from lifecycle.quality.health import EMPTY_TABLE_CAUSES, upstream_sources

    assert run_dbt(["parse"]) == 0  # writes target/manifest.json
    manifest = json.loads((paths.project_dir() / "target" / "manifest.json").read_text(encoding="utf-8"))
    for pattern, cause in EMPTY_TABLE_CAUSES.items():
        models = [
            unique_id
            for unique_id, node in manifest["nodes"].items()
            if unique_id.startswith("model.")
            and fnmatch.fnmatchcase(f"{node['schema']}.{node['alias']}", pattern)
        ]
        assert models, f"{pattern} matches no model"
        for unique_id in models:
            upstream = {manifest["sources"][s]["name"] for s in upstream_sources(manifest, unique_id)}
            assert set(cause.feeds) <= upstream, (unique_id, cause.feeds, sorted(upstream))
