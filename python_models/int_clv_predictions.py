"""Per-buyer CLV predictions from the fitted parameters in int_clv_model_params (no refit).

Thin shim: the modelling lives in lifecycle.modelling.btyd (tested with pytest)."""

import pandas as pd

from lifecycle.modelling.btyd import fit_from_params_frame, predict_clv
from lifecycle.modelling.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    summary = to_pandas(dbt.ref("int_clv_summary"))
    params = to_pandas(dbt.ref("int_clv_model_params"))
    time_unit = dbt.config.get("clv_time_unit") or "day"
    horizon = int(dbt.config.get("clv_horizon_days") or 365)
    bgnbd = fit_from_params_frame(params, "bgnbd")
    gamma_gamma = fit_from_params_frame(params, "gamma_gamma")
    horizons = tuple(sorted({30, 90, 365, horizon}))
    if not (bgnbd.converged and gamma_gamma.converged):
        # no usable fit (see clv_model_params.fit_message): an empty table with the same columns
        columns = ["customer_key"] + [f"expected_purchases_{h}d" for h in horizons]
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
        empty["customer_key"] = empty["customer_key"].astype("string")
        for c in (
            "probability_alive",
            "expected_order_value",
            "predicted_clv",
            "frequency",
            "monetary_value",
            "predicted_orders",
        ):
            empty[c] = pd.Series(dtype="float64")
        empty["clv_tier"] = pd.Series(dtype="string")
        return empty
    predictions = predict_clv(
        summary,
        bgnbd,
        gamma_gamma,
        horizon_days=horizon,
        discount_rate_annual=float(dbt.config.get("clv_discount_rate") or 0.10),
        time_unit=time_unit,
        horizons=horizons,
    )
    predictions = predictions.merge(
        summary[["customer_key", "frequency", "monetary_value"]], on="customer_key"
    )
    predictions["predicted_orders"] = predictions[f"expected_purchases_{horizon}d"]
    return predictions
