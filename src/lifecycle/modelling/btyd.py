"""Buy-till-you-die CLV: BG/NBD for purchase counts and survival, Gamma-Gamma for spend.

Summaries (frequency, recency, T, monetary_value) come from SQL (int_clv_summary); lifetimes'
pandas utilities are slow and break under pandas 3. Fits run on distinct (frequency, recency, T)
rows with weights, which gives the same likelihood as one row per customer and is ~5x faster at
a million customers. lifetimes adds `penalizer_coef` to the *mean* log-likelihood, so even 0.001
biases the estimates (CDNOW a, b: 0.79, 2.43 -> 0.50, 1.32): the default is 0 and a penalty is
tried only when an unpenalized fit fails, and the one used is recorded (with the reasons the
smaller ones failed in `Fit.diagnostics`).

Gamma-Gamma assumes spend per order is independent of purchase frequency. The fit records the
Pearson correlation of frequency and mean repeat order value among the repeat buyers it was
fitted on (CDNOW: 0.11, which Fader & Hardie call weak) and warns (GammaGammaAssumptionWarning)
when its magnitude reaches GG_CORRELATION_WARNING. Gamma-Gamma is fitted per customer: the mean
repeat order value is continuous, so distinct (frequency, monetary_value) rows barely shrink it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter
from lifetimes import fitters as _lifetimes_fitters


def _unprinted(*args: object, **kwargs: object) -> None:
    """lifetimes prints scipy's whole optimizer result before raising ConvergenceError; the
    penalizer ladder below catches that error and records it (diagnostics.failed_penalizers), so
    the printout is only a dozen unexplained lines per failed try in the build log."""


# the module's own name `print`: only lifetimes' fitters are quieted, thread-safely (redirecting
# sys.stdout would swap it for every thread dbt runs)
_lifetimes_fitters.print = _unprinted

PENALIZER_LADDER = (0.0, 0.001, 0.01, 0.1)
DAYS_PER_UNIT = {"day": 1.0, "week": 7.0}
# Amperity's CLV tiers by rank: share of customers at or above each tier's lower bound.
CLV_TIERS = (("platinum", 0.01), ("gold", 0.05), ("silver", 0.10), ("bronze", 0.25), ("medium", 0.50))
# |corr(frequency, monetary_value)| among repeat buyers from which the Gamma-Gamma independence
# assumption is called into question (a conventional "moderate correlation" cut-off).
GG_CORRELATION_WARNING = 0.3


class ClvFitError(ValueError):
    """The summary cannot be fitted; the message names the problem."""


class GammaGammaAssumptionWarning(UserWarning):
    """Frequency and spend per order are correlated: Gamma-Gamma's independence is doubtful."""


@dataclass(frozen=True)
class Fit:
    model: str
    params: dict[str, float]
    n_customers: int
    log_likelihood: float
    penalizer_coef: float
    converged: bool
    message: str | None = None
    # not persisted in clv_model_params: why smaller penalizers failed, GG correlation, ...
    diagnostics: dict = field(default_factory=dict, compare=False)


def validate_summary(summary: pd.DataFrame) -> None:
    needed = {"customer_key", "frequency", "recency", "T", "monetary_value"}
    missing = needed - set(summary.columns)
    if missing:
        raise ClvFitError(f"summary lacks columns {sorted(missing)}")
    if summary.empty:
        raise ClvFitError("summary is empty: no customer with a completed order")
    for column in ("frequency", "recency", "T"):
        if summary[column].isna().any():
            raise ClvFitError(f"summary column {column} has nulls")
        if (summary[column] < 0).any():
            raise ClvFitError(f"summary column {column} has negative values")
    if (summary["recency"] > summary["T"] + 1e-9).any():
        bad = summary.loc[summary["recency"] > summary["T"], "customer_key"].head(3).tolist()
        raise ClvFitError(f"recency > T for customers {bad}")


def fit_bgnbd(summary: pd.DataFrame, penalizer_coef: float = 0.0) -> Fit:
    """BG/NBD on distinct (frequency, recency, T) rows weighted by how many customers share them."""
    validate_summary(summary)
    if (summary["frequency"] > 0).sum() == 0:
        raise ClvFitError("no repeat buyers: BG/NBD cannot be identified")
    grouped = (
        summary.groupby(["frequency", "recency", "T"], as_index=False)
        .size()
        .rename(columns={"size": "weight"})
    )
    return fit_bgnbd_grouped(grouped, penalizer_coef)


def fit_bgnbd_grouped(grouped: pd.DataFrame, penalizer_coef: float = 0.0, model: str = "bgnbd") -> Fit:
    """BG/NBD (or MBG/NBD, model="mbgnbd") on distinct (frequency, recency, T) rows with a
    `weight` column (customers per row), as a warehouse can hand them over already grouped."""
    name = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD"}[model]
    if grouped.empty or (grouped["frequency"] > 0).sum() == 0:
        raise ClvFitError(f"no repeat buyers: {name} cannot be identified")
    # a fixed row order: the log-likelihood is a float sum, so the optimum's last bits follow it
    grouped = grouped.sort_values(["frequency", "recency", "T"], kind="stable").reset_index(drop=True)
    ladder = [penalizer_coef] + [p for p in PENALIZER_LADDER if p > penalizer_coef]
    errors = []
    for coef in ladder:
        fitter = (ModifiedBetaGeoFitter if model == "mbgnbd" else BetaGeoFitter)(penalizer_coef=coef)
        try:
            # numpy's error state is per thread; the warnings filters are not (dbt runs the Python
            # models in threads, and another one leaving its catch_warnings restores them mid-fit)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                fitter.fit(grouped["frequency"], grouped["recency"], grouped["T"], weights=grouped["weight"])
        except Exception as err:  # lifetimes raises ConvergenceError and friends
            errors.append(f"penalizer {coef}: {err}")
            continue
        params = {k: float(v) for k, v in fitter.params_.items()}
        if all(np.isfinite(v) and v > 0 for v in params.values()):
            return Fit(
                model=model,
                params=params,
                n_customers=int(grouped["weight"].sum()),
                log_likelihood=float(-fitter._negative_log_likelihood_ * grouped["weight"].sum()),
                penalizer_coef=coef,
                converged=True,
                diagnostics={"distinct_rows": int(len(grouped)), "failed_penalizers": errors},
            )
        errors.append(f"penalizer {coef}: non-finite parameters {params}")
    raise ClvFitError(f"{name} fit failed: " + "; ".join(errors))


def fit_mbgnbd(summary: pd.DataFrame, penalizer_coef: float = 0.0) -> Fit:
    """MBG/NBD (Batislam et al.: a buyer may also drop out right after the first purchase), on
    distinct rows as fit_bgnbd. Its P(alive) of a one-time buyer falls as time passes since the
    purchase; BG/NBD's is 1 for every one-time buyer."""
    validate_summary(summary)
    grouped = (
        summary.groupby(["frequency", "recency", "T"], as_index=False)
        .size()
        .rename(columns={"size": "weight"})
    )
    return fit_bgnbd_grouped(grouped, penalizer_coef, model="mbgnbd")


def fit_gamma_gamma(summary: pd.DataFrame, penalizer_coef: float = 0.0) -> Fit:
    """Gamma-Gamma on repeat buyers with a positive mean repeat order value."""
    validate_summary(summary)
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    # SQL returns rows in no fixed order and the log-likelihood is a float sum over customers:
    # a fixed order makes two builds of the same data give bit-identical parameters
    repeat = repeat.sort_values("customer_key", kind="stable")
    if len(repeat) < 10:
        raise ClvFitError(f"only {len(repeat)} repeat buyers with spend: Gamma-Gamma needs more")
    correlation = float(np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1])
    if np.isfinite(correlation) and abs(correlation) >= GG_CORRELATION_WARNING:
        warnings.warn(
            f"frequency and mean repeat order value correlate ({correlation:.2f}) among "
            f"{len(repeat)} repeat buyers: Gamma-Gamma assumes they are independent",
            GammaGammaAssumptionWarning,
            stacklevel=2,
        )
    ladder = [penalizer_coef] + [p for p in PENALIZER_LADDER if p > penalizer_coef]
    errors = []
    for coef in ladder:
        fitter = GammaGammaFitter(penalizer_coef=coef)
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):  # see fit_bgnbd
                warnings.simplefilter("ignore")
                fitter.fit(repeat["frequency"], repeat["monetary_value"])
        except Exception as err:
            errors.append(f"penalizer {coef}: {err}")
            continue
        params = {k: float(v) for k, v in fitter.params_.items()}
        if all(np.isfinite(v) and v > 0 for v in params.values()):
            return Fit(
                model="gamma_gamma",
                params=params,
                n_customers=int(len(repeat)),
                log_likelihood=float(-fitter._negative_log_likelihood_ * len(repeat)),
                penalizer_coef=coef,
                converged=True,
                diagnostics={"frequency_monetary_correlation": correlation, "failed_penalizers": errors},
            )
        errors.append(f"penalizer {coef}: non-finite parameters {params}")
    raise ClvFitError("Gamma-Gamma fit failed: " + "; ".join(errors))


def _bgnbd(fit: Fit) -> BetaGeoFitter:
    """The lifetimes fitter of a BG/NBD or MBG/NBD fit (same parameters, r, alpha, a, b)."""
    fitter = ModifiedBetaGeoFitter() if fit.model == "mbgnbd" else BetaGeoFitter()
    fitter.params_ = pd.Series(fit.params)[["r", "alpha", "a", "b"]]
    return fitter


def _gamma_gamma(fit: Fit) -> GammaGammaFitter:
    fitter = GammaGammaFitter()
    fitter.params_ = pd.Series(fit.params)[["p", "q", "v"]]
    return fitter


def expected_purchases(summary: pd.DataFrame, bgnbd: Fit, days: float, time_unit: str = "day") -> np.ndarray:
    """Expected purchases in the next `days` days for each summary row."""
    t = days / DAYS_PER_UNIT[time_unit]
    return np.asarray(
        _bgnbd(bgnbd).conditional_expected_number_of_purchases_up_to_time(
            t, summary["frequency"], summary["recency"], summary["T"]
        ),
        dtype=float,
    )


def probability_of_no_purchase(
    summary: pd.DataFrame, bgnbd: Fit, days: float, time_unit: str = "day"
) -> np.ndarray:
    """P(no purchase in the next `days` days | frequency, recency, T) under BG/NBD, exactly.

    Either the customer is already dead (1 - P(alive)), or alive with purchase rate lambda whose
    posterior is Gamma(r + x, alpha + T), and then P(no purchase in t) = E[exp(-lambda t)] =
    ((alpha + T) / (alpha + T + t)) ** (r + x). BG/NBD customers only drop out right after a
    purchase, so one who buys nothing in the window cannot die in it: there is no third term.
    lifetimes has only the unconditional version; exp(-expected purchases) is a Poisson
    approximation that overstates the probability for customers who are probably dead.
    """
    t = days / DAYS_PER_UNIT[time_unit]
    r, alpha = bgnbd.params["r"], bgnbd.params["alpha"]
    x = summary["frequency"].to_numpy(dtype=float)
    big_t = summary["T"].to_numpy(dtype=float)
    alive = np.asarray(
        _bgnbd(bgnbd).conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"]),
        dtype=float,
    )
    return (1 - alive) + alive * ((alpha + big_t) / (alpha + big_t + t)) ** (r + x)


def days_to_next_order(
    summary: pd.DataFrame, fit: Fit, horizon_days: float, time_unit: str = "day"
) -> np.ndarray:
    """Days from as_of until the next order is as likely as not, given the buyer is alive: the
    median of the waiting time. Alive, the purchase rate's posterior is Gamma(r + x, alpha + T),
    so P(no order within t | alive) = ((alpha + T) / (alpha + T + t)) ** (r + x) (the same under
    BG/NBD and MBG/NBD), which is 1/2 at t = (alpha + T) (2 ** (1 / (r + x)) - 1). Never negative
    (it looks forward from as_of); NaN when it lies beyond `horizon_days` (the model expects no
    order within the CLV horizon). The mean waiting time would be infinite for r + x <= 1."""
    r, alpha = fit.params["r"], fit.params["alpha"]
    x = summary["frequency"].to_numpy(dtype=float)
    big_t = summary["T"].to_numpy(dtype=float)
    days = (alpha + big_t) * (2.0 ** (1.0 / (r + x)) - 1.0) * DAYS_PER_UNIT[time_unit]
    return np.where(days <= horizon_days, days, np.nan)


def holdout_comparison(
    calibration: pd.DataFrame, holdout_days: float, time_unit: str = "day"
) -> dict[str, dict[str, float]]:
    """BG/NBD and MBG/NBD fitted on a calibration period (frequency, recency, T at its end) and
    judged on what followed (`holdout_purchases` in the next `holdout_days`): per model the
    calibration log-likelihood, the holdout purchases expected and observed in total, and the
    mean absolute error per buyer. A model that cannot be fitted is left out."""
    t = holdout_days / DAYS_PER_UNIT[time_unit]
    # a fixed row order: the error is a float sum, and SQL hands rows over in no fixed order
    calibration = calibration.sort_values("customer_key", kind="stable").reset_index(drop=True)
    calibration = calibration.assign(monetary_value=0.0)  # not used by either count model
    observed = calibration["holdout_purchases"].to_numpy(dtype=float)
    result = {}
    for model, fit_function in (("bgnbd", fit_bgnbd), ("mbgnbd", fit_mbgnbd)):
        try:
            fit = fit_function(calibration)
        except ClvFitError:
            continue
        with np.errstate(all="ignore"):
            expected = np.asarray(
                _bgnbd(fit).conditional_expected_number_of_purchases_up_to_time(
                    t, calibration["frequency"], calibration["recency"], calibration["T"]
                ),
                dtype=float,
            )
        expected = np.where(np.isfinite(expected), expected, 0.0)
        result[model] = {
            "calibration_log_likelihood": fit.log_likelihood,
            "holdout_expected_purchases": float(expected.sum()),
            "holdout_observed_purchases": float(observed.sum()),
            "holdout_mean_absolute_error": float(np.abs(expected - observed).mean()),
        }
    return result


# MBG/NBD gives P(alive) unless BG/NBD predicts the holdout clearly better (by this share of MBG/NBD's
# mean absolute error): BG/NBD's P(alive) is 1 for every one-time buyer, which ranks them wrongly.
ALIVE_MODEL_MARGIN = 0.05


def choose_alive_model(comparison: dict[str, dict[str, float]]) -> tuple[str, str]:
    """The model whose P(alive) is published, and why (see ALIVE_MODEL_MARGIN)."""
    if "bgnbd" not in comparison:
        return (
            "mbgnbd",
            "no out-of-time comparison (BG/NBD could not be fitted on the calibration period): the default",
        )
    if "mbgnbd" not in comparison:
        return "bgnbd", "MBG/NBD could not be fitted on the calibration period"
    mbg = comparison["mbgnbd"]["holdout_mean_absolute_error"]
    bg = comparison["bgnbd"]["holdout_mean_absolute_error"]
    if bg < mbg * (1 - ALIVE_MODEL_MARGIN):
        return "bgnbd", (
            f"BG/NBD predicted the holdout purchases better (mean absolute error {bg:.4f} vs "
            f"MBG/NBD {mbg:.4f}, more than {ALIVE_MODEL_MARGIN:.0%} lower)"
        )
    return "mbgnbd", (
        f"MBG/NBD predicted the holdout purchases as well or better (mean absolute error {mbg:.4f} vs "
        f"BG/NBD {bg:.4f}) and its P(alive) falls with time since a single purchase (BG/NBD's is 1)"
    )


def predict_clv(
    summary: pd.DataFrame,
    bgnbd: Fit,
    gamma_gamma: Fit,
    *,
    horizon_days: int = 365,
    discount_rate_annual: float = 0.10,
    time_unit: str = "day",
    horizons: tuple[int, ...] = (30, 90, 365),
    alive: Fit | None = None,
) -> pd.DataFrame:
    """One row per customer: P(alive) (from `alive`, default `bgnbd`), days to the next order
    given alive (days_to_next_order, same model), expected purchases per horizon, expected order
    value, discounted predicted CLV over `horizon_days` (BG/NBD and Gamma-Gamma), and the
    Amperity CLV tier."""
    validate_summary(summary)
    alive = alive or bgnbd
    out = pd.DataFrame({"customer_key": summary["customer_key"].to_numpy()})
    out["probability_alive"] = np.asarray(
        _bgnbd(alive).conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"]),
        dtype=float,
    )
    out["days_to_next_order"] = days_to_next_order(summary, alive, horizon_days, time_unit)
    for days in horizons:
        out[f"expected_purchases_{days}d"] = expected_purchases(summary, bgnbd, days, time_unit)
    gg = _gamma_gamma(gamma_gamma)
    p, q, v = (gamma_gamma.params[k] for k in ("p", "q", "v"))
    population_mean = p * v / (q - 1) if q > 1 else float(summary["monetary_value"].mean())
    repeat = (summary["frequency"] > 0) & (summary["monetary_value"] > 0)
    value = np.full(len(summary), population_mean, dtype=float)
    if repeat.any():
        value[repeat.to_numpy()] = np.asarray(
            gg.conditional_expected_average_profit(
                summary.loc[repeat, "frequency"], summary.loc[repeat, "monetary_value"]
            ),
            dtype=float,
        )
    out["expected_order_value"] = value
    # discount month by month: expected purchases in each 30-day slice x value / (1+d)^(month/12)
    monthly_rate = (1 + discount_rate_annual) ** (1 / 12) - 1
    clv = np.zeros(len(summary))
    previous = np.zeros(len(summary))
    months = int(np.ceil(horizon_days / 30))
    for month in range(1, months + 1):
        cumulative = expected_purchases(summary, bgnbd, min(month * 30, horizon_days), time_unit)
        clv += (cumulative - previous) * value / (1 + monthly_rate) ** month
        previous = cumulative
    out["predicted_clv"] = clv
    out["clv_tier"] = clv_tiers(out["customer_key"], out["predicted_clv"])
    return out


def clv_tiers(keys: pd.Series, clv: pd.Series) -> np.ndarray:
    """Amperity tiers by rank (ties broken by key so the result is deterministic)."""
    order = pd.DataFrame({"key": keys.to_numpy(), "clv": clv.to_numpy()}).sort_values(
        ["clv", "key"], ascending=[False, True]
    )
    share = (np.arange(len(order)) + 1) / len(order)
    tiers = np.full(len(order), "low", dtype=object)
    for name, bound in reversed(CLV_TIERS):
        tiers[share <= bound] = name
    result = np.empty(len(order), dtype=object)
    result[order.index.to_numpy()] = tiers
    return result


PARAMS_COLUMNS = [
    "model",
    "parameter",
    "value",
    "time_unit",
    "n_customers",
    "log_likelihood",
    "penalizer_coef",
    "converged",
    "fit_message",
    "is_alive_model",
    "selection_reason",
    "calibration_log_likelihood",
    "holdout_expected_purchases",
    "holdout_observed_purchases",
    "holdout_mean_absolute_error",
    "holdout_days",
    "clv_horizon_days",
]


def model_params_frame(
    fits: list[Fit],
    time_unit: str,
    *,
    alive_model: str = "bgnbd",
    selection_reason: str | None = None,
    comparison: dict[str, dict[str, float]] | None = None,
    holdout_days: int | None = None,
    clv_horizon_days: int | None = None,
) -> pd.DataFrame:
    """clv_model_params: one row per model x parameter, with the fit diagnostics and, for BG/NBD
    and MBG/NBD, their out-of-time comparison (holdout_comparison) and which of them gives
    P(alive) (is_alive_model) and why."""
    comparison = comparison or {}
    rows = []
    for fit in fits:
        check = comparison.get(fit.model, {})
        counts = fit.model != "gamma_gamma"  # BG/NBD and MBG/NBD count purchases; Gamma-Gamma is spend
        for name, value in fit.params.items():
            rows.append(
                {
                    "model": fit.model,
                    "parameter": name,
                    "value": value,
                    "time_unit": time_unit,
                    "n_customers": fit.n_customers,
                    "log_likelihood": fit.log_likelihood,
                    "penalizer_coef": fit.penalizer_coef,
                    "converged": fit.converged,
                    "fit_message": fit.message,
                    "is_alive_model": fit.model == alive_model,
                    "selection_reason": selection_reason if counts else None,
                    "calibration_log_likelihood": check.get("calibration_log_likelihood", np.nan),
                    "holdout_expected_purchases": check.get("holdout_expected_purchases", np.nan),
                    "holdout_observed_purchases": check.get("holdout_observed_purchases", np.nan),
                    "holdout_mean_absolute_error": check.get("holdout_mean_absolute_error", np.nan),
                    "holdout_days": holdout_days if counts else None,
                    "clv_horizon_days": clv_horizon_days,
                }
            )
    frame = pd.DataFrame(rows, columns=PARAMS_COLUMNS)
    for column in ("model", "parameter", "time_unit", "fit_message", "selection_reason"):
        frame[column] = frame[column].astype("string")
    for column in ("holdout_days", "clv_horizon_days"):
        frame[column] = frame[column].astype("Int64")
    frame["is_alive_model"] = frame["is_alive_model"].astype(bool)
    return frame


def failed_fit(model: str, error: Exception, n_customers: int) -> Fit:
    """A placeholder for a model that could not be fitted: parameters null, reason recorded.
    Lets a shop with too little history (an orders-only export, a new store) still build."""
    names = ("p", "q", "v") if model == "gamma_gamma" else ("r", "alpha", "a", "b")
    return Fit(
        model=model,
        params={n: float("nan") for n in names},
        n_customers=n_customers,
        log_likelihood=float("nan"),
        penalizer_coef=float("nan"),
        converged=False,
        message=str(error),
    )


def fit_from_params_frame(params: pd.DataFrame, model: str) -> Fit:
    """Rebuild a Fit from clv_model_params rows (so predictions do not refit)."""
    rows = params[params["model"] == model]
    if rows.empty:
        raise ClvFitError(f"no parameters for model {model}")
    first = rows.iloc[0]
    return Fit(
        model=model,
        params={r.parameter: float(r.value) for r in rows.itertuples()},
        n_customers=int(first["n_customers"]),
        log_likelihood=float(first["log_likelihood"]),
        penalizer_coef=float(first["penalizer_coef"]),
        converged=bool(first["converged"]),
        message=first.get("fit_message"),
    )
