"""Purchase model: holdout scores of every candidate and baseline, and the chosen model's
scores for the as-of snapshot (one long table; purchase_predictions and model_evaluation read it).

Thin shim: the modelling lives in lifecycle.modelling.classifiers (tested with pytest)."""

from lifecycle.modelling.classifiers import add_bgnbd_feature, train_and_score
from lifecycle.modelling.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    snapshots = to_pandas(dbt.ref("int_customer_feature_snapshots"))
    horizon = int(dbt.config.get("horizon_days"))
    random_state = int(dbt.config.get("random_state"))
    snapshots = add_bgnbd_feature(snapshots, horizon)
    return train_and_score(snapshots, "purchased_within_horizon", "purchase", random_state).scores
