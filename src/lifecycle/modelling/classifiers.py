"""Purchase and churn probability from feature snapshots, chosen by rolling-origin backtests.

Snapshots are month ends (int_customer_snapshot_features) plus as_of_date, the one scored. A
snapshot's label is *matured* once its whole horizon lies before the as-of time. The protocol
simulates what scoring on as_of_date will face, several times over:

* folds: each of the latest `folds` matured snapshots is a holdout; its model trains only on the
  snapshots whose labels had matured by the holdout's date (snapshot + horizon <= holdout), so no
  training label reaches past the moment the holdout is scored - exactly as at the real as-of
  date, where the newest matured snapshot is a horizon old;
* candidates: logistic regression and gradient boosting on features that do not grow with the age
  of a cohort (ratios, logs, windows of fixed length and the BG/NBD outputs of a BG/NBD fitted on
  each snapshot's own history), both fitted by log loss; baselines: BG/NBD's own probability and
  recency alone (isotonic on the training snapshots);
* choice: the best mean ROC AUC over the folds among the models whose mean AUC is at least
  BG/NBD's, so the published model never ranks worse than BG/NBD on the folds (on data that
  follow a buy-till-you-die process that is often BG/NBD itself); ties keep the simpler model;
* the winner is refitted on every matured snapshot and scores the as-of snapshot.

No CalibratedClassifierCV (it fitted every model three more times): both candidates are fitted
by log loss, and calibration is checked out of time on every fold (model_evaluation's
calibration_ratio = mean predicted / observed rate; the latest fold is the newest evidence).

The fitted winner is persisted (int_classifier_fits) with a fingerprint of its training data:
a build whose training rows, features and settings are unchanged reuses it, so a daily build
scores without retraining; a new matured snapshot or a changed history retrains.

BG/NBD churn score: the exact P(no purchase in the horizon | history) (btyd.
probability_of_no_purchase), never 1 - P(alive): P(alive) is 1 for every one-time buyer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import pickle
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from lifecycle.modelling.btyd import (
    ClvFitError,
    Fit,
    _bgnbd,
    expected_purchases,
    fit_bgnbd_grouped,
    probability_of_no_purchase,
)
from lifecycle.modelling.evaluation import deciles, fold_metrics

TASKS = {"purchase": "purchased_within_horizon", "churn": "churned_within_horizon"}
# what the models read of int_customer_feature_snapshots
SNAPSHOT_COLUMNS = [
    "customer_key",
    "snapshot_date",
    "days_since_last_order",
    "orders_90d",
    "orders_prior_90d",
    "average_order_value",
    "discount_share",
    "events_30d",
    "product_views_30d",
    "cart_adds_30d",
    "frequency",
    "recency_days",
    "t_days",
]
# Model inputs. None grows with tenure by itself: lifetime counts and tenure would mean something
# else for a young cohort (the training snapshots) than for an older one (the scored snapshot).
FEATURES = [
    "log_days_since_last_order",
    "recency_ratio",  # last purchase day / tenure: where in the buyer's life the last order lies
    "log_frequency",
    "purchase_rate",  # repeat purchase days per 365 days of tenure
    "orders_90d",
    "orders_prior_90d",
    "log_average_order_value",
    "discount_share",
    "log_events_30d",
    "log_product_views_30d",
    "log_cart_adds_30d",
    "bgnbd_logit_purchase",  # logit of BG/NBD's P(order within the horizon)
    "bgnbd_log_expected_purchases",
    "bgnbd_probability_alive",
]
CANDIDATES = ("logistic_regression", "gradient_boosting")
BASELINES = ("bgnbd", "recency_baseline")
# Order of preference on a tie: the simpler model first.
PREFERENCE = ("bgnbd", "logistic_regression", "gradient_boosting", "recency_baseline")
MAX_TRAINING_ROWS = 100_000  # labelled rows read (a deterministic sample beyond): more barely moves AUC
# Bump when the protocol, the features or a candidate's settings change: old fits are then not reused.
PROTOCOL_VERSION = 2
_EPS = 1e-6


@dataclass
class TaskData:
    """One task's rows as numpy: features (float32), labels, and what the baselines need."""

    keys: np.ndarray  # customer_key (object)
    dates: np.ndarray  # snapshot_date (datetime64[D])
    X: np.ndarray  # float32, len(FEATURES) columns
    y: np.ndarray | None  # int8 labels (None for the scoring snapshot)
    days_since_last_order: np.ndarray
    bgnbd_probability: np.ndarray  # P(label = 1) under the snapshot's BG/NBD

    def subset(self, mask: np.ndarray) -> TaskData:
        return TaskData(
            self.keys[mask],
            self.dates[mask],
            self.X[mask],
            None if self.y is None else self.y[mask],
            self.days_since_last_order[mask],
            self.bgnbd_probability[mask],
        )

    def __len__(self) -> int:
        return len(self.keys)


@dataclass
class FitCounter:
    """How many classifiers were fitted (tests check that a reused fit fits nothing)."""

    fits: int = 0
    by_model: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, name: str) -> None:
        with self._lock:  # the tasks fit in threads (fit_tasks_concurrently)
            self.fits += 1
            self.by_model[name] = self.by_model.get(name, 0) + 1


FITS = FitCounter()


# --- BG/NBD per snapshot -------------------------------------------------------------------------


def snapshot_signature(grouped: pd.DataFrame) -> str:
    """Fingerprint of one snapshot's (frequency, recency_days, t_days, customers) rows."""
    rows = grouped.sort_values(["frequency", "recency_days", "t_days"], kind="stable")
    payload = rows[["frequency", "recency_days", "t_days", "customers"]].to_numpy(dtype=np.int64).tobytes()
    return hashlib.sha256(payload).hexdigest()[:16]


def fit_snapshot_params(grouped: pd.DataFrame, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """A BG/NBD (in days) per snapshot from rows (snapshot_date, frequency, recency_days, t_days,
    customers). A snapshot whose rows are unchanged since the previous build (same signature)
    keeps its earlier fit. One row per snapshot: r, alpha, a, b (null when the fit failed)."""
    kept = {}
    if previous is not None and len(previous):
        kept = {(str(r.snapshot_date)[:10], r.input_signature): r for r in previous.itertuples()}
    rows = []
    for snapshot, group in grouped.groupby("snapshot_date", sort=True):
        signature = snapshot_signature(group)
        earlier = kept.get((str(snapshot)[:10], signature))
        if earlier is not None:
            rows.append({c: getattr(earlier, c) for c in PARAM_COLUMNS})
            continue
        row = {
            "snapshot_date": snapshot,
            "input_signature": signature,
            "customers": int(group["customers"].sum()),
        }
        summary = pd.DataFrame(
            {
                "frequency": group["frequency"].astype(float).to_numpy(),
                "recency": group["recency_days"].astype(float).to_numpy(),
                "T": group["t_days"].astype(float).to_numpy(),
                "weight": group["customers"].astype(float).to_numpy(),
            }
        )
        try:
            fit = fit_bgnbd_grouped(summary)
            row.update({k: fit.params[k] for k in ("r", "alpha", "a", "b")})
            row.update(converged=True, fit_message=None)
        except ClvFitError as err:
            row.update(r=np.nan, alpha=np.nan, a=np.nan, b=np.nan, converged=False, fit_message=str(err))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=PARAM_COLUMNS)
    frame["snapshot_date"] = pd.to_datetime(frame["snapshot_date"]).astype("datetime64[us]")
    frame["converged"] = frame["converged"].astype(bool)
    frame["customers"] = frame["customers"].astype("int64")
    for c in ("r", "alpha", "a", "b"):
        frame[c] = frame[c].astype(float)
    frame["input_signature"] = frame["input_signature"].astype("string")
    frame["fit_message"] = frame["fit_message"].astype("string")
    return frame


PARAM_COLUMNS = [
    "snapshot_date",
    "r",
    "alpha",
    "a",
    "b",
    "customers",
    "converged",
    "fit_message",
    "input_signature",
]


def _params_by_date(params: pd.DataFrame) -> dict[np.datetime64, Fit]:
    fits = {}
    for row in params.itertuples():
        if not bool(row.converged):
            continue
        fits[np.datetime64(pd.Timestamp(row.snapshot_date).date(), "D")] = Fit(
            model="bgnbd",
            params={k: float(getattr(row, k)) for k in ("r", "alpha", "a", "b")},
            n_customers=int(row.customers),
            log_likelihood=float("nan"),
            penalizer_coef=0.0,
            converged=True,
        )
    return fits


def bgnbd_outputs(
    frequency: np.ndarray, recency: np.ndarray, t: np.ndarray, fit: Fit, horizon_days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(alive), expected purchases and P(no purchase) within the horizon (days) per row."""
    summary = pd.DataFrame({"frequency": frequency, "recency": recency, "T": t})
    alive = np.array(
        _bgnbd(fit).conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"]),
        dtype=float,
    )
    with np.errstate(all="ignore"):
        expected = np.array(expected_purchases(summary, fit, horizon_days), dtype=float)
    no_purchase = np.array(probability_of_no_purchase(summary, fit, horizon_days), dtype=float)
    # lifetimes' hypergeometric term is NaN for some buyers of the snapshot day itself (T = 0):
    # the expected count of a Poisson with P(none) = no_purchase is a close stand-in there
    bad = ~np.isfinite(expected)
    expected[bad] = -np.log(np.clip(no_purchase[bad], _EPS, 1.0))
    return alive, expected, no_purchase


# --- features ------------------------------------------------------------------------------------


def _column(table: pa.Table | pd.DataFrame, name: str, dtype=np.float64) -> np.ndarray:
    if isinstance(table, pd.DataFrame):
        if dtype is object:
            return table[name].to_numpy(dtype=object)
        return table[name].to_numpy(dtype=dtype, na_value=np.nan)
    column = table.column(name)
    if dtype is object:
        return np.asarray(column.to_pylist(), dtype=object)
    return column.to_numpy(zero_copy_only=False).astype(dtype)


def task_data(
    table: pa.Table | pd.DataFrame, params: pd.DataFrame, task: str, horizon_days: int, label: bool = True
) -> TaskData:
    """Feature matrix (float32) of the rows of `table` for `task`, sorted by (snapshot, key), the
    BG/NBD outputs from the snapshot's own fit (`params`, fit_snapshot_params)."""
    keys = _column(table, "customer_key", object)
    dates = (
        _column(table, "snapshot_date", "datetime64[D]")
        if isinstance(table, pa.Table)
        else (pd.to_datetime(table["snapshot_date"]).to_numpy().astype("datetime64[D]"))
    )
    order = np.lexsort((keys.astype(str), dates))
    keys, dates = keys[order], dates[order]

    def col(name: str) -> np.ndarray:
        values = _column(table, name)[order]
        return np.where(np.isfinite(values), values, 0.0)

    days_since_last = col("days_since_last_order")
    frequency, recency, t = col("frequency"), col("recency_days"), col("t_days")
    alive = np.ones(len(keys))
    expected = np.zeros(len(keys))
    no_purchase = np.ones(len(keys))
    fits = _params_by_date(params)
    for date in np.unique(dates):
        rows = dates == date
        fit = fits.get(date)
        if fit is None:  # BG/NBD could not be fitted on this snapshot: nobody expected to buy
            continue
        alive[rows], expected[rows], no_purchase[rows] = bgnbd_outputs(
            frequency[rows], recency[rows], t[rows], fit, horizon_days
        )
    purchase = np.clip(1 - no_purchase, _EPS, 1 - _EPS)
    features = {
        "log_days_since_last_order": np.log1p(days_since_last),
        "recency_ratio": recency / np.maximum(t, 1.0),
        "log_frequency": np.log1p(frequency),
        "purchase_rate": frequency / np.maximum(t, 1.0) * 365.0,
        "orders_90d": col("orders_90d"),
        "orders_prior_90d": col("orders_prior_90d"),
        "log_average_order_value": np.log1p(np.maximum(col("average_order_value"), 0.0)),
        "discount_share": col("discount_share"),
        "log_events_30d": np.log1p(col("events_30d")),
        "log_product_views_30d": np.log1p(col("product_views_30d")),
        "log_cart_adds_30d": np.log1p(col("cart_adds_30d")),
        "bgnbd_logit_purchase": np.log(purchase / (1 - purchase)),
        "bgnbd_log_expected_purchases": np.log(np.maximum(expected, _EPS)),
        "bgnbd_probability_alive": alive,
    }
    X = np.column_stack([features[f] for f in FEATURES]).astype(np.float32)
    y = None
    if label:
        y = _column(table, TASKS[task])[order].astype(np.int8)
    bgnbd_probability = no_purchase if task == "churn" else 1 - no_purchase
    return TaskData(keys, dates, X, y, days_since_last.astype(np.float32), bgnbd_probability)


def add_bgnbd_feature(snapshots: pd.DataFrame, horizon_days: int) -> pd.DataFrame:
    """Every snapshot row with the model FEATURES added, from a BG/NBD fitted per snapshot on its
    own rows (so no feature sees data after its snapshot); rows sorted by (snapshot, key)."""
    grouped = (
        snapshots.groupby(["snapshot_date", "frequency", "recency_days", "t_days"], as_index=False)
        .size()
        .rename(columns={"size": "customers"})
    )
    data = task_data(snapshots, fit_snapshot_params(grouped), "purchase", horizon_days, label=False)
    out = snapshots.assign(
        _date=pd.to_datetime(snapshots["snapshot_date"]).to_numpy().astype("datetime64[D]")
    )
    out = (
        out.sort_values(["_date", "customer_key"], kind="stable").drop(columns="_date").reset_index(drop=True)
    )
    for i, name in enumerate(FEATURES):
        out[name] = data.X[:, i].astype(float)
    return out


# --- models --------------------------------------------------------------------------------------


def _candidate(name: str, random_state: int):
    if name == "logistic_regression":
        return make_pipeline(
            StandardScaler(), LogisticRegression(C=1.0, max_iter=2000, random_state=random_state)
        )
    if name == "gradient_boosting":
        # shallow trees and a slow rate: probabilities that hold out of time without a
        # calibration refit (min_samples_leaf keeps leaves large enough to be estimates)
        return HistGradientBoostingClassifier(
            max_iter=200,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=100,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=random_state,
        )
    raise ValueError(f"unknown candidate {name}")


class RecencyBaseline:
    """Isotonic map from days since the last order to a probability, fitted on training rows."""

    def __init__(self, task: str) -> None:
        self.task = task
        self.iso = IsotonicRegression(out_of_bounds="clip", y_min=1e-4, y_max=1 - 1e-4)

    def _score(self, data: TaskData) -> np.ndarray:
        days = data.days_since_last_order.astype(float)
        return days if self.task == "churn" else -days

    def fit(self, data: TaskData) -> RecencyBaseline:
        self.iso.fit(self._score(data), data.y)
        return self

    def predict(self, data: TaskData) -> np.ndarray:
        return self.iso.predict(self._score(data))


def fit_model(name: str, data: TaskData, task: str, random_state: int):
    """The fitted model `name` on `data` (None for BG/NBD, which needs no training)."""
    if name == "bgnbd":
        return None
    FITS.add(name)
    if name == "recency_baseline":
        return RecencyBaseline(task).fit(data)
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        # single-threaded: HistGradientBoosting's OpenMP threads spin-wait next to DuckDB and
        # other dbt threads (2 cores under load, 125k rows: 8 s with one thread, 52 s with two);
        # the results do not depend on the thread count
        warnings.simplefilter("ignore")
        return _candidate(name, random_state).fit(data.X, data.y)


T = TypeVar("T")


def fit_tasks_concurrently(jobs: dict[str, Callable[[], T]]) -> dict[str, T]:
    """Each task's fits (`jobs`, by task) in a thread of its own; the results by task, in the
    order of `jobs`; a job's error is raised here. The purchase and churn fits are independent
    and scikit-learn releases the GIL in its compiled loops, so the two tasks take about the
    time of one where the build leaves a core idle (it does at the end of a build, where these
    models are the last chain). The caller reads DuckDB first: a connection is not used from two
    threads. The BLAS thread limit and the warnings filter are process-wide and fit_model changes
    both on entry and restores them on exit, so this thread holds the same settings around all
    the threads: whichever fit ends first restores a single-threaded, silenced state, never the
    settings from before (nor leaves "ignore everything" behind)."""
    if len(jobs) <= 1:
        return {task: job() for task, job in jobs.items()}
    with (
        warnings.catch_warnings(),
        threadpool_limits(limits=1),
        ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="lifecycle-fit") as pool,
    ):
        warnings.simplefilter("ignore")
        futures = {task: pool.submit(job) for task, job in jobs.items()}
        return {task: future.result() for task, future in futures.items()}


def predict(name: str, model, data: TaskData) -> np.ndarray:
    if name == "bgnbd":
        return np.asarray(data.bgnbd_probability, dtype=float)
    if name == "recency_baseline":
        return model.predict(data)
    with threadpool_limits(limits=1):
        return model.predict_proba(data.X)[:, 1].astype(float)


# --- protocol ------------------------------------------------------------------------------------


def matured(snapshot: np.datetime64, moment: np.datetime64, horizon_days: int) -> bool:
    """The label of `snapshot` is fully observed at `moment` (both snapshot dates): its horizon,
    starting the midnight after the snapshot, ends by the midnight after `moment`."""
    return snapshot + np.timedelta64(horizon_days, "D") <= moment


def fold_plan(dates: np.ndarray, horizon_days: int, folds: int) -> list[tuple[np.datetime64, list]]:
    """(holdout snapshot, training snapshots) for the latest `folds` labelled snapshots that have
    at least one snapshot matured before them."""
    labelled = sorted(np.unique(dates))
    plan = []
    for holdout in reversed(labelled):
        train = [d for d in labelled if matured(d, holdout, horizon_days)]
        if train:
            plan.append((holdout, train))
        if len(plan) == folds:
            break
    return list(reversed(plan))


def fingerprint(data: TaskData, task: str, horizon_days: int, folds: int, random_state: int) -> str:
    """Hash of everything a fit depends on: rows, features, labels, settings, library versions."""
    digest = hashlib.sha256()
    settings = {
        "task": task,
        "horizon_days": horizon_days,
        "folds": folds,
        "random_state": random_state,
        "features": FEATURES,
        "protocol": PROTOCOL_VERSION,
        "sklearn": sklearn.__version__,
        "max_rows": MAX_TRAINING_ROWS,
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    digest.update("\x1f".join(map(str, data.keys)).encode())
    digest.update(data.dates.astype("int64").tobytes())
    digest.update(np.ascontiguousarray(data.X).tobytes())
    if data.y is not None:
        digest.update(data.y.tobytes())
    digest.update(np.asarray(data.bgnbd_probability, dtype=np.float64).tobytes())
    return digest.hexdigest()[:16]


BACKTEST_COLUMNS = [
    "task",
    "holdout_snapshot",
    "model",
    "customer_key",
    "probability",
    "label",
    "training_snapshots",
    "training_rows",
    "horizon_days",
    "training_fingerprint",
]


def backtest(data: TaskData, task: str, horizon_days: int, folds: int, random_state: int) -> pd.DataFrame:
    """Holdout scores of every candidate and baseline on each fold (fold_plan)."""
    parts = []
    for holdout_date, train_dates in fold_plan(data.dates, horizon_days, folds):
        train = data.subset(np.isin(data.dates, train_dates))
        holdout = data.subset(data.dates == holdout_date)
        if len(np.unique(train.y)) < 2 or len(holdout) == 0:
            continue
        for name in BASELINES + CANDIDATES:
            probability = predict(name, fit_model(name, train, task, random_state), holdout)
            parts.append(
                pd.DataFrame(
                    {
                        "task": task,
                        "holdout_snapshot": holdout.dates.astype("datetime64[us]"),
                        "model": name,
                        "customer_key": holdout.keys,
                        "probability": probability,
                        "label": holdout.y.astype("int64"),
                        "training_snapshots": len(train_dates),
                        "training_rows": len(train),
                        "horizon_days": horizon_days,
                    }
                )
            )
    if not parts:
        return empty_backtests()
    return pd.concat(parts, ignore_index=True)


def empty_backtests() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in BACKTEST_COLUMNS})
    for c in ("task", "model", "customer_key", "training_fingerprint"):
        frame[c] = frame[c].astype("string")
    for c in ("label", "training_snapshots", "training_rows", "horizon_days"):
        frame[c] = frame[c].astype("int64")
    frame["holdout_snapshot"] = frame["holdout_snapshot"].astype("datetime64[us]")
    return frame


def choose_model(backtests: pd.DataFrame, task: str) -> tuple[str, str]:
    """The chosen model of `task` and why: the best mean ROC AUC over the folds among models whose
    mean AUC is at least BG/NBD's (ties: the simpler model). BG/NBD without folds."""
    rows = backtests[backtests["task"] == task]
    if rows.empty:
        return "bgnbd", "no backtest fold yet (too little matured history): BG/NBD's own probability"
    table = fold_metrics(rows)
    mean_auc = table.groupby("model")["roc_auc"].mean()
    folds = table["holdout_snapshot"].nunique()
    if not np.isfinite(mean_auc.get("bgnbd", np.nan)):
        return "bgnbd", "the folds hold one class only: BG/NBD's own probability"
    floor = mean_auc["bgnbd"]
    eligible = [m for m in PREFERENCE if m != "recency_baseline" and m in mean_auc and mean_auc[m] >= floor]
    best = max(eligible, key=lambda m: (round(float(mean_auc[m]), 12), -PREFERENCE.index(m)))
    return best, (
        f"best mean ROC AUC over {folds} fold(s) ({mean_auc[best]:.4f}) among the models at least as "
        f"good as BG/NBD ({floor:.4f})"
    )


# --- persisted fits ------------------------------------------------------------------------------

FIT_COLUMNS = [
    "task",
    "model",
    "model_version",
    "training_fingerprint",
    "horizon_days",
    "training_snapshots",
    "training_rows",
    "chosen_because",
    "sklearn_version",
    "payload",
]


def serialize(model) -> str:
    return base64.b64encode(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)).decode("ascii")


def deserialize(payload: str | None):
    # our own warehouse table, written by int_classifier_fits (whoever can write it runs code anyway)
    if payload is None or pd.isna(payload) or payload == "":
        return None
    return pickle.loads(base64.b64decode(payload))  # noqa: S301


def fit_or_reuse(
    data: TaskData,
    task: str,
    horizon_days: int,
    folds: int,
    random_state: int,
    backtests: pd.DataFrame,
    previous: pd.DataFrame | None,
) -> dict:
    """The chosen model of `task` refitted on every matured snapshot, as a row of int_classifier_
    fits; the previous build's row when its training fingerprint is the same (no refit)."""
    training_print = fingerprint(data, task, horizon_days, folds, random_state)
    same = reusable_rows(previous, task, training_print)
    if len(same) == 1 and same["sklearn_version"].iloc[0] == sklearn.__version__:
        return {c: same[c].iloc[0] for c in FIT_COLUMNS}
    chosen, because = choose_model(backtests, task)
    model = None
    if chosen != "bgnbd" and len(np.unique(data.y)) == 2:
        model = fit_model(chosen, data, task, random_state)
    elif chosen != "bgnbd":
        chosen, because = "bgnbd", "the training rows hold one class only: BG/NBD's own probability"
    return {
        "task": task,
        "model": chosen,
        "model_version": f"{task}-{chosen}-{training_print}",
        "training_fingerprint": training_print,
        "horizon_days": horizon_days,
        "training_snapshots": int(len(np.unique(data.dates))),
        "training_rows": int(len(data)),
        "chosen_because": because,
        "sklearn_version": sklearn.__version__,
        "payload": serialize(model) if model is not None else None,
    }


def reusable_rows(previous: pd.DataFrame | None, task: str, training_fingerprint: str) -> pd.DataFrame:
    """The previous build's rows of `task` made from the same training data (none when the table
    is new, from an older version without fingerprints, or the data changed)."""
    if previous is None or "training_fingerprint" not in previous.columns or "task" not in previous.columns:
        return pd.DataFrame()
    return previous[(previous["task"] == task) & (previous["training_fingerprint"] == training_fingerprint)]


def fits_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=FIT_COLUMNS)
    for c in (
        "task",
        "model",
        "model_version",
        "training_fingerprint",
        "chosen_because",
        "sklearn_version",
        "payload",
    ):
        frame[c] = frame[c].astype("string")
    for c in ("horizon_days", "training_snapshots", "training_rows"):
        frame[c] = frame[c].astype("int64")
    return frame


def score(data: TaskData, fit_row: dict) -> np.ndarray:
    """Probabilities of the scoring rows from a row of int_classifier_fits."""
    if len(data) == 0:  # no as-of snapshot to score (scikit-learn refuses zero rows)
        return np.zeros(0)
    name = str(fit_row["model"])
    model = deserialize(fit_row.get("payload"))
    if name != "bgnbd" and model is None:
        raise ValueError(f"int_classifier_fits holds no fitted {name} for {fit_row['task']}")
    return np.clip(predict(name, model, data), 0.0, 1.0)


def decile_of(probability: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Deciles of the scoring rows (1 = the most likely 10%, ties by key): evaluation.deciles."""
    return deciles(probability, keys)


def training_filter(task: str, total: int) -> str:
    """SQL condition selecting `task`'s labelled rows, sampled deterministically by customer_key
    (an md5 hex text: its first 8 digits are uniform) to about MAX_TRAINING_ROWS. Whole buyers
    are kept or left out, so every snapshot holds the same buyers; engines compare text alike."""
    condition = f"{TASKS[task]} is not null"
    if total > MAX_TRAINING_ROWS:
        bound = int(MAX_TRAINING_ROWS / total * 16**8)
        condition += f" and substr(customer_key, 1, 8) < '{bound:08x}'"
    return condition


__all__ = [
    "BACKTEST_COLUMNS",
    "FEATURES",
    "FITS",
    "SNAPSHOT_COLUMNS",
    "TASKS",
    "TaskData",
    "add_bgnbd_feature",
    "backtest",
    "choose_model",
    "decile_of",
    "fingerprint",
    "fit_or_reuse",
    "fit_snapshot_params",
    "fits_frame",
    "reusable_rows",
    "fold_plan",
    "score",
    "task_data",
    "training_filter",
]
