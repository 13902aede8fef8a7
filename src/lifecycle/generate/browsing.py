"""Devices and the sessions that do not end in an order.

Devices: every customer has 1-3 devices or browsers, plus devices of anonymous-only visitors and
guest shoppers, a family tablet shared by two customers, a shop kiosk shared by many and a few
placeholder ids from broken trackers. Sessions: browsing before sign-up, the sign-up, log-ins
on other devices (identify links their anonymous ids), browsing after sign-up with cart and
browse abandonment, visitors who never identify. The orders step adds purchase sessions; the
events step turns all of them into events.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from lifecycle.generate.arrow import DAY, concat, ids, num, text
from lifecycle.generate.shop import Batch

PLACEHOLDER_ANON = ["anonymous", "0000", "undefined", "null"]
# What a session does (its events follow from it). The first four are shopping sessions in funnel
# order: the events step tests kind <= KIND_PURCHASE.
KIND_BROWSE, KIND_CART, KIND_CHECKOUT, KIND_PURCHASE, KIND_SIGNUP, KIND_LOGIN = range(6)


@dataclass
class Devices:
    """One row per device. Row 3c + j is customer c's j-th device (j < n_devices[c] in use);
    then visitors' devices, guests' devices, the family tablet, the kiosk, 4 placeholders."""

    n_devices: np.ndarray  # per customer: devices in use (1-3)
    visitor: np.ndarray  # customers (batch index) whose number also names an anonymous-only visitor
    guest: np.ndarray  # customers (batch index) whose number also names a guest shopper
    visitor_row: np.ndarray  # device row of each visitor
    guest_row: np.ndarray  # device row of each guest
    family_row: int
    kiosk_row: int
    placeholder_rows: np.ndarray
    shared_rows: np.ndarray  # family tablet and kiosk
    anon: pa.Array  # per row: the anonymous_id the tracker sets
    device_id: pa.Array  # per row: the device_id (null for browsers)
    platform: np.ndarray  # per row: index into PLATFORMS (0 web, 1 ios, 2 android)


def make_devices(rng: np.random.Generator, batch: Batch) -> Devices:
    """Devices of customers, visitors and guests. Reads only the batch (its numbers name the
    ids): its place among the steps matters only for the random stream."""
    n, g, k = batch.n, batch.numbers, batch.index
    n_devices = rng.choice([1, 2, 3], n, p=[0.5, 0.32, 0.18])
    plat = np.empty((n, 3), dtype=np.int64)
    plat[:, 0] = np.where(rng.random(n) < 0.75, 0, rng.integers(1, 3, n))
    plat[:, 1:] = rng.choice(3, (n, 2), p=[0.25, 0.45, 0.30])
    gg, jj = np.repeat(g + 1, 3), np.tile(np.arange(3), n)
    anon = [concat("a-", num(gg, 7), "-", num(jj))]
    dev = [concat("d-", num(gg, 7), "-", num(jj))]
    platform = [plat.reshape(-1)]
    visitor = np.nonzero(rng.random(n) < 0.4)[0]  # anonymous-only visitors
    guest = np.nonzero(rng.random(n) < 0.08)[0]  # guest shoppers
    vg, gu = g[visitor] + 1, g[guest] + 1
    visitor_row = 3 * n + np.arange(len(vg))
    guest_row = 3 * n + len(vg) + np.arange(len(gu))
    anon += [ids("v-", vg, 7), ids("g-", gu, 7)]
    dev += [ids("vd-", vg, 7), ids("gd-", gu, 7)]
    platform += [rng.choice(3, len(vg), p=[0.65, 0.2, 0.15]), np.zeros(len(gu), dtype=np.int64)]
    base = 3 * n + len(vg) + len(gu)
    family_row, kiosk_row, placeholder_rows = base, base + 1, base + 2 + np.arange(4)
    anon += [text([f"fam-{k}", "kiosk-anon-1"] + PLACEHOLDER_ANON)]
    dev += [
        text(
            [f"family-tablet-{k}", "store-kiosk-1", None, None, "00000000-0000-0000-0000-000000000000", None]
        )
    ]
    platform += [np.array([1, 0, 0, 0, 2, 0])]
    return Devices(
        n_devices=n_devices,
        visitor=visitor,
        guest=guest,
        visitor_row=visitor_row,
        guest_row=guest_row,
        family_row=family_row,
        kiosk_row=kiosk_row,
        placeholder_rows=placeholder_rows,
        shared_rows=np.array([family_row, kiosk_row]),
        anon=pa.concat_arrays(anon),
        device_id=pa.concat_arrays(dev),
        platform=np.concatenate(platform),
    )


@dataclass
class Sessions:
    """One entry per session; the events step lays out each session's events around `time`."""

    dev: np.ndarray  # device row (see Devices)
    user: np.ndarray  # the logged-in customer (batch index), -1 when anonymous
    time: np.ndarray  # the anchor: sign-up, log-in or purchase event, else the landing
    kind: np.ndarray  # KIND_*
    cust: np.ndarray  # whose preferences (innovator) apply, -1 for none
    order: np.ndarray  # the order (row of the orders step) a purchase completes, -1 otherwise

    @classmethod
    def of(cls, dev, user, time, kind, cust=None, order=None) -> Sessions:
        """Sessions from arrays or scalars (a scalar applies to every session)."""
        size = len(time)
        full = lambda v: np.broadcast_to(np.asarray(v, dtype=np.int64), (size,)).copy()  # noqa: E731
        return cls(
            dev=full(dev),
            user=full(user),
            time=np.asarray(time, dtype=np.int64),
            kind=full(kind),
            cust=full(-1 if cust is None else cust),
            order=full(-1 if order is None else order),
        )

    @classmethod
    def concat(cls, parts: list[Sessions]) -> Sessions:
        """The sessions of all parts, part after part."""
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)})


def browse_sessions(
    rng: np.random.Generator,
    batch: Batch,
    start: int,
    end: int,
    signup: np.ndarray,
    n_orders: np.ndarray,
    devices: Devices,
) -> Sessions:
    """Every session without an order. Needs each customer's number of orders (buyers browse more),
    so it runs after the purchase process and before campaigns (which target these sessions)."""
    n, n_devices = batch.n, devices.n_devices
    segs = []
    # anonymous browsing before sign-up, on any of the person's devices
    cnt = rng.choice(4, n, p=[0.3, 0.4, 0.2, 0.1])
    c = np.repeat(np.arange(n), cnt)
    j = (rng.random(len(c)) * n_devices[c]).astype(np.int64)
    t = signup[c] - ((0.05 + rng.random(len(c)) * 20) * DAY).astype(np.int64)
    segs.append(Sessions.of(3 * c + j, -1, t, rng.choice(3, len(c), p=[0.6, 0.25, 0.15]), cust=c))
    # sign-up: identify + Signed Up on the first device
    segs.append(Sessions.of(3 * np.arange(n), np.arange(n), signup, KIND_SIGNUP, cust=np.arange(n)))
    # log-ins on the other devices: identify links their anonymous ids
    for d in (1, 2):
        c = np.nonzero(n_devices > d)[0]
        span = np.minimum(90 * DAY, end - signup[c])
        t = signup[c] + (rng.random(len(c)) * span).astype(np.int64)
        segs.append(Sessions.of(3 * c + d, c, t, KIND_LOGIN, cust=c))
    # browsing after sign-up (logged in or not), with cart and browse abandonment
    cnt = rng.poisson(1.2 + 0.4 * np.minimum(n_orders, 10))
    c = np.repeat(np.arange(n), cnt)
    j = (rng.random(len(c)) * n_devices[c]).astype(np.int64)
    t = signup[c] + (rng.random(len(c)) * (end - signup[c])).astype(np.int64)
    user = np.where(rng.random(len(c)) < 0.75, c, -1)
    segs.append(Sessions.of(3 * c + j, user, t, rng.choice(3, len(c), p=[0.55, 0.28, 0.17]), cust=c))
    # anonymous-only visitors who never identify
    cnt = rng.choice([1, 2, 3], len(devices.visitor), p=[0.55, 0.3, 0.15])
    rows = np.repeat(devices.visitor_row, cnt)
    t = start + (rng.random(len(rows)) * (end - start)).astype(np.int64)
    segs.append(Sessions.of(rows, -1, t, rng.choice(3, len(rows), p=[0.75, 0.18, 0.07])))
    # a family tablet used by two customers, a shop kiosk used by many
    fam = np.array([i for i in (7, 8) if i < n], dtype=np.int64)
    fam = np.repeat(fam, 2)
    kiosk = np.nonzero(batch.numbers % 40 == 5)[0]
    for c, row in ((fam, devices.family_row), (kiosk, devices.kiosk_row)):
        t = signup[c] + (rng.random(len(c)) * (end - signup[c])).astype(np.int64)
        segs.append(Sessions.of(np.full(len(c), row), c, t, KIND_LOGIN, cust=c))
    # placeholder anonymous ids ('anonymous', '0000', ...) from broken trackers
    m = max(4, n // 150)
    t = start + (rng.random(m) * (end - start)).astype(np.int64)
    segs.append(Sessions.of(devices.placeholder_rows[np.arange(m) % 4], -1, t, KIND_BROWSE))
    return Sessions.concat(segs)
