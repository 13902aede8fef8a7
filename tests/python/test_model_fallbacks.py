"""The classifiers on snapshots that leave nothing to learn from (issue 20): an as-of date moved
months past the data by a wrong device clock left holdouts where nobody bought, and `min()` of no
eligible model crashed both Python models. They now fall back to BG/NBD and say why; no snapshot
to score gives no scores."""

from __future__ import annotations

import numpy as np
from test_classifiers import labelled, params_of, synthetic_snapshots

from lifecycle.modelling.classifiers import backtest, choose_model, fit_or_reuse, score, task_data


def test_folds_where_nobody_bought_fall_back_to_bgnbd():
    snapshots = synthetic_snapshots(n=300)
    # every labelled snapshot: nobody bought (the holdouts hold one class)
    snapshots.loc[snapshots["purchased_within_horizon"].notna(), "purchased_within_horizon"] = 0.0
    params = params_of(snapshots)
    data = task_data(labelled(snapshots), params, "purchase", 30)
    backtests = backtest(data, "purchase", 30, 3, 42)
    model, why = choose_model(backtests, "purchase")
    assert model == "bgnbd"
    assert "BG/NBD" in why
    row = fit_or_reuse(data, "purchase", 30, 3, 42, backtests, None)
    assert row["model"] == "bgnbd"
    scoring = task_data(snapshots[snapshots["is_scoring_snapshot"]], params, "purchase", 30, label=False)
    probability = score(scoring, row)
    assert len(probability) == 300 and np.all((probability >= 0) & (probability <= 1))


def test_no_snapshot_to_score_gives_no_scores():
    snapshots = synthetic_snapshots(n=200)
    params = params_of(snapshots)
    data = task_data(labelled(snapshots), params, "purchase", 30)
    backtests = backtest(data, "purchase", 30, 3, 42)
    row = fit_or_reuse(data, "purchase", 30, 3, 42, backtests, None)
    nothing = task_data(snapshots.iloc[0:0], params, "purchase", 30, label=False)
    assert len(nothing) == 0
    assert len(score(nothing, row)) == 0
