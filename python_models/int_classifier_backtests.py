"""Rolling-origin backtests of the purchase and churn models: on each of the latest matured
snapshots (the folds), every candidate and baseline trained only on snapshots matured by then
scores the holdout; one row per task x fold x model x buyer (model_evaluation, the ROC and
calibration marts read it). Rows of a task are reused as they are when its training data have
the same fingerprint as in the previous build (nothing retrains on an unchanged history). The
tasks that do retrain fit in two threads (fit_tasks_concurrently).

Thin shim over lifecycle.modelling.classifiers (tested with pytest)."""

import functools

import pandas as pd

from lifecycle.modelling.classifiers import (
    SNAPSHOT_COLUMNS,
    TASKS,
    backtest,
    empty_backtests,
    fingerprint,
    fit_tasks_concurrently,
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
    parts, jobs, prints = {}, {}, {}
    for task, label in TASKS.items():
        horizon = horizons[task]
        where = training_filter(task, count_rows(snapshots, f"{label} is not null"))
        data = task_data(read_arrow(snapshots, [*SNAPSHOT_COLUMNS, label], where), params, task, horizon)
        prints[task] = fingerprint(data, task, horizon, folds, random_state)
        parts[task] = reusable_rows(previous, task, prints[task])
        if parts[task].empty:
            jobs[task] = functools.partial(backtest, data, task, horizon, folds, random_state)
    # DuckDB is read above, in this thread; the fits run in one thread per task
    for task, rows in fit_tasks_concurrently(jobs).items():
        parts[task] = rows.assign(training_fingerprint=prints[task])
    frame = pd.concat([empty_backtests(), *parts.values()], ignore_index=True)
    return frame.astype(empty_backtests().dtypes.to_dict())
