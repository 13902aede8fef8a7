"""Campaign x variant results with A/B statistics and uplift against the holdout.

For every non-control variant: conversion rate difference against variant 'a' (A/B) and against
the campaign's 'control' holdout (uplift), each with a 95% interval and p-value. Thin shim over
lifecycle.modelling.ab_tests (tested against scipy's chi-square test)."""

import pandas as pd

from lifecycle.modelling.ab_tests import compare_rates
from lifecycle.modelling.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    results = to_pandas(dbt.ref("int_campaign_variant_results"))
    campaigns = to_pandas(dbt.ref("stg_raw__campaigns"))[
        ["campaign_id", "campaign_name", "journey", "channel", "cost"]
    ]
    rows = []
    for _, group in results.groupby("campaign_id", sort=True):
        by_variant = {r.variant: r for r in group.itertuples()}
        total_members = int(group.loc[group["variant"] != "control", "members"].sum())
        for r in group.sort_values("variant").itertuples():
            row = r._asdict()
            row.pop("Index")
            row["conversion_rate"] = r.converters / r.members if r.members else None
            for prefix, reference in (("ab", by_variant.get("a")), ("uplift", by_variant.get("control"))):
                stats = {"difference": None, "ci_low": None, "ci_high": None, "p_value": None}
                if reference is not None and r.variant not in ("control", reference.variant):
                    stats = compare_rates(reference.converters, reference.members, r.converters, r.members)
                for key, value in stats.items():
                    row[f"{prefix}_{key}"] = value
            row["member_share"] = (
                r.members / total_members if total_members and r.variant != "control" else None
            )
            rows.append(row)
    frame = pd.DataFrame(
        rows,
        columns=list(results.columns)
        + ["conversion_rate"]
        + [f"{p}_{k}" for p in ("ab", "uplift") for k in ("difference", "ci_low", "ci_high", "p_value")]
        + ["member_share"],
    )
    frame = frame.merge(campaigns, on="campaign_id", how="left")
    # campaign cost split over treated variants by their share of members; ROI where cost is known
    frame["cost"] = frame["cost"].astype(float) * frame["member_share"].astype(float)
    frame["roi"] = (frame["attributed_revenue"].astype(float) - frame["cost"]) / frame["cost"].where(
        frame["cost"] > 0
    )
    return frame.drop(columns=["member_share"])
