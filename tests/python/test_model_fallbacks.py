"""The classifiers on snapshots that leave nothing to learn from (issue 20): an as-of date moved
months past the data by a wrong device clock left a holdout snapshot where nobody bought, and
`min()` of no eligible model crashed both Python models. They now fall back to BG/NBD and say so
(TrainResult.note, printed in the dbt log); an empty snapshot table gives an empty score table."""

from __future__ import annotations

import numpy as np
from test_classifiers import synthetic_snapshots

from lifecycle.modelling.classifiers import train_and_score


def test_a_holdout_with_one_class_falls_back_to_bgnbd():
    data = synthetic_snapshots(n=300, snapshots=4)
    labelled = sorted(data.loc[data["purchased_within_horizon"].notna(), "snapshot_date"].unique())
    # the latest labelled snapshot (the holdout): nobody bought, as when as_of_date runs far ahead
    data.loc[data["snapshot_date"] == labelled[-1], "purchased_within_horizon"] = 0.0
    result = train_and_score(data, "purchased_within_horizon", "purchase")
    assert result.chosen_model == "bgnbd"
    score = result.scores[result.scores["role"] == "score"]
    assert len(score) == 300 and score["probability"].between(0, 1).all()
    assert "one class" in result.note


def test_an_empty_snapshot_table_gives_no_scores():
    empty = synthetic_snapshots(n=10, snapshots=2).iloc[0:0]
    result = train_and_score(empty, "purchased_within_horizon", "purchase")
    assert result.scores.empty
    assert {"customer_key", "probability", "model", "role", "decile"} <= set(result.scores.columns)


def test_no_scoring_snapshot_still_evaluates_the_holdout():
    data = synthetic_snapshots(n=200, snapshots=3)
    data = data[~data["is_scoring_snapshot"]]
    result = train_and_score(data, "purchased_within_horizon", "purchase")
    assert (result.scores["role"] == "score").sum() == 0
    assert (result.scores["role"] == "holdout").sum() > 0
    assert np.isfinite(result.scores["probability"]).all()
    assert "no as-of snapshot" in result.note
