"""Per-buyer CLV predictions from the fitted parameters in int_clv_model_params (no refit):
expected purchases and CLV from BG/NBD and Gamma-Gamma; P(alive) and the days to the next order
(given alive) from the model int_clv_model_params marks is_alive_model.

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
    alive_rows = params[params["is_alive_model"].astype(bool)]
    alive_name = str(alive_rows["model"].iloc[0]) if len(alive_rows) else "bgnbd"
    alive = fit_from_params_frame(params, alive_name)
    horizons = tuple(sorted({30, 90, 365, horizon}))
    if not (bgnbd.converged and gamma_gamma.converged and alive.converged):
        # no usable fit (see clv_model_params.fit_message): an empty table with the same columns
        columns = ["customer_key"] + [f"expected_purchases_{h}d" for h in horizons]
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
        empty["customer_key"] = empty["customer_key"].astype("string")
        for c in (
            "probability_alive",
            "days_to_next_order",
            "expected_order_value",
            "predicted_clv",
            "frequency",
            "monetary_value",
            "predicted_orders",
        ):
            empty[c] = pd.Series(dtype="float64")
        empty["clv_tier"] = pd.Series(dtype="string")
        empty["probability_alive_model"] = pd.Series(dtype="string")
        return empty
    predictions = predict_clv(
        summary,
        bgnbd,
        gamma_gamma,
        horizon_days=horizon,
        discount_rate_annual=float(dbt.config.get("clv_discount_rate") or 0.10),
        time_unit=time_unit,
        horizons=horizons,
        alive=alive,
    )
    predictions = predictions.merge(
        summary[["customer_key", "frequency", "monetary_value"]], on="customer_key"
    )
    predictions["predicted_orders"] = predictions[f"expected_purchases_{horizon}d"]
    predictions["probability_alive_model"] = alive_name
    predictions["probability_alive_model"] = predictions["probability_alive_model"].astype("string")
    return predictions
