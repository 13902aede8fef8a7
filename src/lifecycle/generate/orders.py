"""Orders and order lines: registered purchases, campaign uplift, guest checkouts.

Order lines are consistent with the order totals (subtotal - discount + shipping + tax), in the
order's currency. Innovators pick fresh launches, discount-prone customers use codes, Black Friday
codes in November. Some orders are delivered again later with an earlier status (a legitimate
re-delivery, not a bad row). Web and app orders become purchase sessions for the events step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lifecycle.generate.arrow import (
    DAY,
    Contract,
    build_table,
    concat,
    ids,
    lookup,
    money,
    month_of,
    null_where,
    num,
    take,
    ts,
    ts_mixed,
    where,
)
from lifecycle.generate.behaviour import TRUE_PARAMS, Behaviour, Purchases
from lifecycle.generate.browsing import KIND_PURCHASE, Devices, Sessions
from lifecycle.generate.customers import Customers
from lifecycle.generate.locales import COUNTRIES, DOMAINS
from lifecycle.generate.messaging import Messages
from lifecycle.generate.shop import Batch, Shop

DISCOUNT_CODES = [("WELCOME10", 0.10), ("SAVE15", 0.15), ("VIP20", 0.20), ("BLACKFRIDAY25", 0.25)]
PLACEHOLDER_EMAILS = ["test@test.com", "test@test.com", "noemail@noemail.com"]
STATUSES = ["completed", "cancelled", "refunded", "pending"]


@dataclass
class Orders:
    """The order tables, and per order (in time order) what later steps need."""

    table: pa.Table  # the orders raw table
    later_versions: pa.Table | None  # earlier states of some orders, appended after the table
    items: pa.Table  # the order_items raw table
    guest_email: pa.Array  # per guest shopper (Devices.guest): their e-mail
    cust: np.ndarray  # customer (batch index), -1 for a pure guest
    time: np.ndarray  # ordered at
    status: np.ndarray  # index into STATUSES
    as_guest: np.ndarray  # checked out without logging in (pure guests and registered as guest)
    order_id: pa.Array
    total: np.ndarray  # in the order's currency
    total_usd: np.ndarray
    currency: pa.Array
    first_product: np.ndarray  # product (catalogue index) of the first order line
    sessions: Sessions  # the purchase sessions of web and app orders
    n_guest_orders: int  # orders of pure guests (for the summary)


def make_orders(
    rng: np.random.Generator,
    shop: Shop,
    contract: Contract,
    batch: Batch,
    customers: Customers,
    behaviour: Behaviour,
    devices: Devices,
    purchases: Purchases,
    messages: Messages,
) -> Orders:
    """Every order of the batch: the purchase process plus campaign uplift (hence after messages)."""
    end, P = shop.end, shop.products
    guests = devices.guest
    cust, t, as_guest, guest_idx = _who_and_when(rng, shop, purchases, messages, len(guests))
    n_o = len(t)
    is_cust = cust >= 0
    cc = np.maximum(cust, 0)
    guest_nu = rng.gamma(TRUE_PARAMS["q"], 1 / TRUE_PARAMS["v"], len(guests))
    nu = np.where(is_cust, behaviour.nu[cc], lookup(guest_nu, guest_idx))
    value_usd = rng.gamma(TRUE_PARAMS["p"], 1 / nu)  # Gamma-Gamma order value (items, USD)
    guest_country = rng.choice(len(shop.countries), len(guests), p=shop.country_p)
    country = np.where(is_cust, customers.country[cc], lookup(guest_country, guest_idx))
    # device and channel
    j = (rng.random(n_o) * devices.n_devices[cc]).astype(np.int64)
    dev = np.where(is_cust, 3 * cc + j, lookup(devices.guest_row, guest_idx))
    plat = devices.platform[dev]
    u = rng.random(n_o)
    channel = np.where(plat == 0, 0, 1)
    channel = np.where(u < 0.10, 2, np.where(u < 0.14, 3, channel))  # store, marketplace
    # currency: mostly the country's, sometimes USD or EUR
    cur_names = sorted(shop.usd_per_unit)
    local = np.array([cur_names.index(c) for c in shop.currency])[country]
    u = rng.random(n_o)
    currency = np.where(u < 0.05, cur_names.index("USD"), np.where(u < 0.08, cur_names.index("EUR"), local))
    rate = np.array([shop.usd_per_unit[c] for c in cur_names])[currency]
    decimals = np.where(np.array([c == "JPY" for c in cur_names])[currency], 0, 2)
    lo, prod = _lines(rng, P, t, value_usd, is_cust & behaviour.innovator[cc])
    qty = rng.choice([1, 2, 3], len(lo), p=[0.8, 0.15, 0.05])
    scale = 10.0 ** decimals[lo]
    unit = np.round(P["price"][prod] / rate[lo] * scale) / scale
    # discounts: discount-prone customers use codes often; Black Friday in November
    prone = np.where(is_cust, behaviour.discount_prone[cc], False)
    has_code = rng.random(n_o) < np.where(prone, 0.6, 0.06)
    code = rng.integers(0, 3, n_o)
    code = np.where((month_of(t) == 10) & (rng.random(n_o) < 0.6), 3, code)
    pct = np.where(has_code, np.array([c[1] for c in DISCOUNT_CODES])[code], 0.0)
    line_disc = np.round(qty * unit * pct[lo] * scale[lo]) / scale[lo]
    subtotal = np.bincount(lo, qty * unit, minlength=n_o)
    discount = np.bincount(lo, line_disc, minlength=n_o)
    scale_o = 10.0**decimals
    shipping = np.where(
        (subtotal * rate > 50) | (channel == 2), 0.0, np.round(4.99 / rate * scale_o) / scale_o
    )
    tax_rate = np.array([COUNTRIES[c][3] for c in shop.countries])[country]
    tax = np.round((subtotal - discount) * tax_rate * scale_o) / scale_o
    total = subtotal - discount + shipping + tax
    status, updated = _status_and_updates(rng, t, end)
    # order ids in time order, unique across chunks
    order_id = ids("O", batch.index * 10_000_000 + np.arange(n_o) + 1, 10)
    # people and contact data on the order
    guest_email = concat(
        take(["guest.", "shopper", "g."], np.arange(len(guests)) % 3),
        num(batch.numbers[guests] + 1),
        "@",
        take(DOMAINS, rng.integers(0, len(DOMAINS), len(guests))),
    )
    email = where(
        is_cust,
        pc.take(customers.email_written, pa.array(cc)),
        lookup(guest_email, guest_idx),
    )
    # placeholder emails on a few guest orders (the first guest order of a chunk always)
    pure_guest = guest_idx >= 0
    # (only on web/app orders, which carry the guest's anonymous_id: the person stays findable)
    online_guest = pure_guest & (channel <= 1)
    placeholder = online_guest & (rng.random(n_o) < 0.03)
    if online_guest.any():
        placeholder[np.nonzero(online_guest)[0][0]] = True
    email = where(placeholder, take(PLACEHOLDER_EMAILS, rng.integers(0, 3, n_o)), email)
    email = null_where(email, is_cust & ~as_guest & (rng.random(n_o) < 0.15))  # not every export has it
    # shops forward the tracking id with most online orders, always with guest checkouts
    anon_on_order = (channel <= 1) & ((rng.random(n_o) < 0.6) | pure_guest)
    anonymous_id = null_where(pc.take(devices.anon, pa.array(dev)), ~anon_on_order)
    status_written = take(STATUSES, status)
    status_written = null_where(status_written, (status == 0) & (rng.random(n_o) < 0.05))
    cols = {
        "order_id": order_id,
        "customer_id": null_where(pc.take(batch.customer_id, pa.array(cc)), ~is_cust | as_guest),
        "email": email,
        "anonymous_id": anonymous_id,
        "ordered_at": ts_mixed(t, rng),
        "status": status_written,
        "currency": take(cur_names, currency),
        "total_amount": money(total),
        "discount_amount": null_where(money(discount), ~has_code),
        "discount_code": null_where(take([c[0] for c in DISCOUNT_CODES], code), ~has_code),
        "shipping_amount": money(shipping),
        "tax_amount": money(tax),
        "sales_channel": take(["web", "app", "store", "marketplace"], channel),
        "updated_at": ts(updated),
    }
    orders = build_table(contract["orders"], cols, n_o)
    later_versions = _later_versions(rng, orders, t, status, updated)
    items = build_table(
        contract["order_items"],
        {
            "order_id": pc.take(order_id, pa.array(lo)),
            "product_id": take(P["id"], prod),
            "quantity": null_where(num(qty), (qty == 1) & (rng.random(len(lo)) < 0.05)),
            "unit_price": money(unit),
            "discount_amount": null_where(money(line_disc), line_disc == 0),
        },
        len(lo),
    )
    idx = np.nonzero(channel <= 1)[0]  # web and app orders
    sessions = Sessions.of(
        dev[idx], np.where(as_guest[idx], -1, cust[idx]), t[idx], KIND_PURCHASE, cust=cust[idx], order=idx
    )
    return Orders(
        table=orders,
        later_versions=later_versions,
        items=items,
        guest_email=guest_email,
        cust=cust,
        time=t,
        status=status,
        as_guest=as_guest,
        order_id=order_id,
        total=total,
        total_usd=total * rate,
        currency=take(cur_names, currency),
        first_product=prod[np.searchsorted(lo, np.arange(n_o))],
        sessions=sessions,
        n_guest_orders=int(pure_guest.sum()),
    )


def _who_and_when(
    rng: np.random.Generator, shop: Shop, purchases: Purchases, messages: Messages, n_guests: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Customer (-1 for a guest), time, checked out as guest?, guest index (-1 for a customer)
    of every order, sorted by time then customer."""
    start, end = shop.start, shop.end
    # registered orders: BTYD + campaign uplift
    cust = np.concatenate([purchases.cust, messages.uplift_cust])
    t = np.concatenate([purchases.time, messages.uplift_time])
    as_guest = np.zeros(len(cust), dtype=bool)
    # registered customers who sometimes check out as guests with the same email
    first_order = purchases.first_order
    rg = np.nonzero((purchases.n_orders > 0) & (rng.random(len(first_order)) < 0.05))[0]
    rg_t = first_order[rg] + (rng.random(len(rg)) * (end - first_order[rg])).astype(np.int64)
    cust = np.concatenate([cust, rg])
    t = np.concatenate([t, rg_t])
    as_guest = np.concatenate([as_guest, np.ones(len(rg), dtype=bool)])
    # pure guests: 1-2 orders with the same email (the second one later)
    gcount = np.where(rng.random(n_guests) < 0.3, 2, 1)
    gi = np.repeat(np.arange(n_guests), gcount)
    gt = start + (rng.random(len(gi)) * (end - start)).astype(np.int64)
    guest_idx = np.concatenate([np.full(len(cust), -1), gi])
    cust = np.concatenate([cust, np.full(len(gi), -1)])
    t = np.concatenate([t, gt])
    as_guest = np.concatenate([as_guest, np.ones(len(gi), dtype=bool)])
    order = np.lexsort((cust, t))
    return cust[order], t[order], as_guest[order], guest_idx[order]


def _lines(
    rng: np.random.Generator, P: dict, t: np.ndarray, value_usd: np.ndarray, innovator: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Order (index) and product of each line, sorted by (order, product): 1-3 distinct products
    launched before the order, priced near the order value; innovators pick fresh launches."""
    n_o = len(t)
    n_lines = rng.choice([1, 2, 3], n_o, p=[0.55, 0.3, 0.15])
    lo = np.repeat(np.arange(n_o), n_lines)
    target = value_usd[lo] / n_lines[lo] * rng.lognormal(0, 0.35, len(lo))
    pos = np.clip(
        np.searchsorted(P["price_sorted"], target) + rng.integers(-4, 5, len(lo)), 0, len(P["id"]) - 1
    )
    prod = P["by_price"][pos]
    t_line = t[lo]
    unlaunched = P["launched"][prod] > t_line
    pos_old = np.clip(
        np.searchsorted(P["old_price_sorted"], target[unlaunched]), 0, len(P["old_by_price"]) - 1
    )
    prod[unlaunched] = P["old_by_price"][pos_old]
    innov = innovator[lo] & (rng.random(len(lo)) < 0.6)
    first_new = np.searchsorted(P["launched_sorted"], t_line - 60 * DAY)
    last_new = np.searchsorted(P["launched_sorted"], t_line, side="right")
    innov &= last_new > first_new
    pick = first_new + (rng.random(len(lo)) * (last_new - first_new)).astype(np.int64)
    prod[innov] = P["by_launch"][pick[innov]]
    key = lo * 1000 + prod
    _, keep = np.unique(key, return_index=True)  # sorted by (order, product)
    return lo[keep], prod[keep]


def _status_and_updates(rng: np.random.Generator, t: np.ndarray, end: int) -> tuple[np.ndarray, np.ndarray]:
    """Status (recent orders are often still pending) and when the order was last updated."""
    n_o = len(t)
    status = rng.choice(4, n_o, p=[0.9, 0.035, 0.045, 0.02])  # completed cancelled refunded pending
    recent = t > end - 3 * DAY
    status = np.where((status == 3) & ~recent, 0, status)
    status = np.where(recent & (rng.random(n_o) < 0.5), 3, status)
    delay = np.select(
        [status == 0, status == 1, status == 2],
        [
            rng.integers(60, 3 * DAY, n_o),
            rng.integers(600, 2 * DAY, n_o),
            rng.integers(5 * DAY, 30 * DAY, n_o),
        ],
        rng.integers(60, 600, n_o),
    )
    updated = np.minimum(t + delay, end)
    return status, np.maximum(updated, t)


def _later_versions(
    rng: np.random.Generator, orders: pa.Table, t: np.ndarray, status: np.ndarray, updated: np.ndarray
) -> pa.Table | None:
    """An earlier version of some orders arrives later in the file (pending -> completed,
    completed -> refunded): not a bad row, the latest updated_at wins."""
    n_o = len(t)
    versioned = np.nonzero(
        ((status == 2) & (rng.random(n_o) < 0.5) | (status <= 1) & (rng.random(n_o) < 0.03))
        & (updated >= t + 120)
    )[0]
    if not len(versioned):
        return None
    old = orders.take(pa.array(versioned))
    old_status = np.where(status[versioned] == 2, 0, 3)
    old = old.set_column(
        old.schema.get_field_index("status"), "status", take(["completed", "", "", "pending"], old_status)
    )
    return old.set_column(old.schema.get_field_index("updated_at"), "updated_at", ts(t[versioned] + 60))
