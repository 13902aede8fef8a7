"""A BG/NBD (in days) per feature snapshot, fitted on that snapshot's own history: the BG/NBD
features of every classifier row come from here, so each snapshot is fitted once per build for
both tasks - and not at all when its rows are the same as in the previous build (a month end
that nothing late touched keeps its fit; only the scoring snapshot and changed ones refit).

Thin shim over lifecycle.modelling.classifiers.fit_snapshot_params."""

from lifecycle.modelling.classifiers import fit_snapshot_params
from lifecycle.modelling.frames import grouped_counts, previous_table


def model(dbt, session):
    dbt.config(materialized="table")
    # the engine groups the rows: only distinct (frequency, recency, T) per snapshot reach Python
    grouped = grouped_counts(
        dbt.ref("int_customer_snapshot_features"), ["snapshot_date", "frequency", "recency_days", "t_days"]
    )
    previous = previous_table(dbt, session)
    return fit_snapshot_params(grouped, previous.to_pandas() if previous is not None else None)
