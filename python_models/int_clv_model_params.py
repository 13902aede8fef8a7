"""Fit BG/NBD, MBG/NBD and Gamma-Gamma on int_clv_summary; one row per model x parameter
(published by the SQL mart clv_model_params, which carries the contract).

BG/NBD gives expected purchases and CLV (its CDNOW estimates are the paper's). Which model gives
P(alive) is decided out of time: both are fitted on int_clv_holdout_summary's calibration period
and judged on the purchases that followed (btyd.holdout_comparison, choose_alive_model); MBG/NBD,
whose P(alive) falls with time since a single purchase, unless BG/NBD is clearly better there.

Thin shim: the modelling lives in lifecycle.modelling.btyd (tested with pytest). When the data
cannot support a fit (too few repeat buyers), the rows say so (converged false, fit_message)
instead of failing the whole build; clv_predictions is then empty.
"""

from lifecycle.modelling.btyd import (
    ClvFitError,
    choose_alive_model,
    failed_fit,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_mbgnbd,
    holdout_comparison,
    model_params_frame,
)
from lifecycle.modelling.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    summary = to_pandas(dbt.ref("int_clv_summary"))
    calibration = to_pandas(dbt.ref("int_clv_holdout_summary"))
    penalizer = float(dbt.config.get("clv_penalizer_coef") or 0)
    time_unit = dbt.config.get("clv_time_unit") or "day"
    holdout_days = int(dbt.config.get("clv_holdout_days"))
    fits = []
    for name, fit in (("bgnbd", fit_bgnbd), ("mbgnbd", fit_mbgnbd), ("gamma_gamma", fit_gamma_gamma)):
        try:
            fits.append(fit(summary, penalizer))
        except ClvFitError as err:
            fits.append(failed_fit(name, err, len(summary)))
    comparison = holdout_comparison(calibration, holdout_days, time_unit) if len(calibration) else {}
    alive_model, reason = choose_alive_model(comparison)
    converged = {f.model for f in fits if f.converged}
    if alive_model not in converged:  # fitted on the calibration period, not on the whole history
        alive_model = "mbgnbd" if "mbgnbd" in converged else "bgnbd"
        reason = f"{reason}; on the whole history only {alive_model} could be fitted"
    return model_params_frame(
        fits,
        time_unit,
        alive_model=alive_model,
        selection_reason=reason,
        comparison=comparison,
        holdout_days=holdout_days,
        clv_horizon_days=int(dbt.config.get("clv_horizon_days")),
    )
