"""Holdout metrics for probability models (the same for every model and baseline), per backtest
fold, and the rows of model_evaluation and model_calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score


def lift_top_decile(y: np.ndarray, p: np.ndarray) -> float:
    """Positive rate among the top 10% by score / overall positive rate (ties by position)."""
    y = np.asarray(y, dtype=float)
    order = np.argsort(-np.asarray(p, dtype=float), kind="stable")
    top = order[: max(1, int(np.ceil(len(order) * 0.1)))]
    base = y.mean()
    return float(y[top].mean() / base) if base > 0 else float("nan")


def metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    y = np.asarray(y, dtype=int)
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    both_classes = len(np.unique(y)) == 2
    return {
        "roc_auc": float(roc_auc_score(y, p)) if both_classes else float("nan"),
        "pr_auc": float(average_precision_score(y, p)) if both_classes else float("nan"),
        "brier": float(brier_score_loss(y, p)),
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "lift_top_decile": lift_top_decile(y, p),
        "positive_rate": float(y.mean()),
    }


def deciles(p: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """1 = the highest 10% of probabilities; ties broken by key for determinism."""
    p = np.asarray(p, dtype=float)
    order = np.lexsort((np.asarray(keys).astype(str), -p))
    result = np.empty(len(p), dtype=int)
    result[order] = np.arange(len(p)) * 10 // max(1, len(p)) + 1
    return result


def calibration_table(y: np.ndarray, p: np.ndarray, keys: np.ndarray) -> pd.DataFrame:
    """Mean predicted vs observed rate per decile of predicted probability."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "p": np.asarray(p, dtype=float)})
    frame["decile"] = deciles(p, keys)
    table = frame.groupby("decile").agg(
        customers=("y", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean")
    )
    return table.reset_index()


BASELINES = ("bgnbd", "recency_baseline")
METRIC_NAMES = (
    "roc_auc",
    "pr_auc",
    "brier",
    "log_loss",
    "lift_top_decile",
    "positive_rate",
    "mean_predicted",
    "calibration_ratio",
)


def fold_metrics(backtests: pd.DataFrame) -> pd.DataFrame:
    """One row per task x model x holdout snapshot: evaluation.metrics plus the mean predicted
    probability and calibration_ratio (mean predicted / observed rate: 1 is calibrated in the
    large; 0.9-1.1 is within 10%)."""
    rows = []
    # a fixed row order: Brier and log loss are float means, and tables come back in no fixed order
    backtests = backtests.sort_values(["task", "model", "holdout_snapshot", "customer_key"], kind="stable")
    for (task, model, holdout), group in backtests.groupby(["task", "model", "holdout_snapshot"], sort=True):
        y = group["label"].to_numpy(dtype=int)
        p = group["probability"].to_numpy(dtype=float)
        values = metrics(y, p)
        values["mean_predicted"] = float(p.mean())
        values["calibration_ratio"] = float(p.mean() / y.mean()) if y.mean() > 0 else float("nan")
        rows.append(
            {"task": task, "model": model, "holdout_snapshot": holdout, "customers": len(group), **values}
        )
    columns = ["task", "model", "holdout_snapshot", "customers", *METRIC_NAMES]
    return pd.DataFrame(rows, columns=columns)


EVALUATION_COLUMNS = [
    "task",
    "model",
    "model_role",
    "metric",
    "value",
    "holdout_snapshot",
    "holdout_customers",
    "fold_number",
    "is_latest_fold",
    "training_snapshots",
    "horizon_days",
]


def _role(model: str, chosen: str | None) -> str:
    if model == chosen:
        return "chosen"
    return "baseline" if model in BASELINES else "candidate"


def evaluation_rows(backtests: pd.DataFrame, fits: pd.DataFrame) -> pd.DataFrame:
    """model_evaluation: one row per task x model x fold x metric (fold 1 = oldest holdout)."""
    chosen = dict(zip(fits["task"], fits["model"], strict=False)) if len(fits) else {}
    if backtests.empty:  # too little matured history for a fold
        return _typed_evaluation(pd.DataFrame(columns=EVALUATION_COLUMNS))
    table = fold_metrics(backtests)
    info = (
        backtests.groupby(["task", "holdout_snapshot"], as_index=False)
        .agg(training_snapshots=("training_snapshots", "max"), horizon_days=("horizon_days", "max"))
        .sort_values(["task", "holdout_snapshot"])
    )
    info["fold_number"] = info.groupby("task").cumcount() + 1
    info["is_latest_fold"] = info["fold_number"] == info.groupby("task")["fold_number"].transform("max")
    table = table.merge(info, on=["task", "holdout_snapshot"], how="left")
    rows = []
    for r in table.to_dict("records"):
        for metric in METRIC_NAMES:
            rows.append(
                {
                    "task": r["task"],
                    "model": r["model"],
                    "model_role": _role(r["model"], chosen.get(r["task"])),
                    "metric": metric,
                    "value": r[metric],
                    "holdout_snapshot": r["holdout_snapshot"],
                    "holdout_customers": int(r["customers"]),
                    "fold_number": int(r["fold_number"]),
                    "is_latest_fold": bool(r["is_latest_fold"]),
                    "training_snapshots": int(r["training_snapshots"]),
                    "horizon_days": int(r["horizon_days"]),
                }
            )
    return _typed_evaluation(pd.DataFrame(rows, columns=EVALUATION_COLUMNS))


def _typed_evaluation(frame: pd.DataFrame) -> pd.DataFrame:
    for c in ("task", "model", "model_role", "metric"):
        frame[c] = frame[c].astype("string")
    frame["value"] = frame["value"].astype(float)
    frame["holdout_snapshot"] = pd.to_datetime(frame["holdout_snapshot"]).astype("datetime64[us]")
    for c in ("holdout_customers", "fold_number", "training_snapshots", "horizon_days"):
        frame[c] = frame[c].astype("int64")
    frame["is_latest_fold"] = frame["is_latest_fold"].astype(bool)
    return frame


def latest_fold(backtests: pd.DataFrame) -> pd.DataFrame:
    """The rows of each task's newest holdout snapshot."""
    if backtests.empty:
        return backtests
    newest = backtests.groupby("task")["holdout_snapshot"].transform("max")
    return backtests[backtests["holdout_snapshot"] == newest]


def calibration_rows(backtests: pd.DataFrame, fits: pd.DataFrame) -> pd.DataFrame:
    """model_calibration: each task's chosen model on its latest fold, per decile."""
    columns = ["task", "model", "holdout_snapshot", "decile", "customers", "mean_predicted", "observed_rate"]
    tables = []
    latest = latest_fold(backtests).sort_values(["task", "model", "customer_key"], kind="stable")
    for fit in fits.to_dict("records"):
        rows = latest[(latest["task"] == fit["task"]) & (latest["model"] == fit["model"])]
        if rows.empty:
            continue
        table = calibration_table(
            rows["label"].to_numpy(), rows["probability"].to_numpy(), rows["customer_key"].to_numpy()
        )
        table.insert(0, "task", fit["task"])
        table.insert(1, "model", fit["model"])
        table.insert(2, "holdout_snapshot", rows["holdout_snapshot"].iloc[0])
        tables.append(table)
    frame = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)
    for c in ("task", "model"):
        frame[c] = frame[c].astype("string")
    frame["holdout_snapshot"] = pd.to_datetime(frame["holdout_snapshot"]).astype("datetime64[us]")
    frame["decile"] = frame["decile"].astype("int64")
    frame["customers"] = frame["customers"].astype("int64")
    for c in ("mean_predicted", "observed_rate"):
        frame[c] = frame[c].astype(float)
    return frame[columns]
