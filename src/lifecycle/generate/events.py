"""Segment-style events of every session: pages and screens, identify, product and cart events.

Each session has a fixed sequence of event slots (SLOTS); its kind decides which are present,
gaps of ~1 minute separate them, and the session's anchor event (sign-up, log-in, purchase or
else the landing) falls at the session time. Runs last among the behaviour steps: it needs
every session, including the purchase sessions and order ids of the orders step.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lifecycle.generate.arrow import (
    DAY,
    HOUR,
    Contract,
    build_table,
    concat,
    flat,
    ids,
    lookup,
    money,
    null_where,
    pick_in_group,
    take,
    ts,
    ts_mixed,
    where,
)
from lifecycle.generate.behaviour import Behaviour
from lifecycle.generate.browsing import (
    KIND_CART,
    KIND_CHECKOUT,
    KIND_LOGIN,
    KIND_PURCHASE,
    KIND_SIGNUP,
    Devices,
    Sessions,
)
from lifecycle.generate.customers import Customers
from lifecycle.generate.orders import Orders
from lifecycle.generate.shop import Batch, Shop

# Event slots of a session, in time order (one event per present slot).
SLOTS = ["app_open", "landing", "identify", "signed_up", "subscribed", "search"] + [
    f"view{i}" for i in range(5)
]
SLOTS += ["added", "removed", "cart_viewed", "checkout", "completed"]
SLOT = {name: i for i, name in enumerate(SLOTS)}
VIEWS = [SLOT[f"view{i}"] for i in range(5)]
PLATFORMS = ["web", "ios", "android"]
TRACK_NAMES = {
    "app_open": "Application Opened",
    "signed_up": "Signed Up",
    "subscribed": "Subscribed",
    "search": "Products Searched",
    "added": "Product Added",
    "removed": "Product Removed",
    "cart_viewed": "Cart Viewed",
    "checkout": "Checkout Started",
    "completed": "Order Completed",
} | {f"view{i}": "Product Viewed" for i in range(5)}
NONCANONICAL = {"Product Viewed": ["product_viewed", "Viewed Product"], "Product Added": ["Added Product"],
                "Order Completed": ["order_completed"], "Checkout Started": ["checkout_started"],
                "Products Searched": ["Searched Products"]}  # fmt: skip
SITE = "https://shop.example.com"
PATHS = {"landing": "/", "search": "/search", "added": "/cart", "removed": "/cart", "cart_viewed": "/cart",
         "checkout": "/checkout", "completed": "/checkout/thank-you", "signed_up": "/account/signup",
         "identify": "/account/login", "subscribed": "/"}  # fmt: skip
FIXED_PROPERTIES = {"app_open": '{"from_background":false}', "signed_up": '{"method":"email"}',
                    "subscribed": '{"list":"newsletter"}'}  # fmt: skip
UTMS = [("google", "cpc", "brand_search"), ("google", "cpc", "generic_search"),
        ("facebook", "paid_social", "prospecting"), ("instagram", "social", "influencer_q"),
        ("newsletter", "email", "weekly_newsletter"), ("tiktok", "paid_social", "ugc_video"),
        ("criteo", "display", "retargeting")]  # fmt: skip
REFERRERS = ["https://www.google.com/", "https://www.facebook.com/", "https://www.bing.com/",
             "https://t.co/", "https://duckduckgo.com/"]  # fmt: skip
SEARCH_QUERIES = ["running shoes", "hoodie", "gift for her", "earbuds", "chaussures", "кроссовки", "运动鞋",
                  "yoga mat", "parfum", "geantă", "black friday", "candle", "ランニングシューズ"]  # fmt: skip


def make_events(
    rng: np.random.Generator,
    shop: Shop,
    contract: Contract,
    batch: Batch,
    sessions: Sessions,
    customers: Customers,
    behaviour: Behaviour,
    devices: Devices,
    email_subscribed: np.ndarray,
    orders: Orders,
) -> pa.Table:
    """The events raw table, in time order. `email_subscribed`: per customer, granted e-mail
    marketing at sign-up (the sign-up session then has a Subscribed event)."""
    P, s = shop.products, sessions
    plat = devices.platform[s.dev]
    app = plat > 0
    si, slot, t = _layout(rng, s, app, email_subscribed, shop.end)
    E = len(t)
    product = _products_in_view(rng, P, s, si, slot, t, orders.first_product, behaviour.innovator)
    ev_app = app[si]
    landing = slot == SLOT["landing"]
    name, etype = _names(rng, slot, ev_app, landing)
    user = s.user[si]
    known = user >= 0
    uid = null_where(pc.take(batch.customer_id, pa.array(np.maximum(user, 0))), ~known)
    with_email = (slot == SLOT["identify"]) | (slot == SLOT["signed_up"])
    email = null_where(pc.take(customers.email_written, pa.array(np.maximum(user, 0))), ~(with_email & known))
    dev = s.dev[si]
    shared = np.isin(dev, devices.shared_rows) | np.isin(dev, devices.placeholder_rows)
    device_id = null_where(pc.take(devices.device_id, pa.array(dev)), ~(ev_app | shared))
    # pages, referrers and UTM parameters on the landing event of a session
    pid = take(P["id"], product)
    page = take([SITE + PATHS[x] if x in PATHS else None for x in SLOTS], slot)
    page = where(np.isin(slot, VIEWS), concat(SITE, "/products/", pid), page)
    page = null_where(page, ev_app)
    has_utm = rng.random(len(s.time)) < 0.25
    utm = rng.integers(0, len(UTMS), len(s.time))
    on_landing = landing & has_utm[si]
    utm_e = utm[si]
    referrer = null_where(
        take(REFERRERS, rng.integers(0, len(REFERRERS), E)), ~(landing & (rng.random(E) < 0.35))
    )
    # properties (JSON text)
    prod_json = concat(
        '{"product_id":"', pid, '","category":"', take(P["category"], product), '","price":',
        money(P["price"][product]),
    )  # fmt: skip
    with_qty = (slot == SLOT["added"]) | (slot == SLOT["removed"])
    prod_json = concat(prod_json, where(with_qty, ',"quantity":1}', "}"))
    o_e = s.order[si]
    order_json = concat(
        '{"order_id":"', lookup(orders.order_id, o_e), '","revenue":', money(lookup(orders.total, o_e)),
        ',"currency":"', lookup(orders.currency, o_e), '"}',
    )  # fmt: skip
    query_json = concat('{"query":"', take(SEARCH_QUERIES, rng.integers(0, len(SEARCH_QUERIES), E)), '"}')
    props = take([FIXED_PROPERTIES.get(x) for x in SLOTS], slot)
    product_slot = np.isin(slot, VIEWS + [SLOT[x] for x in ("added", "removed", "cart_viewed", "checkout")])
    props = where(product_slot, prod_json, props)
    props = where(slot == SLOT["search"], query_json, props)
    props = where(slot == SLOT["completed"], order_json, props)
    received = t + rng.integers(0, 6, E)
    late = rng.random(E) < 0.01
    received = np.minimum(np.where(late, t + rng.integers(HOUR, 48 * HOUR, E), received), shop.end)
    received = np.maximum(received, t)
    return build_table(
        contract["events"],
        {
            "event_id": ids("evt-", batch.index * 100_000_000 + np.arange(E) + 1, 11),
            "event_type": take(["track", "page", "screen", "identify"], etype),
            "event_name": null_where(name, etype == 3),
            "anonymous_id": pc.take(devices.anon, pa.array(dev)),
            "user_id": uid,
            "email": email,
            "timestamp": ts_mixed(t, rng),
            "received_at": ts(received),
            "platform": take(PLATFORMS, plat[si]),
            "device_id": device_id,
            "page_url": page,
            "referrer": referrer,
            "utm_source": null_where(take([u[0] for u in UTMS], utm_e), ~on_landing),
            "utm_medium": null_where(take([u[1] for u in UTMS], utm_e), ~on_landing),
            "utm_campaign": null_where(take([u[2] for u in UTMS], utm_e), ~on_landing),
            "properties": props,
        },
        E,
    )


def _layout(
    rng: np.random.Generator, s: Sessions, app: np.ndarray, email_subscribed: np.ndarray, end: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Session (index), slot and time of every event up to `end`, in time order."""
    S, kind = len(s.time), s.kind
    mask = np.zeros((S, len(SLOTS)), dtype=bool)
    mask[:, SLOT["app_open"]] = app
    mask[:, SLOT["landing"]] = True
    mask[:, SLOT["identify"]] = (kind == KIND_SIGNUP) | (kind == KIND_LOGIN)
    mask[:, SLOT["signed_up"]] = kind == KIND_SIGNUP
    mask[:, SLOT["subscribed"]] = (kind == KIND_SIGNUP) & email_subscribed[np.maximum(s.cust, 0)]
    shopping = kind <= KIND_PURCHASE
    mask[:, SLOT["search"]] = shopping & (rng.random(S) < 0.3)
    n_views = np.where(shopping, 1 + rng.poisson(1.2, S), rng.integers(0, 2, S))
    for i, slot in enumerate(VIEWS):
        mask[:, slot] = n_views > i
    carting = (kind == KIND_CART) | (kind == KIND_CHECKOUT) | (kind == KIND_PURCHASE)
    mask[:, SLOT["added"]] = carting
    mask[:, SLOT["removed"]] = carting & (rng.random(S) < 0.08)
    mask[:, SLOT["cart_viewed"]] = carting & ((kind != KIND_CART) | (rng.random(S) < 0.4))
    mask[:, SLOT["checkout"]] = (kind == KIND_CHECKOUT) | (kind == KIND_PURCHASE)
    mask[:, SLOT["completed"]] = kind == KIND_PURCHASE
    gaps = (rng.gamma(1.5, 40.0, (S, len(SLOTS))) + 2).astype(np.int64)
    gaps[:, SLOT["signed_up"]] = 1
    offs = np.cumsum(np.where(mask, gaps, 0), axis=1)
    anchor = np.select(
        [kind == KIND_PURCHASE, kind == KIND_SIGNUP, kind == KIND_LOGIN],
        [SLOT["completed"], SLOT["signed_up"], SLOT["identify"]],
        SLOT["landing"],
    )
    base = s.time - offs[np.arange(S), anchor]
    si, slot = np.nonzero(mask)
    t = base[si] + offs[si, slot]
    keep = t <= end
    si, slot, t = si[keep], slot[keep], t[keep]
    order = np.argsort(t, kind="stable")
    return si[order], slot[order], t[order]


def _products_in_view(
    rng: np.random.Generator,
    P: dict,
    s: Sessions,
    si: np.ndarray,
    slot: np.ndarray,
    t: np.ndarray,
    first_product: np.ndarray,
    innovator: np.ndarray,
) -> np.ndarray:
    """The product (catalogue index) of each event: the session's product in focus (a purchase's
    first order line; innovators look at fresh launches), other views of the same category."""
    S = len(s.time)
    focus = rng.integers(0, len(P["id"]), S)
    o = s.order
    focus = np.where(o >= 0, lookup(first_product, o), focus)
    innov = (s.cust >= 0) & innovator[np.maximum(s.cust, 0)] & (o < 0) & (rng.random(S) < 0.5)
    first_new = np.searchsorted(P["launched_sorted"], s.time - 60 * DAY)
    last_new = np.searchsorted(P["launched_sorted"], s.time, side="right")
    innov &= last_new > first_new
    pick = first_new + (rng.random(S) * (last_new - first_new)).astype(np.int64)
    focus = np.where(innov, P["by_launch"][np.minimum(pick, len(P["id"]) - 1)], focus)
    unlaunched = P["launched"][focus] > s.time
    focus[unlaunched] = P["old_by_price"][rng.integers(0, len(P["old_by_price"]), unlaunched.sum())]
    members, m_off, m_len = flat([list(m) for m in P["cat_members"]])
    members = np.array(members, dtype=np.int64)
    product = focus[si]
    other_view = np.isin(slot, VIEWS[1:])
    related = members[pick_in_group(rng, P["category_idx"][product], m_off, m_len)]
    return np.where(other_view & (P["launched"][related] <= t), related, product)


def _names(
    rng: np.random.Generator, slot: np.ndarray, ev_app: np.ndarray, landing: np.ndarray
) -> tuple[pa.Array, np.ndarray]:
    """Event name and type (0 track, 1 page, 2 screen, 3 identify) of each event; ~1% of track
    events under an old SDK's spelling (staging maps them back)."""
    names = [TRACK_NAMES.get(x) for x in SLOTS]
    names[SLOT["landing"]] = "Page Viewed"
    name = take(names, slot)
    name = where(landing & ev_app, "Home Screen", name)
    canon = list(NONCANONICAL)
    slot_canon = np.array([canon.index(x) if x in NONCANONICAL else -1 for x in names])[slot]
    odd = (rng.random(len(slot)) < 0.01) & (slot_canon >= 0)
    variants = [NONCANONICAL[c][i % len(NONCANONICAL[c])] for c in canon for i in range(2)]
    odd_name = take(variants, np.maximum(slot_canon, 0) * 2 + rng.integers(0, 2, len(slot)))
    name = where(odd, odd_name, name)
    etype = np.select([slot == SLOT["identify"], landing & ev_app, landing], [3, 2, 1], 0)
    return name, etype
