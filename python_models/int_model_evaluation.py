"""Holdout metrics for every model and baseline of every task: one row per model x metric.

Reads the holdout scores written by int_purchase_model_scores and int_churn_model_scores, so
nothing is retrained here. Thin shim over lifecycle.modelling.evaluation."""

import pandas as pd

from lifecycle.modelling.evaluation import metrics
from lifecycle.modelling.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    rows = []
    # dbt needs literal ref names to build the DAG
    task_scores = {
        "purchase": to_pandas(dbt.ref("int_purchase_model_scores")),
        "churn": to_pandas(dbt.ref("int_churn_model_scores")),
    }
    for task, scores in task_scores.items():
        holdout = scores[scores["role"] == "holdout"]
        for name, group in holdout.groupby("model", sort=True):
            snapshot = str(group["snapshot_date"].iloc[0])[:10]
            for metric, value in metrics(group["label"].to_numpy(), group["probability"].to_numpy()).items():
                rows.append(
                    {
                        "task": task,
                        "model": name,
                        "model_role": "chosen"
                        if bool(group["is_chosen"].iloc[0])
                        else ("baseline" if name in ("recency_baseline", "bgnbd") else "candidate"),
                        "metric": metric,
                        "value": value,
                        "holdout_snapshot": snapshot,
                        "holdout_customers": int(len(group)),
                    }
                )
    columns = ["task", "model", "model_role", "metric", "value", "holdout_snapshot", "holdout_customers"]
    return pd.DataFrame(rows, columns=columns)
