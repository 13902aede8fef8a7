"""A/B and uplift statistics against scipy (and hand-computed cases) on the same counts."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, norm

from lifecycle.modelling.ab_tests import compare_rates, journey_uplift, stratified_difference, variant_tests


def _wald(conv_a: int, n_a: int, conv_b: int, n_b: int) -> tuple[float, float]:
    """Difference and its standard error, written out independently of the module."""
    p_a, p_b = conv_a / n_a, conv_b / n_b
    return p_b - p_a, math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)


@pytest.mark.parametrize("counts", [(120, 1000, 150, 1000), (5, 80, 12, 90), (300, 5000, 300, 5000)])
def test_p_value_matches_scipy_chi_square(counts):
    conv_a, n_a, conv_b, n_b = counts
    table = np.array([[conv_a, n_a - conv_a], [conv_b, n_b - conv_b]])
    _, p, _, _ = chi2_contingency(table, correction=False)
    result = compare_rates(conv_a, n_a, conv_b, n_b)
    assert result["p_value"] == pytest.approx(p, rel=1e-9)
    assert result["difference"] == pytest.approx(conv_b / n_b - conv_a / n_a)


@pytest.mark.parametrize("counts", [(120, 1000, 150, 1000), (5, 80, 12, 90)])
def test_interval_is_the_wald_interval_at_scipys_975_quantile(counts):
    diff, se = _wald(*counts)
    result = compare_rates(*counts)
    z = norm.ppf(0.975)
    assert result["ci_low"] == pytest.approx(diff - z * se, rel=1e-12)
    assert result["ci_high"] == pytest.approx(diff + z * se, rel=1e-12)


def test_empty_groups_give_nan_not_errors():
    assert np.isnan(compare_rates(0, 0, 5, 10)["p_value"])
    assert np.isnan(stratified_difference([(0, 0, 5, 10)])["difference"])


def test_one_stratum_is_the_plain_wald_comparison():
    counts = (12, 90, 30, 210)
    diff, se = _wald(*counts)
    result = stratified_difference([counts])
    assert result["difference"] == pytest.approx(diff)
    assert result["ci_low"] == pytest.approx(compare_rates(*counts)["ci_low"])
    assert result["p_value"] == pytest.approx(2 * norm.sf(abs(diff / se)))


def test_stratification_resists_simpsons_paradox():
    # each campaign lifts conversion by 2 points, but they hold out very different shares of
    # audiences with very different base rates: pooling the counts shows a large negative effect
    low_base = (10, 100, 108, 900)  # holdout 10%, treated 12%
    high_base = (360, 900, 42, 100)  # holdout 40%, treated 42%
    pooled = compare_rates(370, 1000, 150, 1000)["difference"]
    assert pooled == pytest.approx(-0.22)
    result = stratified_difference([low_base, high_base])
    assert result["difference"] == pytest.approx(0.02)
    # weights 0.9 and 0.1: variance = 0.81 var_1 + 0.01 var_2
    expected_se = math.sqrt(0.81 * _wald(*low_base)[1] ** 2 + 0.01 * _wald(*high_base)[1] ** 2)
    assert result["ci_high"] - result["ci_low"] == pytest.approx(2 * norm.ppf(0.975) * expected_se)


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
    table = np.array([[30, 70], [45, 55]])
    assert b["ab_p_value"] == pytest.approx(chi2_contingency(table, correction=False)[1])
    assert b["ab_difference"] == pytest.approx(0.15)
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
    assert welcome["incremental_converters"] == pytest.approx((75 / 200 - 5 / 50) * 200)
    assert uplift.loc["winback", "uplift_difference"] == pytest.approx(0.3)


def test_journey_without_holdouts_or_campaign_row_has_null_uplift():
    results = _results()[_results()["campaign_id"] == "c2"]
    uplift = journey_uplift(results, pd.DataFrame({"campaign_id": [], "journey": []}))
    assert list(uplift["journey"]) == ["unknown"]
    assert uplift["holdout_campaigns"].iloc[0] == 0
    assert pd.isna(uplift["uplift_difference"].iloc[0])


def test_tiny_p_values_keep_their_precision():
    counts = (100, 10000, 300, 10000)
    table = np.array([[100, 9900], [300, 9700]])
    _, p, _, _ = chi2_contingency(table, correction=False)
    assert p < 1e-20
    assert compare_rates(*counts)["p_value"] == pytest.approx(p, rel=1e-6)
