"""Holdout metrics for probability models (the same for every model and baseline)."""

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
    frame = pd.DataFrame({"p": np.asarray(p, dtype=float), "key": np.asarray(keys)})
    order = frame.sort_values(["p", "key"], ascending=[False, True]).index.to_numpy()
    result = np.empty(len(frame), dtype=int)
    result[order] = np.arange(len(frame)) * 10 // max(1, len(frame)) + 1
    return result


def calibration_table(y: np.ndarray, p: np.ndarray, keys: np.ndarray) -> pd.DataFrame:
    """Mean predicted vs observed rate per decile of predicted probability."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "p": np.asarray(p, dtype=float)})
    frame["decile"] = deciles(p, keys)
    table = frame.groupby("decile").agg(
        customers=("y", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean")
    )
    return table.reset_index()
