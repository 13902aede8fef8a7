"""The chosen purchase and churn models (int_classifier_backtests decides which), refitted on
every matured snapshot and stored with the fingerprint of their training data: one row per task
with the pickled model (base64). A build whose training data have the same fingerprint keeps the
previous build's row - scoring daily needs no retraining; a new matured snapshot, a changed
history or changed settings retrain (model_version changes with the fingerprint).

Thin shim over lifecycle.modelling.classifiers.fit_or_reuse."""

import functools

from lifecycle.modelling.classifiers import (
    SNAPSHOT_COLUMNS,
    TASKS,
    fit_or_reuse,
    fit_tasks_concurrently,
    fits_frame,
    task_data,
    training_filter,
)
from lifecycle.modelling.frames import count_rows, previous_table, read_arrow, to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    snapshots = dbt.ref("int_customer_feature_snapshots")
    params = to_pandas(dbt.ref("int_snapshot_bgnbd_params"))
    backtests = to_pandas(dbt.ref("int_classifier_backtests"))
    folds = int(dbt.config.get("backtest_folds"))
    random_state = int(dbt.config.get("random_state"))
    # literal config names: dbt reads them from the source code
    horizons = {
        "purchase": int(dbt.config.get("purchase_horizon_days")),
        "churn": int(dbt.config.get("churn_horizon_days")),
    }
    previous = previous_table(dbt, session)
    previous = previous.to_pandas() if previous is not None else None
    jobs = {}
    for task, label in TASKS.items():
        horizon = horizons[task]
        where = training_filter(task, count_rows(snapshots, f"{label} is not null"))
        data = task_data(read_arrow(snapshots, [*SNAPSHOT_COLUMNS, label], where), params, task, horizon)
        jobs[task] = functools.partial(
            fit_or_reuse, data, task, horizon, folds, random_state, backtests, previous
        )
    # DuckDB is read above, in this thread; the fits run in one thread per task
    return fits_frame(list(fit_tasks_concurrently(jobs).values()))
