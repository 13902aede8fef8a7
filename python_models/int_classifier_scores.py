"""Purchase and churn probability of every buyer as of as_of_date, one row per buyer, from the
fitted models of int_classifier_fits (no training here): the scoring snapshot is read as Arrow,
its BG/NBD features come from int_snapshot_bgnbd_params, and both tasks are scored in one pass.
purchase_predictions and churn_predictions publish it.

Thin shim over lifecycle.modelling.classifiers."""

import pandas as pd

from lifecycle.modelling.classifiers import SNAPSHOT_COLUMNS, TASKS, decile_of, score, task_data
from lifecycle.modelling.frames import read_arrow, to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    scoring = read_arrow(dbt.ref("int_customer_feature_snapshots"), SNAPSHOT_COLUMNS, "is_scoring_snapshot")
    params = to_pandas(dbt.ref("int_snapshot_bgnbd_params"))
    fits = {row["task"]: row for row in to_pandas(dbt.ref("int_classifier_fits")).to_dict("records")}
    out = None
    for task in TASKS:
        fit = fits[task]
        data = task_data(scoring, params, task, int(fit["horizon_days"]), label=False)
        probability = score(data, fit)
        if out is None:
            out = pd.DataFrame(
                {"customer_key": data.keys, "snapshot_date": data.dates.astype("datetime64[us]")}
            )
        out[f"{task}_probability"] = probability
        out[f"{task}_decile"] = decile_of(probability, data.keys).astype("int64")
        out[f"{task}_model"] = str(fit["model"])
        out[f"{task}_model_version"] = str(fit["model_version"])
        out[f"{task}_horizon_days"] = int(fit["horizon_days"])
    out["customer_key"] = out["customer_key"].astype("string")
    for task in TASKS:
        for c in (f"{task}_model", f"{task}_model_version"):
            out[c] = out[c].astype("string")
    return out
