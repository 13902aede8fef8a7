"""What customers do after buying: survey responses (CSAT, NPS), referrals and loyalty points.

All three read the orders, so they run after the orders step; loyalty also pays a bonus for each
converted referral, so referrals come before loyalty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lifecycle.generate.arrow import (
    DAY,
    HOUR,
    Contract,
    build_table,
    concat,
    ids,
    null_where,
    num,
    take,
    ts,
    where,
)
from lifecycle.generate.behaviour import Purchases
from lifecycle.generate.orders import Orders
from lifecycle.generate.shop import Batch

COMMENTS = {
    "good": [
        "Great service!",
        "Livraison rapide, très bien.",
        "Отлично, спасибо!",
        "非常好",
        "Super, mulțumesc!",
    ],
    "bad": ["Delivery was late.", "Produit abîmé à l'arrivée.", "Долгая доставка", "Nu a fost ce așteptam."],
}
LOYALTY_REASONS = ["purchase", "refund", "redemption", "anniversary", "referral"]


def _registered(orders: Orders) -> np.ndarray:
    """Orders placed by a logged-in customer (guest checkouts earn nothing and get no survey)."""
    return (orders.cust >= 0) & ~orders.as_guest


def make_survey_responses(
    rng: np.random.Generator,
    contract: Contract,
    batch: Batch,
    end: int,
    orders: Orders,
    purchases: Purchases,
    p_drop: np.ndarray,
) -> pa.Table:
    """CSAT after some completed orders, NPS once for some buyers; loyal people (low dropout
    probability) score higher."""
    t, status = orders.time, orders.status
    cc = np.maximum(orders.cust, 0)
    csat_o = np.nonzero(_registered(orders) & (status == 0) & (rng.random(len(t)) < 0.15))[0]
    csat_t = t[csat_o] + rng.integers(DAY, 7 * DAY, len(csat_o))
    csat_c = cc[csat_o]
    csat = np.clip(np.round(rng.normal(4.1 + (0.2 - p_drop[csat_c]) * 2, 0.9)), 1, 5)
    first_order = purchases.first_order
    buyers = np.nonzero((purchases.n_orders > 0) & (rng.random(batch.n) < 0.25))[0]
    nps_t = first_order[buyers] + (rng.random(len(buyers)) * (end - first_order[buyers])).astype(np.int64)
    nps = np.clip(np.round(rng.normal(7.6 + (0.2 - p_drop[buyers]) * 6, 2.0)), 0, 10)
    rc = np.concatenate([csat_c, buyers])
    rt = np.concatenate([csat_t, nps_t])
    rs = np.concatenate([csat, nps]).astype(np.int64)
    rk = np.concatenate([np.zeros(len(csat_c), dtype=np.int64), np.ones(len(buyers), dtype=np.int64)])
    ok = rt <= end
    rc, rt, rs, rk = rc[ok], rt[ok], rs[ok], rk[ok]
    order = np.argsort(rt, kind="stable")
    rc, rt, rs, rk = rc[order], rt[order], rs[order], rk[order]
    good = np.where(rk == 1, rs >= 9, rs >= 4)
    bad = np.where(rk == 1, rs <= 6, rs <= 2)
    comment = np.where(
        good,
        rng.integers(0, len(COMMENTS["good"]), len(rc)),
        len(COMMENTS["good"]) + rng.integers(0, len(COMMENTS["bad"]), len(rc)),
    )
    with_comment = (good | bad) & (rng.random(len(rc)) < 0.25)
    return build_table(
        contract["survey_responses"],
        {
            "response_id": ids("R", batch.index * 10_000_000 + np.arange(len(rc)) + 1, 10),
            "customer_id": pc.take(batch.customer_id, pa.array(rc)),
            "survey_type": take(["csat", "nps"], rk),
            "score": num(rs),
            "comment": null_where(take(COMMENTS["good"] + COMMENTS["bad"], comment), ~with_comment),
            "responded_at": ts(rt),
        },
        len(rc),
    )


@dataclass
class Referrals:
    """The referrals table, and what loyalty needs to pay referral bonuses."""

    table: pa.Table  # the referrals raw table
    referrer: np.ndarray  # per referral (in table order): the referring customer (batch index)
    converted: np.ndarray  # the friend signed up and ordered
    converted_at: np.ndarray  # the friend's first order (meaningful where converted)


def make_referrals(
    rng: np.random.Generator,
    contract: Contract,
    batch: Batch,
    end: int,
    signup: np.ndarray,
    email: pa.Array,
    purchases: Purchases,
) -> Referrals:
    """Some buyers invite friends (other customers of the batch, invited days before they sign
    up). An invitation converts when the friend signed up after the referrer and ordered, once per
    friend; the others are open invitations sent at a random time."""
    n, first_order = batch.n, purchases.first_order
    referrer = np.nonzero((purchases.n_orders > 0) & (rng.random(n) < 0.07))[0]
    referrer = np.repeat(referrer, np.where(rng.random(len(referrer)) < 0.2, 2, 1))
    friend = rng.integers(0, n, len(referrer))
    created = signup[friend] - rng.integers(DAY, 10 * DAY, len(referrer))
    converted = (
        (rng.random(len(referrer)) < 0.45)
        & (friend != referrer)
        & (created > signup[referrer])
        & (first_order[friend] <= end)
    )
    _, first_use = np.unique(np.where(converted, friend, -1 - np.arange(len(friend))), return_index=True)
    unique = np.zeros(len(friend), dtype=bool)
    unique[first_use] = True
    converted &= unique
    created = np.where(
        converted,
        created,
        signup[referrer] + (rng.random(len(referrer)) * (end - signup[referrer])).astype(np.int64),
    )
    r_email = where(
        converted,
        pc.take(email, pa.array(friend)),
        concat(
            "friend", num(batch.numbers[referrer] + 1), ".", num(np.arange(len(referrer))), "@example.org"
        ),
    )
    conv_at = first_order[friend]
    order = np.argsort(created, kind="stable")
    referrer, friend, created, converted, conv_at = (
        x[order] for x in (referrer, friend, created, converted, conv_at)
    )
    r_email = pc.take(r_email, pa.array(order))
    cid = batch.customer_id
    table = build_table(
        contract["referrals"],
        {
            "referral_id": ids("RF", batch.index * 1_000_000 + np.arange(len(referrer)) + 1, 9),
            "referrer_customer_id": pc.take(cid, pa.array(referrer)),
            "referred_customer_id": null_where(pc.take(cid, pa.array(friend)), ~converted),
            "referred_email": r_email,
            "created_at": ts(created),
            "converted_at": null_where(ts(np.where(converted, conv_at, 0)), ~converted),
        },
        len(referrer),
    )
    return Referrals(table, referrer, converted, conv_at)


def make_loyalty_transactions(
    rng: np.random.Generator,
    contract: Contract,
    batch: Batch,
    end: int,
    orders: Orders,
    signup: np.ndarray,
    n_orders: np.ndarray,
    referrals: Referrals,
) -> pa.Table:
    """Points earned on completed orders, reversed on refunds, redeemed in blocks of 500, a yearly
    anniversary bonus for buyers and a bonus per converted referral."""
    n, t, status = batch.n, orders.time, orders.status
    cc = np.maximum(orders.cust, 0)
    earn = np.nonzero(_registered(orders) & ((status == 0) | (status == 2)))[0]
    points = np.floor(orders.total_usd[earn]).astype(np.int64)
    lc, lt, lp, lr = [cc[earn]], [t[earn]], [points], [np.zeros(len(earn), dtype=np.int64)]
    refund = status[earn] == 2
    lc.append(cc[earn][refund])
    lt.append(t[earn][refund] + 10 * DAY)
    lp.append(-points[refund])
    lr.append(np.full(refund.sum(), 1))
    earned = np.bincount(cc[earn], np.where(refund, 0, points), minlength=n)
    last = np.zeros(n, dtype=np.int64)
    np.maximum.at(last, cc[earn], t[earn])
    redeem = np.nonzero((earned >= 500) & (rng.random(n) < 0.5))[0]
    lc.append(redeem)
    lt.append(last[redeem] + HOUR)
    lp.append(np.full(len(redeem), -500))
    lr.append(np.full(len(redeem), 2))
    for year in (1, 2, 3, 4, 5):
        a = np.nonzero((n_orders > 0) & (signup + year * 365 * DAY <= end))[0]
        lc.append(a)
        lt.append(signup[a] + year * 365 * DAY)
        lp.append(np.full(len(a), 100))
        lr.append(np.full(len(a), 3))
    ref = referrals.referrer[referrals.converted]
    lc.append(ref)
    lt.append(referrals.converted_at[referrals.converted] + HOUR)
    lp.append(np.full(len(ref), 250))
    lr.append(np.full(len(ref), 4))
    lc, lt, lp, lr = (np.concatenate(x).astype(np.int64) for x in (lc, lt, lp, lr))
    ok = lt <= end
    lc, lt, lp, lr = lc[ok], lt[ok], lp[ok], lr[ok]
    order = np.lexsort((lr, lc, lt))
    lc, lt, lp, lr = lc[order], lt[order], lp[order], lr[order]
    return build_table(
        contract["loyalty_transactions"],
        {
            "customer_id": pc.take(batch.customer_id, pa.array(lc)),
            "points": num(lp),
            "reason": take(LOYALTY_REASONS, lr),
            "occurred_at": ts(lt),
        },
        len(lc),
    )
