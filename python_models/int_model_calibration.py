"""Calibration of each task's chosen model on the latest fold of the backtests (the newest
matured snapshot): mean predicted vs observed rate per decile of predicted probability.
Thin shim over lifecycle.modelling.evaluation."""

from lifecycle.modelling.evaluation import calibration_rows
from lifecycle.modelling.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    backtests = to_pandas(dbt.ref("int_classifier_backtests"))
    fits = to_pandas(dbt.ref("int_classifier_fits"))
    return calibration_rows(backtests, fits)
