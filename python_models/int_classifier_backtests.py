"""Rolling-origin backtests of the purchase and churn models: on each of the latest matured
snapshots (the folds), every candidate and baseline trained only on snapshots matured by then
scores the holdout; one row per task x fold x model x buyer (model_evaluation, the ROC and
calibration marts read it). Rows of a task are reused as they are when its training data have
the same fingerprint as in the previous build (nothing retrains on an unchanged history).

Thin shim over lifecycle.modelling.classifiers (tested with pytest)."""

import pandas as pd

from lifecycle.modelling.classifiers import (
    SNAPSHOT_COLUMNS,
    TASKS,
    backtest,
    empty_backtests,
    fingerprint,
    reusable_rows,
    task_data,
    training_filter,
)
from lifecycle.modelling.frames import count_rows, previous_table, read_arrow, to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    snapshots = dbt.ref("int_customer_feature_snapshots")
    params = to_pandas(dbt.ref("int_snapshot_bgnbd_params"))
    folds = int(dbt.config.get("backtest_folds"))
    random_state = int(dbt.config.get("random_state"))
    # literal config names: dbt reads them from the source code
    horizons = {
        "purchase": int(dbt.config.get("purchase_horizon_days")),
        "churn": int(dbt.config.get("churn_horizon_days")),
    }
    previous = previous_table(dbt, session)
    previous = previous.to_pandas() if previous is not None else None
    parts = []
    for task, label in TASKS.items():
        horizon = horizons[task]
        where = training_filter(task, count_rows(snapshots, f"{label} is not null"))
        data = task_data(read_arrow(snapshots, [*SNAPSHOT_COLUMNS, label], where), params, task, horizon)
        training_print = fingerprint(data, task, horizon, folds, random_state)
        rows = reusable_rows(previous, task, training_print)
        if rows.empty:
            rows = backtest(data, task, horizon, folds, random_state).assign(
                training_fingerprint=training_print
            )
        parts.append(rows)
    frame = pd.concat([empty_backtests(), *parts], ignore_index=True)
    return frame.astype(empty_backtests().dtypes.to_dict())
