"""Each customer's hidden behaviour and the buy-till-you-die purchase process.

Purchase rate ~ Gamma(r, alpha), dropout after each purchase ~ Beta(a, b), order value
~ Gamma-Gamma, Nov/Dec seasonality by thinning. The true parameters are written to
`_truth/summary.json` so the CLV, churn and purchase models can be checked against them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lifecycle.generate.arrow import DAY, month_of

# True parameters of the simulated shop. BG/NBD in days; Gamma-Gamma order value in USD.
TRUE_PARAMS = {"r": 0.9, "alpha": 60.0, "a": 1.0, "b": 4.0, "p": 6.0, "q": 4.0, "v": 30.0}
SEASONALITY = np.array([0.8, 0.8, 0.9, 0.9, 1.0, 0.9, 0.9, 0.9, 1.0, 1.1, 1.6, 1.8])
S_MAX = float(SEASONALITY.max())


@dataclass
class Behaviour:
    """Latent traits, one entry per customer (never written to the raw files)."""

    lam: np.ndarray  # purchases per day while alive
    p_drop: np.ndarray  # probability of dropping out after each purchase
    nu: np.ndarray  # order value ~ Gamma(p, rate nu), USD
    discount_prone: np.ndarray  # uses discount codes often (in _truth/persons.csv)
    innovator: np.ndarray  # buys fresh product launches early (in _truth/persons.csv)
    buyer: np.ndarray  # ever buys at all


def draw_behaviour(rng: np.random.Generator, n: int) -> Behaviour:
    """The hidden traits of n customers; drawn right after the customers step."""
    tp = TRUE_PARAMS
    lam = np.clip(rng.gamma(tp["r"], 1 / tp["alpha"], n), 1e-5, 0.5)
    p_drop = rng.beta(tp["a"], tp["b"], n)
    nu = rng.gamma(tp["q"], 1 / tp["v"], n)
    discount_prone = rng.random(n) < 0.2
    innovator = rng.random(n) < 0.1
    buyer = rng.random(n) < 0.72
    return Behaviour(lam, p_drop, nu, discount_prone, innovator, buyer)


@dataclass
class Purchases:
    """The buy-till-you-die purchases of registered customers (campaign uplift comes later)."""

    cust: np.ndarray  # customer (index in the batch) of each purchase
    time: np.ndarray  # epoch seconds of each purchase
    n_orders: np.ndarray  # per customer: number of purchases
    first_order: np.ndarray  # per customer: first purchase, int64 max when none


def purchase_times(rng: np.random.Generator, end: int, signup: np.ndarray, behaviour: Behaviour) -> Purchases:
    """Simulate purchases from sign-up to `end`: first ~10 days after sign-up, then at rate
    lambda * season(month) (thinning), with a dropout chance after each purchase."""
    n = len(signup)
    who, when = [], []
    t = signup + rng.exponential(10 * DAY, n).astype(np.int64)
    alive = behaviour.buyer & (t < end)
    idx = np.nonzero(alive)[0]
    who.append(idx)
    when.append(t[idx])
    alive[idx[rng.random(len(idx)) < behaviour.p_drop[idx]]] = False
    t = t.astype(np.float64)
    while alive.any():
        act = np.nonzero(alive)[0]
        t[act] += rng.exponential(1.0, len(act)) / (behaviour.lam[act] * S_MAX) * DAY
        over = t[act] >= end
        alive[act[over]] = False
        act = act[~over]
        # thinning: the seasonal rate is lambda * s(month)
        accepted = act[rng.random(len(act)) < SEASONALITY[month_of(t[act].astype(np.int64))] / S_MAX]
        who.append(accepted)
        when.append(t[accepted].astype(np.int64))
        alive[accepted[rng.random(len(accepted)) < behaviour.p_drop[accepted]]] = False
    cust = np.concatenate(who)
    time = np.concatenate(when).astype(np.int64)
    n_orders = np.bincount(cust, minlength=n)
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, cust, time)
    return Purchases(cust, time, n_orders, first)
