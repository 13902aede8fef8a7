"""A/B and uplift statistics against independent references on the same counts: published
Miettinen-Nurminen intervals, scipy's chi-square test, and a score statistic written out here with
a numerical (not closed-form) constrained maximum likelihood."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar
from scipy.stats import chi2, chi2_contingency, norm

from lifecycle.modelling.ab_tests import compare_rates, journey_uplift, stratified_difference, variant_tests

Z = norm.ppf(0.975)


def _n_minus_1_chi_square_p(conv_a: int, n_a: int, conv_b: int, n_b: int) -> float:
    """scipy's Pearson chi-square (no continuity correction) times (N - 1) / N: the score test of
    Miettinen and Nurminen at a difference of 0 (Campbell's 'N - 1' chi-square test)."""
    table = np.array([[conv_a, n_a - conv_a], [conv_b, n_b - conv_b]])
    statistic = chi2_contingency(table, correction=False)[0]
    total = n_a + n_b
    return float(chi2.sf(statistic * (total - 1) / total, df=1))


def _restricted_rates(conv_a: int, n_a: int, conv_b: int, n_b: int, delta: float) -> tuple[float, float]:
    """Maximum likelihood rates (p_a, p_b) under p_b - p_a = delta, by numerical maximization of the
    two binomial log-likelihoods (independent of the module's closed-form cubic)."""

    def negative_log_likelihood(p_b: float) -> float:
        p_a = p_b - delta
        total = 0.0
        for conv, n, p in ((conv_a, n_a, p_a), (conv_b, n_b, p_b)):
            p = min(max(p, 1e-15), 1 - 1e-15)
            total -= conv * math.log(p) + (n - conv) * math.log(1 - p)
        return total

    low, high = max(0.0, delta), min(1.0, 1.0 + delta)
    best = minimize_scalar(
        negative_log_likelihood, bounds=(low, high), method="bounded", options={"xatol": 1e-13}
    )
    return best.x - delta, best.x


def _score_z(strata: list[tuple[int, int, int, int]], weights: list[float], delta: float) -> float:
    """Stratified Miettinen-Nurminen score statistic at a common difference delta, fixed weights."""
    numerator, variance = 0.0, 0.0
    for (conv_a, n_a, conv_b, n_b), weight in zip(strata, weights, strict=True):
        p_a, p_b = _restricted_rates(conv_a, n_a, conv_b, n_b, delta)
        total = n_a + n_b
        numerator += weight * (conv_b / n_b - conv_a / n_a - delta)
        variance += weight**2 * (p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b) * total / (total - 1)
    return numerator / math.sqrt(variance)


# Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 6 (Miettinen-Nurminen):
# (conversions b, members b, conversions a, members a) -> 95% interval of p_b - p_a, 4 decimals
PUBLISHED = [
    ((56, 70, 48, 80), (0.0528, 0.3382)),
    ((9, 10, 3, 10), (0.1700, 0.8406)),
    ((10, 10, 0, 20), (0.7156, 1.0000)),
]


@pytest.mark.parametrize(("counts", "interval"), PUBLISHED)
def test_interval_matches_the_published_miettinen_nurminen_interval(counts, interval):
    conv_b, n_b, conv_a, n_a = counts
    result = compare_rates(conv_a, n_a, conv_b, n_b)
    assert result["difference"] == pytest.approx(conv_b / n_b - conv_a / n_a)
    assert result["ci_low"] == pytest.approx(interval[0], abs=6e-5)
    assert result["ci_high"] == pytest.approx(interval[1], abs=6e-5)


@pytest.mark.parametrize(
    "counts",
    [(120, 1000, 150, 1000), (5, 80, 12, 90), (300, 5000, 300, 5000), (0, 14, 11, 95), (0, 41, 10, 208)],
)
def test_p_value_is_scipys_n_minus_1_chi_square(counts):
    assert compare_rates(*counts)["p_value"] == pytest.approx(_n_minus_1_chi_square_p(*counts), rel=1e-9)


def test_tiny_p_values_keep_their_precision():
    counts = (100, 10000, 300, 10000)
    p = _n_minus_1_chi_square_p(*counts)
    assert p < 1e-20
    assert compare_rates(*counts)["p_value"] == pytest.approx(p, rel=1e-6)


@pytest.mark.parametrize("counts", [(120, 1000, 150, 1000), (5, 80, 12, 90), (0, 14, 11, 95), (3, 7, 0, 9)])
def test_each_interval_end_is_where_the_score_test_reaches_the_95_percent_quantile(counts):
    """The interval is the inversion of the test: at each end the independently computed score
    statistic is exactly the normal 97.5% quantile."""
    result = compare_rates(*counts)
    assert _score_z([counts], [1.0], result["ci_low"]) == pytest.approx(Z, abs=1e-6)
    assert _score_z([counts], [1.0], result["ci_high"]) == pytest.approx(-Z, abs=1e-6)


def test_a_zero_conversion_holdout_is_not_called_significant():
    """Issue 17 item 4: CMP003 (holdout 0 of 14, variant a 11 of 95) and CMP007 (0 of 41, 10 of
    208) had p = 0.15-0.18 while the Wald interval excluded 0 and the report counted wins."""
    for counts in [(0, 14, 11, 95), (0, 14, 9, 90), (0, 41, 10, 208), (0, 41, 9, 194)]:
        result = compare_rates(*counts)
        assert result["p_value"] > 0.05, counts
        assert result["ci_low"] < 0 < result["ci_high"], counts


def test_interval_excludes_zero_exactly_when_p_is_below_5_percent():
    sizes = [1, 2, 5, 14, 41, 95]
    disagreements = []
    for n_a, n_b in itertools.product(sizes, sizes):
        for conv_a, conv_b in itertools.product(range(n_a + 1), range(n_b + 1)):
            if n_a > 6 and conv_a % 3 and conv_a != n_a:
                continue  # a thinner grid for the larger groups
            r = compare_rates(conv_a, n_a, conv_b, n_b)
            excludes = r["ci_low"] > 0 or r["ci_high"] < 0
            if excludes != (r["p_value"] < 0.05) or not r["ci_low"] <= r["difference"] <= r["ci_high"]:
                disagreements.append(((conv_a, n_a, conv_b, n_b), r))
    assert not disagreements, disagreements[:5]


def test_empty_groups_give_nan_not_errors():
    assert np.isnan(compare_rates(0, 0, 5, 10)["p_value"])
    assert np.isnan(stratified_difference([(0, 0, 5, 10)])["difference"])


def test_no_conversions_at_all_is_no_evidence():
    result = compare_rates(0, 14, 0, 17)
    assert result["difference"] == 0 and result["p_value"] == 1.0
    assert result["ci_low"] < 0 < result["ci_high"]


def test_one_stratum_is_the_plain_comparison():
    counts = (12, 90, 30, 210)
    result = stratified_difference([counts])
    for key, value in compare_rates(*counts).items():
        assert result[key] == pytest.approx(value, rel=1e-12), key


def test_stratified_interval_inverts_the_stratified_score_test():
    strata = [(10, 100, 108, 900), (360, 900, 42, 100), (0, 20, 5, 60)]
    treated = sum(s[3] for s in strata)
    weights = [s[3] / treated for s in strata]
    result = stratified_difference(strata)
    assert result["difference"] == pytest.approx(
        sum(w * (s[2] / s[3] - s[0] / s[1]) for w, s in zip(weights, strata, strict=True))
    )
    assert _score_z(strata, weights, result["ci_low"]) == pytest.approx(Z, abs=1e-6)
    assert _score_z(strata, weights, result["ci_high"]) == pytest.approx(-Z, abs=1e-6)
    z0 = _score_z(strata, weights, 0.0)
    assert result["p_value"] == pytest.approx(2 * norm.sf(abs(z0)), rel=1e-6)


def test_stratification_resists_simpsons_paradox():
    # each campaign lifts conversion by 2 points, but they hold out very different shares of
    # audiences with very different base rates: pooling the counts shows a large negative effect
    low_base = (10, 100, 108, 900)  # holdout 10%, treated 12%
    high_base = (360, 900, 42, 100)  # holdout 40%, treated 42%
    pooled = compare_rates(370, 1000, 150, 1000)["difference"]
    assert pooled == pytest.approx(-0.22)
    result = stratified_difference([low_base, high_base])
    assert result["difference"] == pytest.approx(0.02)
    assert result["ci_low"] < 0.02 < result["ci_high"]
    assert pooled < result["ci_low"]


def _results() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("c1", "a", 30, 100),
            ("c1", "b", 45, 100),
            ("c1", "control", 5, 50),
            ("c2", "a", 10, 40),  # no holdout, no second variant
            ("c3", "b", 8, 20),  # no variant a
            ("c3", "control", 1, 10),
        ],
        columns=["campaign_id", "variant", "converters", "members"],
    )


def test_variant_tests_compare_each_variant_with_a_and_the_holdout():
    tests = variant_tests(_results()).set_index(["campaign_id", "variant"])
    b = tests.loc[("c1", "b")]
    assert b["ab_p_value"] == pytest.approx(_n_minus_1_chi_square_p(30, 100, 45, 100))
    assert b["ab_difference"] == pytest.approx(0.15)
    assert b["uplift_p_value"] == pytest.approx(_n_minus_1_chi_square_p(5, 50, 45, 100))
    assert tests.loc[("c1", "a"), "uplift_difference"] == pytest.approx(0.30 - 0.10)
    assert tests.loc[("c3", "b"), "uplift_difference"] == pytest.approx(0.40 - 0.10)
    # nothing to compare: null, never NaN (a NaN would reach the warehouse as a number)
    for key in [("c1", "a"), ("c1", "control"), ("c2", "a"), ("c3", "b")]:
        assert pd.isna(tests.loc[key, "ab_difference"]), key
    for key in [("c1", "control"), ("c2", "a")]:
        assert pd.isna(tests.loc[key, "uplift_difference"]), key
    assert str(tests["ab_difference"].dtype) == "Float64"


def test_journey_uplift_stratifies_over_campaigns_with_a_holdout():
    campaigns = pd.DataFrame(
        {"campaign_id": ["c1", "c2", "c3"], "journey": ["welcome", "welcome", "winback"]}
    )
    uplift = journey_uplift(_results(), campaigns).set_index("journey")
    welcome = uplift.loc["welcome"]
    # c2 has no holdout: only c1 is a stratum (treated = a + b)
    assert welcome["holdout_campaigns"] == 1
    assert welcome["holdout_treated_members"] == 200
    assert welcome["uplift_difference"] == pytest.approx(75 / 200 - 5 / 50)
    assert welcome["uplift_p_value"] == pytest.approx(_n_minus_1_chi_square_p(5, 50, 75, 200))
    assert welcome["incremental_converters"] == pytest.approx((75 / 200 - 5 / 50) * 200)
    assert uplift.loc["winback", "uplift_difference"] == pytest.approx(0.3)


def test_journey_without_holdouts_or_campaign_row_has_null_uplift():
    results = _results()[_results()["campaign_id"] == "c2"]
    uplift = journey_uplift(results, pd.DataFrame({"campaign_id": [], "journey": []}))
    assert list(uplift["journey"]) == ["unknown"]
    assert uplift["holdout_campaigns"].iloc[0] == 0
    assert pd.isna(uplift["uplift_difference"].iloc[0])
