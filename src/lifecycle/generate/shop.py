"""The shop every chunk shares: time window, countries and currencies, the product catalogue and
the campaigns, drawn once from the stream (seed, 0) before any customer is simulated.

The catalogue and the campaigns are written once, with the first chunk (`static_tables`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from lifecycle.generate.arrow import DAY, HOUR, Contract, build_table, ids, money, null_where, text, ts
from lifecycle.generate.locales import COUNTRIES
from lifecycle.paths import project_dir

CATEGORIES = {
    "shoes": ["Runner", "Trail Shoe", "Sneaker", "Loafer", "Boot"],
    "apparel": ["Hoodie", "T-Shirt", "Jacket", "Jeans", "Dress"],
    "accessories": ["Backpack", "Wallet", "Cap", "Sunglasses", "Watch"],
    "beauty": ["Face Cream", "Serum", "Lip Balm", "Shampoo", "Perfume"],
    "home": ["Mug", "Candle", "Throw Blanket", "Lamp", "Vase"],
    "electronics": ["Earbuds", "Charger", "Speaker", "Smartwatch", "Power Bank"],
    "sports": ["Yoga Mat", "Water Bottle", "Dumbbell Set", "Jump Rope", "Tennis Racket"],
    "books": ["Cookbook", "Novel", "Travel Guide", "Notebook", "Comic"],
}
CATEGORY_PRICE = {"shoes": 4.3, "apparel": 3.6, "accessories": 3.4, "beauty": 3.0, "home": 3.1,
                  "electronics": 4.0, "sports": 3.3, "books": 2.8}  # fmt: skip
BRANDS = ["Nordlys", "Café Verde", "Aurora", "Kōbō", "Zielony", "Maison Lumière", "Brisa", "Polar Fox",
          "Urban Peak", "Sakura", "Dacia Craft", "Helio", "Tundra", "Marée", "Velo", "Orion"]  # fmt: skip
ADJECTIVES = ["Classic", "Pro", "Eco", "Lite", "Max", "Urban", "Original", "Essential"]
JOURNEYS = ["welcome", "onboarding", "cart_recovery", "browse_recovery", "winback", "upsell",
            "replenishment", "anniversary", "referral", "newsletter"]  # fmt: skip
JOURNEY_STAGE = {"welcome": "lead", "onboarding": "new_customer", "cart_recovery": "active",
                 "browse_recovery": "lead", "winback": "lapsed", "upsell": "active", "replenishment": "active",  # noqa: E501
                 "anniversary": "loyal", "referral": "loyal", "newsletter": "active"}  # fmt: skip
MSG_CHANNELS = ["email", "sms", "push", "whatsapp", "web_push", "in_app"]
CAMPAIGN_CHANNELS = [
    "email",
    "email",
    "email",
    "sms",
    "push",
    "email",
    "whatsapp",
    "web_push",
    "in_app",
    "email",
]
# per channel: open rate given delivered, click rate given opened (sms: click without open)


@dataclass
class Shop:
    """What every chunk reads and none changes."""

    seed: int
    start: int  # first second of the window (epoch seconds, UTC)
    end: int  # last second of the window: nothing clean happens after it
    bad_row_share: float
    countries: list[str]  # country codes; customers' `country` indexes this list
    country_p: np.ndarray  # probability of each country
    calling: list[str]  # per country: calling code, trunk prefix, currency code
    trunk: list[str]
    currency: list[str]
    usd_per_unit: dict[str, float]  # per currency code
    products: dict  # numpy columns of the catalogue (see `_products`)
    campaigns: dict  # numpy columns of the campaigns (see `_campaigns`)


def read_seed(name: str) -> list[dict]:
    """Rows of one of the project's dbt seeds (the generator uses the same reference data)."""
    with (project_dir() / "seeds" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def make_shop(seed: int, months: int, end_date: str, bad_row_share: float) -> Shop:
    """The shop of `months` months ending on `end_date`; products, then campaigns, from (seed, 0)."""
    end = int(np.datetime64(end_date, "s").astype(np.int64)) + DAY - 1
    start = end - int(round(months * 30.44 * DAY))
    seeds = {r["country_code"]: r for r in read_seed("countries.csv")}
    rates = {r["currency_code"]: float(r["usd_per_unit"]) for r in read_seed("currency_rates.csv")}
    countries = list(COUNTRIES)
    weights = np.array([COUNTRIES[c][0] for c in countries], dtype=float)
    rng = np.random.default_rng([seed, 0])
    products = _products(rng, start, end)
    campaigns = _campaigns(rng, start, end)
    return Shop(
        seed=seed,
        start=start,
        end=end,
        bad_row_share=bad_row_share,
        countries=countries,
        country_p=weights / weights.sum(),
        calling=[seeds[c]["calling_code"] for c in countries],
        trunk=[seeds[c]["trunk_prefix"] for c in countries],
        currency=[seeds[c]["currency_code"] for c in countries],
        usd_per_unit=rates,
        products=products,
        campaigns=campaigns,
    )


def _products(rng: np.random.Generator, start: int, end: int, count: int = 200) -> dict:
    """The catalogue, with the sort orders the order and event steps search in (by price, by launch)."""
    cats = list(CATEGORIES)
    category = np.arange(count) % len(cats)
    price = np.round(np.exp(rng.normal([CATEGORY_PRICE[cats[c]] for c in category], 0.55)) - 0.01, 2)
    price = np.maximum(price, 1.99)
    new = rng.random(count) < 0.25  # launched during the window: innovators buy these early
    launched = np.where(
        new,
        start + rng.integers(0, max(DAY, end - start - 30 * DAY), count),
        start - rng.integers(30 * DAY, 900 * DAY, count),
    )
    launched = launched - launched % HOUR  # on the hour
    brand = rng.integers(0, len(BRANDS), count)
    noun = rng.integers(0, 5, count)
    adjective = rng.integers(0, len(ADJECTIVES), count)
    names = [
        f"{BRANDS[b]} {ADJECTIVES[a]} {CATEGORIES[cats[c]][k]}"
        for b, a, c, k in zip(brand, adjective, category, noun, strict=True)
    ]
    by_launch = np.argsort(launched, kind="stable")
    old = np.nonzero(launched < start)[0]
    old_by_price = old[np.argsort(price[old], kind="stable")]
    # products of each category, for related-product views
    cat_members = [np.nonzero(category == c)[0] for c in range(len(cats))]
    return {
        "id": [f"P{i + 1:04d}" for i in range(count)],
        "name": names,
        "category_idx": category,
        "category": [cats[c] for c in category],
        "brand": [BRANDS[b] for b in brand],
        "price": price,
        "launched": launched,
        "by_launch": by_launch,
        "launched_sorted": launched[by_launch],
        "by_price": np.argsort(price, kind="stable"),
        "price_sorted": np.sort(price, kind="stable"),
        "old_by_price": old_by_price,
        "old_price_sorted": price[old_by_price],
        "cat_members": cat_members,
    }


def _campaigns(rng: np.random.Generator, start: int, end: int, count: int = 30) -> dict:
    """One campaign per journey by email, then more over every channel; some with holdout groups."""
    journey = [JOURNEYS[i % len(JOURNEYS)] for i in range(count)]
    # the first ten (one per journey) by email, the others spread over every channel
    channel = ["email" if i < 10 else CAMPAIGN_CHANNELS[i % len(CAMPAIGN_CHANNELS)] for i in range(count)]
    span = end - start
    started = start + (rng.random(count) * max(span - 45 * DAY, DAY)).astype(np.int64)
    started = started - started % DAY + 9 * HOUR
    triggered = np.array(
        [j in ("welcome", "onboarding", "cart_recovery", "browse_recovery") for j in journey]
    )
    length = np.where(triggered, rng.integers(120, 400, count), rng.integers(7, 45, count)) * DAY
    ended = started + length
    is_control = rng.random(count) < 0.6
    is_control[:3] = True
    return {
        "id": [f"CMP{i + 1:03d}" for i in range(count)],
        "name": [
            f"{j.replace('_', ' ').title()} #{i + 1} ({c})"
            for i, (j, c) in enumerate(zip(journey, channel, strict=True))
        ],
        "journey": journey,
        "channel": channel,
        "triggered": triggered,
        "is_control": is_control,
        "started": started,
        "ended": ended,
        "cost": np.round(rng.uniform(100, 8000, count), 2),
        "currency": ["USD" if i % 4 else "EUR" for i in range(count)],
    }


def static_tables(shop: Shop, contract: Contract) -> dict[str, pa.Table]:
    """The products and campaigns tables (no random draws: written with the first chunk)."""
    p, c = shop.products, shop.campaigns
    products = build_table(
        contract["products"],
        {
            "product_id": text(p["id"]),
            "name": text(p["name"]),
            "category": text(p["category"]),
            "brand": text(p["brand"]),
            "price": money(p["price"]),
            "launched_at": ts(p["launched"]),
        },
        len(p["id"]),
    )
    running = c["ended"] > shop.end
    campaigns = build_table(
        contract["campaigns"],
        {
            "campaign_id": text(c["id"]),
            "name": text(c["name"]),
            "channel": text(c["channel"]),
            "journey": text(c["journey"]),
            "target_stage": text([JOURNEY_STAGE[j] for j in c["journey"]]),
            "is_control": text(["true" if x else "false" for x in c["is_control"]]),
            "started_at": ts(c["started"]),
            "ended_at": null_where(ts(np.minimum(c["ended"], shop.end)), running),
            "cost": money(c["cost"]),
            "currency": text(c["currency"]),
        },
        len(c["id"]),
    )
    return {"products": products, "campaigns": campaigns}


@dataclass(frozen=True)
class Batch:
    """The customers one chunk simulates: global numbers first .. first + n - 1.

    `index` seeds the chunk's random stream (seed, 1, index) and offsets the ids of its orders,
    events, survey responses and referrals, so chunks never collide.
    """

    index: int
    first: int
    n: int
    numbers: np.ndarray  # 0-based global customer numbers (customer_id C0000001 is number 0)
    customer_id: pa.Array  # the customers' ids, in number order

    @classmethod
    def of(cls, index: int, first: int, n: int) -> Batch:
        numbers = np.arange(first, first + n, dtype=np.int64)
        return cls(index, first, n, numbers, ids("C", numbers + 1, 7))
