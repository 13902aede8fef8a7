"""Holdout uplift per journey, stratified over its campaigns (read by the SQL mart
journey_performance). Thin shim over lifecycle.modelling.ab_tests.journey_uplift."""

from lifecycle.modelling.ab_tests import journey_uplift
from lifecycle.modelling.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    results = to_pandas(dbt.ref("int_campaign_variant_results"))
    campaigns = to_pandas(dbt.ref("stg_raw__campaigns"))[["campaign_id", "journey"]]
    return journey_uplift(results, campaigns)
