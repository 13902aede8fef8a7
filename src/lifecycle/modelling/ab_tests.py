"""Two-proportion comparisons for campaign variants (A/B) and holdouts (uplift), per campaign and
stratified over the campaigns of a journey.

One method for all of them: the Miettinen-Nurminen score test and the confidence interval that
inverts it (the set of differences the test does not reject at 5%). So an interval excludes 0
exactly when p < 0.05. Normal-approximation (Wald) intervals do not have that property: with a
holdout of 0 conversions their standard error ignores the holdout's uncertainty, and the demo
shop had intervals excluding 0 at p = 0.15-0.22."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from statistics import NormalDist

import pandas as pd

# The standard normal from the standard library: importing scipy.stats costs seconds in every
# dbt Python model process; the tests check these numbers against scipy.
Z_95 = NormalDist().inv_cdf(0.975)

STAT_KEYS = ("difference", "ci_low", "ci_high", "p_value")

# (conversions a, members a, conversions b, members b); a = reference (variant a or the
# holdout), b = the variant compared with it; differences are p_b - p_a
Stratum = tuple[int, int, int, int]

_BISECTIONS = 60  # halves [-1, 1] to below 1e-17: the interval ends are exact to double precision


def _two_sided_p(z: float) -> float:
    """Two-sided p-value of a standard normal z statistic (erfc keeps tiny p-values exact)."""
    return math.erfc(abs(z) / math.sqrt(2))


def _restricted_rates(stratum: Stratum, delta: float) -> tuple[float, float]:
    """Maximum likelihood rates (p_a, p_b) of one stratum under the constraint p_b - p_a = delta:
    the closed-form root of the likelihood equation's cubic (Farrington and Manning 1990,
    Miettinen and Nurminen 1985)."""
    conv_a, n_a, conv_b, n_b = stratum
    rate_b, rate_a = conv_b / n_b, conv_a / n_a
    theta = n_a / n_b
    a = 1.0 + theta
    b = -(1.0 + theta + rate_b + theta * rate_a + delta * (theta + 2.0))
    c = delta * delta + delta * (2.0 * rate_b + theta + 1.0) + rate_b + theta * rate_a
    d = -rate_b * delta * (1.0 + delta)
    v = b**3 / (27.0 * a**3) - b * c / (6.0 * a * a) + d / (2.0 * a)
    u = math.copysign(math.sqrt(max(b * b / (9.0 * a * a) - c / (3.0 * a), 0.0)), v)
    if u == 0.0:
        p_b = -b / (3.0 * a)
    else:
        w = (math.pi + math.acos(max(-1.0, min(1.0, v / u**3)))) / 3.0
        p_b = 2.0 * u * math.cos(w) - b / (3.0 * a)
    p_b = min(max(p_b, max(0.0, delta)), min(1.0, 1.0 + delta))  # rounding never leaves [0, 1]
    return p_b - delta, p_b


def _score_z(strata: Sequence[Stratum], weights: Sequence[float], delta: float) -> float:
    """Miettinen-Nurminen score statistic for a common difference delta over strata with fixed
    weights: sum w (d - delta) / sqrt(sum w^2 V(delta)), where V is each stratum's variance at
    its restricted rates, times N / (N - 1). Large when delta is below the observed differences."""
    numerator, variance = 0.0, 0.0
    for stratum, weight in zip(strata, weights, strict=True):
        conv_a, n_a, conv_b, n_b = stratum
        p_a, p_b = _restricted_rates(stratum, delta)
        total = n_a + n_b
        numerator += weight * (conv_b / n_b - conv_a / n_a - delta)
        variance += weight * weight * (p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b) * total / (total - 1)
    if variance <= 0.0:
        # every rate at 0 or 1: no evidence against delta unless it contradicts the data
        return 0.0 if abs(numerator) < 1e-12 else math.copysign(math.inf, numerator)
    return numerator / math.sqrt(variance)


def _root(statistic, low: float, high: float, target: float) -> float:
    """The delta in [low, high] where the decreasing statistic crosses target (bisection; the
    statistic is >= target at low and < target at high)."""
    for _ in range(_BISECTIONS):
        middle = (low + high) / 2.0
        if statistic(middle) >= target:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


def _score_comparison(strata: Sequence[Stratum], weights: Sequence[float]) -> dict[str, float]:
    """Weighted difference, its 95% score interval and the two-sided score test p-value at 0."""
    difference = sum(w * (cb / nb - ca / na) for (ca, na, cb, nb), w in zip(strata, weights, strict=True))
    z_zero = _score_z(strata, weights, 0.0)

    def statistic(delta: float) -> float:
        return _score_z(strata, weights, delta)

    # Search each end on the side of 0 the test at 0 puts it: the interval then excludes 0
    # exactly when |z(0)| >= Z_95, i.e. p <= 0.05, whatever rounding does near the ends.
    if difference > 0 and z_zero >= Z_95:
        low = _root(statistic, 0.0, difference, Z_95)
    else:
        low = _root(statistic, -1.0, min(difference, 0.0), Z_95) if difference > -1.0 else -1.0
    if difference < 0 and z_zero <= -Z_95:
        high = _root(statistic, difference, 0.0, -Z_95)
    else:
        high = _root(statistic, max(difference, 0.0), 1.0, -Z_95) if difference < 1.0 else 1.0
    return {
        "difference": difference,
        "ci_low": min(low, difference),
        "ci_high": max(high, difference),
        "p_value": _two_sided_p(z_zero),
    }


def compare_rates(conv_a: int, n_a: int, conv_b: int, n_b: int) -> dict[str, float]:
    """Difference in conversion rate b - a with the 95% Miettinen-Nurminen score interval and the
    score test's two-sided p-value (Pearson's chi-square times (N - 1) / N, without continuity
    correction). The interval is the inversion of the test: it excludes 0 exactly when p < 0.05."""
    if n_a == 0 or n_b == 0:
        return {key: math.nan for key in STAT_KEYS}
    return _score_comparison([(conv_a, n_a, conv_b, n_b)], [1.0])


def stratified_difference(strata: Iterable[Stratum]) -> dict[str, float]:
    """Uplift over several campaigns, each a stratum (conv_a, n_a, conv_b, n_b) with a = holdout,
    b = treated: the per-campaign differences b - a averaged with weights n_b / sum(n_b), with the
    stratified Miettinen-Nurminen score test of that weighted difference and the 95% interval that
    inverts it (as compare_rates, which is the one-stratum case).

    Why not pool the counts: campaigns hold out different shares, and pooling then mixes their
    base rates into the difference (Simpson's paradox). Weighting by treated members estimates
    the effect on the people who were actually messaged, so difference x sum(n_b) is the number of
    incremental converters."""
    usable = [(ca, na, cb, nb) for ca, na, cb, nb in strata if na > 0 and nb > 0]
    if not usable:
        return {key: math.nan for key in STAT_KEYS}
    treated = sum(nb for _, _, _, nb in usable)
    return _score_comparison(usable, [nb / treated for _, _, _, nb in usable])


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
