"""Backtest metrics of every model and baseline of every task: one row per task x model x fold
(holdout snapshot) x metric, read from int_classifier_backtests (nothing is retrained here); the
chosen model is the one int_classifier_fits published. Thin shim over lifecycle.modelling."""

from lifecycle.modelling.evaluation import evaluation_rows
from lifecycle.modelling.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    backtests = to_pandas(dbt.ref("int_classifier_backtests"))
    fits = to_pandas(dbt.ref("int_classifier_fits"))
    return evaluation_rows(backtests, fits)
