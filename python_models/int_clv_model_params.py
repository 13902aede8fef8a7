"""Fit BG/NBD and Gamma-Gamma on int_clv_summary; one row per model x parameter (published by
the SQL mart clv_model_params, which carries the contract).

Thin shim: the modelling lives in lifecycle.modelling.btyd (tested with pytest). When the data
cannot support a fit (too few repeat buyers), the rows say so (converged false, fit_message)
instead of failing the whole build; clv_predictions is then empty.
"""

from lifecycle.modelling.btyd import (
    ClvFitError,
    failed_fit,
    fit_bgnbd,
    fit_gamma_gamma,
    model_params_frame,
)
from lifecycle.modelling.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    summary = to_pandas(dbt.ref("int_clv_summary"))
    penalizer = float(dbt.config.get("clv_penalizer_coef") or 0)
    time_unit = dbt.config.get("clv_time_unit") or "day"
    fits = []
    for name, fit in (("bgnbd", fit_bgnbd), ("gamma_gamma", fit_gamma_gamma)):
        try:
            fits.append(fit(summary, penalizer))
        except ClvFitError as err:
            fits.append(failed_fit(name, err, len(summary)))
    return model_params_frame(fits, time_unit)
