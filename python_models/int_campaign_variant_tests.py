"""A/B and holdout statistics per campaign x variant (read by the SQL mart campaign_performance).

Thin shim over lifecycle.modelling.ab_tests.variant_tests (checked against scipy with pytest)."""

from lifecycle.modelling.ab_tests import variant_tests
from lifecycle.modelling.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    results = to_pandas(dbt.ref("int_campaign_variant_results"))
    return variant_tests(results)
