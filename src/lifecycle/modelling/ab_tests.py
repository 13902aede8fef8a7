"""Two-proportion comparisons for campaign variants (A/B) and holdouts (uplift)."""

from __future__ import annotations

import math

from scipy.stats import norm


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
        "ci_low": diff - 1.959963984540054 * se,
        "ci_high": diff + 1.959963984540054 * se,
        "p_value": float(2 * norm.sf(abs(z))) if se_pooled > 0 else 1.0,
    }
