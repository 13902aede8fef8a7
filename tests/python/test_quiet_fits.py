"""A BG/NBD fit that needs a penalizer leaves no noise in the build log. lifetimes prints scipy's
whole optimizer result (a dozen lines, no context) before raising ConvergenceError, and numpy
warns "invalid value encountered in log/sqrt" while the optimizer tries impossible parameters;
the fit catches both and records the failed tries (diagnostics.failed_penalizers). dbt runs the
Python models in threads, where `warnings.catch_warnings` is not safe: another thread leaving its
own block restores the filters mid-fit, so the fit must not rely on it alone."""

from __future__ import annotations

import pandas as pd

from lifecycle.modelling.btyd import fit_bgnbd

# A young shop's first month (32 buyers, 6 repeat): BG/NBD does not converge unpenalized here.
ROWS = [(0, 0, t) for t in (1, 1, 2, 4, 4, 4, 6, 8, 10, 12, 14, 16, 22, 23, 24, 28, 31, 34, 34, 38, 38)]
ROWS += [(0, 0, t) for t in (44, 45, 45, 45, 56)]
ROWS += [(1, 3, 12), (1, 3, 54), (1, 18, 23), (1, 39, 42), (1, 40, 40), (2, 32, 39)]


def summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_key": [f"k{i}" for i in range(len(ROWS))],
            "frequency": [float(f) for f, _, _ in ROWS],
            "recency": [float(r) for _, r, _ in ROWS],
            "T": [float(t) for _, _, t in ROWS],
            "monetary_value": 0.0,
        }
    )


def test_a_fit_that_needs_a_penalizer_prints_nothing(capsys):
    fit = fit_bgnbd(summary())
    assert fit.penalizer_coef > 0 and fit.diagnostics["failed_penalizers"]  # the unpenalized try failed
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_lifetimes_runs_with_numpy_errors_silenced_per_thread(monkeypatch):
    """numpy's error state is per thread (a context variable), unlike the warnings filters that
    another thread's catch_warnings restores mid-fit: lifetimes must run with it silenced, so its
    "invalid value encountered in log/sqrt" on impossible trial parameters never reach the log."""
    import lifetimes
    import numpy as np

    states: list[dict] = []
    real_fit = lifetimes.BetaGeoFitter.fit

    def recording_fit(self, *args, **kwargs):
        states.append(np.geterr())
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(lifetimes.BetaGeoFitter, "fit", recording_fit)
    fit_bgnbd(summary())
    assert states, "lifetimes was not called"
    assert all(s["invalid"] == "ignore" and s["divide"] == "ignore" for s in states), states
    assert np.geterr()["invalid"] == "warn"  # and only there
