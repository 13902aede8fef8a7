"""BG/NBD + Gamma-Gamma: published CDNOW estimates, parameter recovery, weighting, guards."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

from lifecycle.modelling import btyd
from lifecycle.modelling.btyd import (
    ClvFitError,
    GammaGammaAssumptionWarning,
    clv_tiers,
    fit_bgnbd,
    fit_from_params_frame,
    fit_gamma_gamma,
    model_params_frame,
    predict_clv,
)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    data = load_cdnow_summary_data_with_monetary_value().reset_index()
    return data.rename(columns={"customer_id": "customer_key"})


def test_reproduces_published_cdnow_estimates(cdnow):
    # Fader, Hardie & Lee (2005) BG/NBD; Fader & Hardie (2013) Gamma-Gamma on CDNOW
    bg = fit_bgnbd(cdnow)
    for name, published in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert bg.params[name] == pytest.approx(published, rel=0.01), name
    gg = fit_gamma_gamma(cdnow)
    for name, published in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert gg.params[name] == pytest.approx(published, rel=0.02), name
    assert bg.penalizer_coef == 0 and gg.penalizer_coef == 0


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, seed: int) -> pd.DataFrame:
    """Customers observed for T days after their first purchase, by the BG/NBD story."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    T = rng.uniform(180, 720, n)
    frequency = np.zeros(n)
    recency = np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T[i]:
                break
            frequency[i] += 1
            recency[i] = t
            if rng.random() < p[i]:
                break
    return pd.DataFrame(
        {
            "customer_key": np.arange(n),
            "frequency": frequency,
            "recency": recency,
            "T": T,
            "monetary_value": np.where(frequency > 0, rng.gamma(6, 10, n), 0.0),
        }
    )


def test_recovers_simulated_parameters():
    truth = {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 2.5}
    summary = simulate_bgnbd(6000, **truth, seed=11)
    fit = fit_bgnbd(summary)
    # Tolerances are ~4 sampling standard deviations: over 30 simulated data sets of this size
    # the relative error had sd r 2.5%, alpha 4.3%, a 5.0%, b 7.4% and a/(a+b) 2.5%, with no
    # bias above 1%. a and b trade off against each other, so the mean dropout probability
    # a/(a+b) is better identified than either.
    tolerance = {"r": 0.10, "alpha": 0.175, "a": 0.20, "b": 0.30}
    for name, value in truth.items():
        assert fit.params[name] == pytest.approx(value, rel=tolerance[name]), name
    mean_dropout = fit.params["a"] / (fit.params["a"] + fit.params["b"])
    assert mean_dropout == pytest.approx(0.8 / 3.3, rel=0.10)


def test_weighted_distinct_rows_fit_equals_per_customer_fit(cdnow):
    from lifetimes import BetaGeoFitter

    plain = BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    weighted = fit_bgnbd(cdnow)
    for name in ("r", "alpha", "a", "b"):
        assert weighted.params[name] == pytest.approx(plain.params_[name], rel=1e-3)


def test_invalid_summaries_name_the_problem(cdnow):
    bad = cdnow.copy()
    bad.loc[0, "recency"] = bad.loc[0, "T"] + 1
    with pytest.raises(ClvFitError, match="recency > T"):
        fit_bgnbd(bad)
    with pytest.raises(ClvFitError, match="empty"):
        fit_bgnbd(cdnow.iloc[:0])
    no_repeat = cdnow.assign(frequency=0, recency=0.0)
    with pytest.raises(ClvFitError, match="no repeat buyers"):
        fit_bgnbd(no_repeat)
    with pytest.raises(ClvFitError, match="lacks columns"):
        fit_bgnbd(cdnow.drop(columns=["T"]))


def test_predictions_one_row_per_customer_and_consistent(cdnow):
    bg, gg = fit_bgnbd(cdnow), fit_gamma_gamma(cdnow)
    out = predict_clv(cdnow, bg, gg, time_unit="week")
    assert len(out) == len(cdnow) and out["customer_key"].is_unique
    assert out["probability_alive"].between(0, 1).all()
    assert (out["expected_purchases_30d"] <= out["expected_purchases_90d"] + 1e-12).all()
    assert (out["expected_purchases_90d"] <= out["expected_purchases_365d"] + 1e-12).all()
    # discounting makes CLV no larger than undiscounted purchases x value
    undiscounted = out["expected_purchases_365d"] * out["expected_order_value"]
    assert (out["predicted_clv"] <= undiscounted + 1e-9).all()
    assert (out["predicted_clv"] > 0.8 * undiscounted).all()


def test_predictions_from_stored_params_match_the_fit(cdnow):
    bg, gg = fit_bgnbd(cdnow), fit_gamma_gamma(cdnow)
    frame = model_params_frame([bg, gg], "week")
    assert set(frame["parameter"]) == {"r", "alpha", "a", "b", "p", "q", "v"}
    again = predict_clv(
        cdnow,
        fit_from_params_frame(frame, "bgnbd"),
        fit_from_params_frame(frame, "gamma_gamma"),
        time_unit="week",
    )
    pd.testing.assert_frame_equal(again, predict_clv(cdnow, bg, gg, time_unit="week"))


def test_clv_tiers_follow_amperity_shares():
    keys = pd.Series([f"k{i:04d}" for i in range(1000)])
    clv = pd.Series(np.arange(1000, 0, -1, dtype=float))
    tiers = pd.Series(clv_tiers(keys, clv))
    assert tiers.value_counts().to_dict() == {
        "low": 500,
        "medium": 250,
        "bronze": 150,
        "silver": 50,
        "gold": 40,
        "platinum": 10,
    }
    assert tiers.iloc[0] == "platinum" and tiers.iloc[-1] == "low"


def test_penalizer_defaults_to_zero_and_the_fallback_is_recorded(cdnow, monkeypatch):
    assert inspect.signature(fit_bgnbd).parameters["penalizer_coef"].default == 0
    assert inspect.signature(fit_gamma_gamma).parameters["penalizer_coef"].default == 0
    original = btyd.BetaGeoFitter.fit

    def fails_unpenalized(self, *args, **kwargs):
        if self.penalizer_coef == 0:
            raise RuntimeError("simulated non-convergence")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(btyd.BetaGeoFitter, "fit", fails_unpenalized)
    fit = fit_bgnbd(cdnow)
    assert fit.converged and fit.penalizer_coef == 0.001
    assert fit.diagnostics["failed_penalizers"] == ["penalizer 0.0: simulated non-convergence"]
    rows = model_params_frame([fit], "week")
    assert set(rows["penalizer_coef"]) == {0.001}

    def always_fails(self, *args, **kwargs):
        raise RuntimeError("simulated non-convergence")

    monkeypatch.setattr(btyd.BetaGeoFitter, "fit", always_fails)
    with pytest.raises(ClvFitError, match=r"BG/NBD fit failed: penalizer 0.0: .*penalizer 0.1: simulated"):
        fit_bgnbd(cdnow)


def test_unpenalized_fit_records_no_fallback(cdnow):
    fit = fit_bgnbd(cdnow)
    assert fit.penalizer_coef == 0 and fit.diagnostics["failed_penalizers"] == []
    assert fit.diagnostics["distinct_rows"] < len(cdnow)


def test_gamma_gamma_independence_is_checked(cdnow):
    with warnings.catch_warnings():
        warnings.simplefilter("error", GammaGammaAssumptionWarning)
        fit = fit_gamma_gamma(cdnow)  # CDNOW: weak correlation (Fader & Hardie report 0.11)
    assert fit.diagnostics["frequency_monetary_correlation"] == pytest.approx(0.11, abs=0.005)
    # spend per order rising with frequency breaks the assumption: the fit warns
    rng = np.random.default_rng(3)
    frequency = rng.integers(1, 20, 2000).astype(float)
    correlated = pd.DataFrame(
        {
            "customer_key": np.arange(2000),
            "frequency": frequency,
            "recency": 50.0,
            "T": 100.0,
            "monetary_value": 10 * frequency * rng.gamma(20, 1 / 20, 2000),
        }
    )
    with pytest.warns(GammaGammaAssumptionWarning, match="correlate"):
        fit = fit_gamma_gamma(correlated)
    assert fit.diagnostics["frequency_monetary_correlation"] > 0.3


def test_invalid_values_are_named(cdnow):
    negative = cdnow.copy()
    negative.loc[3, "frequency"] = -1
    with pytest.raises(ClvFitError, match="frequency has negative values"):
        fit_bgnbd(negative)
    missing = cdnow.copy()
    missing.loc[3, "T"] = np.nan
    with pytest.raises(ClvFitError, match="T has nulls"):
        fit_bgnbd(missing)


def test_fits_do_not_depend_on_row_order(cdnow):
    # SQL hands rows over in no fixed order; two builds of the same data must give the same bits
    shuffled = cdnow.sample(frac=1, random_state=3).reset_index(drop=True)
    assert fit_bgnbd(shuffled).params == fit_bgnbd(cdnow).params
    assert fit_gamma_gamma(shuffled).params == fit_gamma_gamma(cdnow).params


def test_probability_of_no_purchase_for_a_new_customer_is_the_unconditional_one(cdnow):
    from lifetimes import BetaGeoFitter

    bg = fit_bgnbd(cdnow)
    fresh = pd.DataFrame({"frequency": [0.0], "recency": [0.0], "T": [0.0]})
    unconditional = BetaGeoFitter()
    unconditional.params_ = pd.Series(bg.params)[["r", "alpha", "a", "b"]]
    for weeks in (4, 13, 52):
        expected = float(unconditional.probability_of_n_purchases_up_to_time(weeks, 0))
        got = btyd.probability_of_no_purchase(fresh, bg, 7 * weeks, time_unit="week")[0]
        assert got == pytest.approx(expected, rel=1e-9)


def test_probability_of_no_purchase_matches_simulated_holdouts():
    # customers simulated by the BG/NBD story over a calibration period, then for 60 more days:
    # the predicted share with no purchase in those days matches what happened, per frequency
    truth = {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 2.5}
    rng = np.random.default_rng(21)
    n, horizon = 20000, 60.0
    lam = rng.gamma(truth["r"], 1 / truth["alpha"], n)
    drop = rng.beta(truth["a"], truth["b"], n)
    big_t = rng.uniform(180, 720, n)
    frequency, recency, bought_later = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > big_t[i] + horizon:
                break
            if t > big_t[i]:
                bought_later[i] = True
                break
            frequency[i] += 1
            recency[i] = t
            if rng.random() < drop[i]:
                break
    summary = pd.DataFrame({"frequency": frequency, "recency": recency, "T": big_t})
    fit = btyd.Fit("bgnbd", truth, n, 0.0, 0.0, True)
    predicted = btyd.probability_of_no_purchase(summary, fit, horizon)
    for group in (frequency == 0, (frequency >= 1) & (frequency <= 3), frequency > 3):
        observed = 1 - bought_later[group].mean()
        standard_error = np.sqrt(observed * (1 - observed) / group.sum())
        assert abs(predicted[group].mean() - observed) < 4 * standard_error + 0.005


def test_mbgnbd_probability_alive_falls_with_time_since_a_single_purchase(cdnow):
    bgnbd, mbgnbd = btyd.fit_bgnbd(cdnow), btyd.fit_mbgnbd(cdnow)
    assert mbgnbd.model == "mbgnbd" and mbgnbd.converged
    one_time = pd.DataFrame(
        {
            "customer_key": range(5),
            "frequency": 0.0,
            "recency": 0.0,
            "T": [1.0, 5.0, 10.0, 20.0, 38.0],
            "monetary_value": 0.0,
        }
    )
    gg = btyd.fit_gamma_gamma(cdnow)
    with_bgnbd = btyd.predict_clv(one_time, bgnbd, gg, time_unit="week")
    with_mbgnbd = btyd.predict_clv(one_time, bgnbd, gg, time_unit="week", alive=mbgnbd)
    # BG/NBD: 1 for every one-time buyer; MBG/NBD: strictly falling with T
    assert (with_bgnbd["probability_alive"] == 1.0).all()
    alive = with_mbgnbd["probability_alive"].to_numpy()
    assert (np.diff(alive) < 0).all() and alive[0] < 1.0 and alive[-1] < 0.7 * alive[0]
    # expected purchases and CLV stay BG/NBD's whichever model gives P(alive)
    np.testing.assert_allclose(with_bgnbd["predicted_clv"], with_mbgnbd["predicted_clv"])


def test_days_to_next_order_is_the_median_wait_given_alive_and_looks_forward():
    fit = btyd.Fit("bgnbd", {"r": 0.8, "alpha": 40.0, "a": 0.5, "b": 3.0}, 1, 0.0, 0.0, True)
    summary = pd.DataFrame(
        {"frequency": [0.0, 3.0, 10.0], "recency": [0.0, 100.0, 300.0], "T": [50.0, 200.0, 310.0]}
    )
    days = btyd.days_to_next_order(summary, fit, horizon_days=10_000)
    assert (days > 0).all()
    # simulate alive buyers: lambda ~ Gamma(r + x, alpha + T); the wait is exponential(lambda)
    rng = np.random.default_rng(1)
    for i, row in summary.iterrows():
        lam = rng.gamma(0.8 + row["frequency"], 1 / (40.0 + row["T"]), 200_000)
        wait = rng.exponential(1 / lam)
        assert np.median(wait) == pytest.approx(days[i], rel=0.02)
    # beyond the horizon: no date
    capped = btyd.days_to_next_order(summary, fit, horizon_days=float(days.min()))
    assert np.isfinite(capped).sum() == 1
    # weeks: the same wait in days
    weeks = btyd.days_to_next_order(
        summary.assign(T=summary["T"] / 7, recency=summary["recency"] / 7),
        btyd.Fit("bgnbd", {"r": 0.8, "alpha": 40.0 / 7, "a": 0.5, "b": 3.0}, 1, 0.0, 0.0, True),
        horizon_days=10_000,
        time_unit="week",
    )
    np.testing.assert_allclose(weeks, days)


def test_holdout_comparison_judges_both_models_on_the_period_after_calibration():
    # BG/NBD data: with a generous margin MBG/NBD is kept, which is the default
    data = simulate_bgnbd(3000, r=0.5, alpha=20.0, a=0.6, b=2.5, seed=4)
    rng = np.random.default_rng(2)
    data["holdout_purchases"] = rng.poisson(0.2, len(data))
    comparison = btyd.holdout_comparison(data, holdout_days=90)
    assert set(comparison) == {"bgnbd", "mbgnbd"}
    for result in comparison.values():
        assert result["holdout_observed_purchases"] == data["holdout_purchases"].sum()
        assert result["holdout_mean_absolute_error"] > 0
    chosen, reason = btyd.choose_alive_model(comparison)
    assert chosen in ("bgnbd", "mbgnbd") and "mean absolute error" in reason


def test_choose_alive_model_defaults_to_mbgnbd_unless_bgnbd_is_clearly_better():
    def errors(bg: float, mbg: float) -> dict:
        return {"bgnbd": {"holdout_mean_absolute_error": bg}, "mbgnbd": {"holdout_mean_absolute_error": mbg}}

    assert btyd.choose_alive_model(errors(0.50, 0.50))[0] == "mbgnbd"
    assert btyd.choose_alive_model(errors(0.48, 0.50))[0] == "mbgnbd"  # within the 5% margin
    assert btyd.choose_alive_model(errors(0.40, 0.50))[0] == "bgnbd"
    assert btyd.choose_alive_model({"bgnbd": {"holdout_mean_absolute_error": 0.4}})[0] == "bgnbd"
    assert btyd.choose_alive_model({})[0] == "mbgnbd"


def test_model_params_frame_marks_the_alive_model_and_keeps_bgnbd_rows(cdnow):
    fits = [btyd.fit_bgnbd(cdnow), btyd.fit_mbgnbd(cdnow), btyd.fit_gamma_gamma(cdnow)]
    frame = btyd.model_params_frame(
        fits, "week", alive_model="mbgnbd", selection_reason="why", holdout_days=90, clv_horizon_days=365
    )
    assert set(frame["model"]) == {"bgnbd", "mbgnbd", "gamma_gamma"}
    assert set(frame.loc[frame["is_alive_model"], "model"]) == {"mbgnbd"}
    bg = dict(
        zip(
            frame.loc[frame["model"] == "bgnbd", "parameter"],
            frame.loc[frame["model"] == "bgnbd", "value"],
            strict=True,
        )
    )
    assert round(bg["r"], 3) == 0.243 and round(bg["a"], 3) == 0.793
    assert frame.loc[frame["model"] == "gamma_gamma", "selection_reason"].isna().all()
    assert set(frame["clv_horizon_days"]) == {365}
