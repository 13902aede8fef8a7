"""Calibration of each task's chosen model on the holdout: mean predicted vs observed rate per
decile of predicted probability. Thin shim over lifecycle.modelling.evaluation."""

import pandas as pd

from lifecycle.modelling.evaluation import calibration_table
from lifecycle.modelling.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    tables = []
    # dbt needs literal ref names to build the DAG
    task_scores = {
        "purchase": to_pandas(dbt.ref("int_purchase_model_scores")),
        "churn": to_pandas(dbt.ref("int_churn_model_scores")),
    }
    for task, scores in task_scores.items():
        holdout = scores[(scores["role"] == "holdout") & scores["is_chosen"]]
        if holdout.empty:
            continue
        table = calibration_table(
            holdout["label"].to_numpy(), holdout["probability"].to_numpy(), holdout["customer_key"].to_numpy()
        )
        table.insert(0, "task", task)
        table.insert(1, "model", holdout["model"].iloc[0])
        tables.append(table)
    columns = ["task", "model", "decile", "customers", "mean_predicted", "observed_rate"]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)
