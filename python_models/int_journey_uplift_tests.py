"""Holdout uplift per journey, stratified over its campaigns (read by the SQL mart
journey_performance). Thin shim over lifecycle.modelling.ab_tests.journey_uplift."""

from lifecycle.modelling.ab_tests import journey_uplift


def model(dbt, session):
    dbt.config(materialized="table")
    results = dbt.ref("int_campaign_variant_results").df()
    campaigns = dbt.ref("stg_raw__campaigns").df()[["campaign_id", "journey"]]
    return journey_uplift(results, campaigns)
