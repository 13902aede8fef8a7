"""Two-proportion comparisons for campaign variants (A/B) and holdouts (uplift), per campaign and
stratified over the campaigns of a journey."""

from __future__ import annotations

import math
from collections.abc import Iterable
from statistics import NormalDist

import pandas as pd

# The standard normal from the standard library: importing scipy.stats costs seconds in every
# dbt Python model process; the tests check these numbers against scipy.
Z_95 = NormalDist().inv_cdf(0.975)


def _two_sided_p(z: float) -> float:
    """Two-sided p-value of a standard normal z statistic (erfc keeps tiny p-values exact)."""
    return math.erfc(abs(z) / math.sqrt(2))


STAT_KEYS = ("difference", "ci_low", "ci_high", "p_value")


def compare_rates(conv_a: int, n_a: int, conv_b: int, n_b: int) -> dict[str, float]:
    """Difference in conversion rate b - a with a Wald 95% interval and the pooled two-sided
    z-test p-value (equal to the chi-square test without continuity correction)."""
    if n_a == 0 or n_b == 0:
        return {"difference": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan}
    p_a, p_b = conv_a / n_a, conv_b / n_b
    diff = p_b - p_a
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    pooled = (conv_a + conv_b) / (n_a + n_b)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = diff / se_pooled if se_pooled > 0 else 0.0
    return {
        "difference": diff,
        "ci_low": diff - Z_95 * se,
        "ci_high": diff + Z_95 * se,
        "p_value": _two_sided_p(z) if se_pooled > 0 else 1.0,
    }


def stratified_difference(strata: Iterable[tuple[int, int, int, int]]) -> dict[str, float]:
    """Uplift over several campaigns, each a stratum (conv_a, n_a, conv_b, n_b) with a = holdout,
    b = treated: the per-campaign differences b - a averaged with weights n_b / sum(n_b), a Wald
    95% interval (variance sum(w^2 * var_c)) and the two-sided z p-value.

    Why not pool the counts: campaigns hold out different shares, and pooling then mixes their
    base rates into the difference (Simpson's paradox). Weighting by treated members estimates
    the effect on the people who were actually messaged, so difference x sum(n_b) is the number of
    incremental converters."""
    usable = [(ca, na, cb, nb) for ca, na, cb, nb in strata if na > 0 and nb > 0]
    if not usable:
        return {key: math.nan for key in STAT_KEYS}
    treated = sum(nb for _, _, _, nb in usable)
    diff = 0.0
    variance = 0.0
    for ca, na, cb, nb in usable:
        p_a, p_b = ca / na, cb / nb
        weight = nb / treated
        diff += weight * (p_b - p_a)
        variance += weight**2 * (p_a * (1 - p_a) / na + p_b * (1 - p_b) / nb)
    se = math.sqrt(variance)
    return {
        "difference": diff,
        "ci_low": diff - Z_95 * se,
        "ci_high": diff + Z_95 * se,
        "p_value": _two_sided_p(diff / se) if se > 0 else 1.0,
    }


def _nullable(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """NaN -> NULL: a nullable float column reaches the warehouse as NULL, not as NaN."""
    for column in columns:
        frame[column] = frame[column].astype("Float64")
        frame.loc[frame[column].isna(), column] = pd.NA
    return frame


def variant_tests(results: pd.DataFrame) -> pd.DataFrame:
    """One row per campaign x variant of int_campaign_variant_results (columns campaign_id,
    variant, converters, members): ab_* compares the variant with variant 'a' of its campaign,
    uplift_* with the campaign's holdout ('control'). Null where there is nothing to compare
    (variant 'a' itself for A/B, the holdout, campaigns without a holdout or a second variant)."""
    rows = []
    for campaign_id, group in results.groupby("campaign_id", sort=True):
        by_variant = {row.variant: row for row in group.itertuples()}
        for row in group.sort_values("variant").itertuples():
            out: dict[str, object] = {"campaign_id": campaign_id, "variant": row.variant}
            for prefix, reference in (("ab", by_variant.get("a")), ("uplift", by_variant.get("control"))):
                stats = {key: math.nan for key in STAT_KEYS}
                if reference is not None and row.variant not in ("control", reference.variant):
                    stats = compare_rates(
                        int(reference.converters),
                        int(reference.members),
                        int(row.converters),
                        int(row.members),
                    )
                out.update({f"{prefix}_{key}": value for key, value in stats.items()})
            rows.append(out)
    stat_columns = [f"{prefix}_{key}" for prefix in ("ab", "uplift") for key in STAT_KEYS]
    frame = pd.DataFrame(rows, columns=["campaign_id", "variant", *stat_columns])
    frame["campaign_id"] = frame["campaign_id"].astype("string")
    frame["variant"] = frame["variant"].astype("string")
    return _nullable(frame, stat_columns)


def journey_uplift(results: pd.DataFrame, campaigns: pd.DataFrame) -> pd.DataFrame:
    """One row per journey: uplift of the treated variants against the holdout, stratified over
    the journey's campaigns that have both (see stratified_difference). `campaigns` maps
    campaign_id to journey; campaigns missing there belong to journey 'unknown'."""
    journeys = campaigns.set_index("campaign_id")["journey"].to_dict()
    per_journey: dict[str, list[tuple[int, int, int, int]]] = {}
    for campaign_id, group in results.groupby("campaign_id", sort=True):
        journey = journeys.get(campaign_id) or "unknown"
        strata = per_journey.setdefault(journey, [])
        control = group[group["variant"] == "control"]
        treated = group[group["variant"] != "control"]
        stratum = (
            int(control["converters"].sum()),
            int(control["members"].sum()),
            int(treated["converters"].sum()),
            int(treated["members"].sum()),
        )
        if stratum[1] > 0 and stratum[3] > 0:
            strata.append(stratum)
    rows = []
    for journey in sorted(per_journey):
        strata = per_journey[journey]
        stats = stratified_difference(strata)
        treated_members = sum(s[3] for s in strata)
        rows.append(
            {
                "journey": journey,
                "holdout_campaigns": len(strata),
                "holdout_members": sum(s[1] for s in strata),
                "holdout_converters": sum(s[0] for s in strata),
                "holdout_treated_members": treated_members,
                "holdout_treated_converters": sum(s[2] for s in strata),
                **{f"uplift_{key}": value for key, value in stats.items()},
                "incremental_converters": stats["difference"] * treated_members,
            }
        )
    stat_columns = [f"uplift_{key}" for key in STAT_KEYS] + ["incremental_converters"]
    frame = pd.DataFrame(
        rows,
        columns=[
            "journey",
            "holdout_campaigns",
            "holdout_members",
            "holdout_converters",
            "holdout_treated_members",
            "holdout_treated_converters",
            *stat_columns,
        ],
    )
    frame["journey"] = frame["journey"].astype("string")
    count_columns = ["holdout_campaigns", "holdout_members", "holdout_converters"]
    count_columns += ["holdout_treated_members", "holdout_treated_converters"]
    for column in count_columns:
        frame[column] = frame[column].astype("int64")
    return _nullable(frame, stat_columns)
