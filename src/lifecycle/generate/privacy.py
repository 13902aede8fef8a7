"""Privacy: consents (granted at sign-up or checkout, later revoked) and deletion requests.

Consents are drawn early: campaigns only message people whose marketing consent for the channel
is in force (`Consents.may_message`), and the sign-up session has a Subscribed event when e-mail
marketing was granted. Deletion requests come last (they name guests' e-mails from the orders).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lifecycle.generate.arrow import HOUR, STR, Contract, build_table, null_where, take, ts
from lifecycle.generate.shop import Batch, Shop

CONSENTS = [  # channel, purpose, share granted at sign-up
    ("email", "marketing", 0.70),
    ("sms", "marketing", 0.30),
    ("push", "marketing", 0.40),
    ("whatsapp", "marketing", 0.12),
    ("ads", "ad_user_data", 0.60),
    ("ads", "ad_personalization", 0.55),
    ("ads", "sale_or_sharing", 0.85),
]


@dataclass
class Consents:
    """Per customer and CONSENTS entry (n x 7): granted?, when, revoked?, when."""

    granted: np.ndarray
    grant_at: np.ndarray
    revoked: np.ndarray  # only where granted, and only up to the end of the window
    revoke_at: np.ndarray
    table: pa.Table  # the consents raw table: one row per grant and per revocation

    def may_message(self, cust: np.ndarray, channel: str, at: np.ndarray) -> np.ndarray:
        """Marketing consent for the channel in force at `at` (web_push and in_app need none)."""
        names = [c[0] for c in CONSENTS[:4]]
        if channel not in names:
            return np.ones(len(cust), dtype=bool)
        j = names.index(channel)
        ok = self.granted[cust, j] & (self.grant_at[cust, j] <= at)
        return ok & ~(self.revoked[cust, j] & (self.revoke_at[cust, j] <= at))


def make_consents(
    rng: np.random.Generator,
    contract: Contract,
    customer_id: pa.Array,
    end: int,
    signup: np.ndarray,
    first_order: np.ndarray,
) -> Consents:
    """Grants at sign-up (sms sometimes at the first order, hence after the purchase process),
    revocations at a random later time."""
    n = len(signup)
    k = len(CONSENTS)
    share = np.array([c[2] for c in CONSENTS])
    granted = rng.random((n, k)) < share
    granted[:, 5] &= granted[:, 4] | (rng.random(n) < 0.1)  # personalization mostly with user data
    grant_at = np.repeat(signup[:, None], k, axis=1)
    at_checkout = (rng.random(n) < 0.4) & (first_order < end)
    grant_at[at_checkout, 1] = first_order[at_checkout]  # sms opt-in at checkout
    source = np.zeros((n, k), dtype=np.int64)
    source[at_checkout, 1] = 1
    revoked = granted & (rng.random((n, k)) < np.array([0.15, 0.1, 0.1, 0.1, 0.08, 0.08, 0.1]))
    revoke_at = grant_at + HOUR + (rng.random((n, k)) * np.maximum(end - grant_at - HOUR, 1)).astype(np.int64)
    revoked &= revoke_at <= end
    ci, pi = np.nonzero(granted)
    ri, rp = np.nonzero(revoked)
    cust = np.concatenate([ci, ri])
    pair = np.concatenate([pi, rp])
    at = np.concatenate([grant_at[ci, pi], revoke_at[ri, rp]])
    src = np.concatenate([source[ci, pi], 2 + (rp == 0)])
    status = np.concatenate([np.zeros(len(ci), dtype=np.int64), np.ones(len(ri), dtype=np.int64)])
    order = np.lexsort((pair, cust, at))
    cust, pair, at, src, status = cust[order], pair[order], at[order], src[order], status[order]
    table = build_table(
        contract["consents"],
        {
            "customer_id": pc.take(customer_id, pa.array(cust)),
            "channel": take([c[0] for c in CONSENTS], pair),
            "purpose": take([c[1] for c in CONSENTS], pair),
            "status": take(["granted", "revoked"], status),
            "recorded_at": ts(at),
            "source": take(["signup_form", "checkout", "preference_center", "unsubscribe_link"], src),
        },
        len(cust),
    )
    return Consents(granted, grant_at, revoked, revoke_at, table)


@dataclass
class Deletions:
    """The deletion requests table, and who asked (for `_truth/persons.csv`)."""

    table: pa.Table  # the deletion_requests raw table
    deleted: np.ndarray  # per customer: asked to be deleted
    guest_deleted: np.ndarray  # per guest shopper (Devices.guest): asked to be deleted


def make_deletion_requests(
    rng: np.random.Generator,
    shop: Shop,
    contract: Contract,
    batch: Batch,
    signup: np.ndarray,
    country: np.ndarray,
    email: pa.Array,
    guest_email: pa.Array,
) -> Deletions:
    """~0.5% of customers (at least one per chunk of 50 or more) and of guests ask to be deleted,
    by customer_id and/or e-mail; US residents under CCPA, everyone else under GDPR."""
    n, end = batch.n, shop.end
    n_guests = len(guest_email)
    deleted = rng.random(n) < 0.005
    if not deleted.any() and n >= 50:
        deleted[rng.integers(0, n)] = True
    d = np.nonzero(deleted)[0]
    guest_del = np.nonzero(rng.random(n_guests) < 0.005)[0]
    guest_deleted = np.zeros(n_guests, dtype=bool)
    guest_deleted[guest_del] = True
    how = rng.choice(3, len(d), p=[0.5, 0.25, 0.25])  # both, customer_id only, email only
    at = signup[d] + (rng.random(len(d)) * (end - signup[d])).astype(np.int64)
    g_at = shop.start + (rng.random(len(guest_del)) * (end - shop.start)).astype(np.int64)
    us = country[d] == shop.countries.index("US")
    table = build_table(
        contract["deletion_requests"],
        {
            "customer_id": pa.concat_arrays(
                [null_where(pc.take(batch.customer_id, pa.array(d)), how == 2), pa.nulls(len(guest_del), STR)]
            ),
            "email": pa.concat_arrays(
                [null_where(pc.take(email, pa.array(d)), how == 1), pc.take(guest_email, pa.array(guest_del))]
            ),
            "requested_at": ts(np.concatenate([at, g_at])),
            "regulation": take(
                ["gdpr", "ccpa"], np.concatenate([us, np.zeros(len(guest_del), dtype=bool)]).astype(np.int64)
            ),
        },
        len(d) + len(guest_del),
    )
    return Deletions(table, deleted, guest_deleted)
