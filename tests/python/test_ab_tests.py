"""A/B statistics against scipy on the same counts."""

import numpy as np
import pytest
from scipy.stats import chi2_contingency

from lifecycle.modelling.ab_tests import compare_rates


@pytest.mark.parametrize("counts", [(120, 1000, 150, 1000), (5, 80, 12, 90), (300, 5000, 300, 5000)])
def test_p_value_matches_scipy_chi_square(counts):
    conv_a, n_a, conv_b, n_b = counts
    table = np.array([[conv_a, n_a - conv_a], [conv_b, n_b - conv_b]])
    _, p, _, _ = chi2_contingency(table, correction=False)
    result = compare_rates(conv_a, n_a, conv_b, n_b)
    assert result["p_value"] == pytest.approx(p, rel=1e-9)
    assert result["difference"] == pytest.approx(conv_b / n_b - conv_a / n_a)
    assert result["ci_low"] < result["difference"] < result["ci_high"]


def test_empty_groups_give_nan_not_errors():
    assert np.isnan(compare_rates(0, 0, 5, 10)["p_value"])
