"""`lifecycle generate`: a deterministic synthetic shop that exercises every model.

The same arguments give the same bytes: all randomness comes from `random.Random` instances
seeded from (seed, chunk), nothing reads the clock, and rows are written in generation order.
Customers are generated in chunks and appended to the files chunk by chunk, so memory stays
bounded at any size.

What is inside (and why):
- registered customers in 19 countries with native-script names, IANA time zones, BCP 47
  languages and phones in mixed national/international formats (normalization);
- a buy-till-you-die purchase process per customer: purchase rate ~ Gamma(r, alpha), dropout
  after each purchase ~ Beta(a, b), spend per customer ~ Gamma-Gamma, Nov/Dec seasonality
  (CLV, churn and purchase models have real signal; truth parameters in summary.json);
- anonymous browsing before sign-up on 1-3 devices, identify events, guest checkouts by email
  (some with a registered customer's email), anonymous-only visitors, placeholder values, a
  family tablet shared by two customers and a shop kiosk shared by many (identity stitching);
- products with categories, brands and launch dates; discount-prone customers; abandoned carts;
- campaigns per journey and channel with A/B variants and holdout groups, message events with
  realistic rates and a small true uplift; consents and revocations; deletion requests; NPS and
  CSAT; referrals; loyalty points;
- a settable share of bad rows, exactly one defect each, listed in `_truth/bad_rows.csv` with
  the reason staging must quarantine them for.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from lifecycle.contract import load_contract

CHUNK_CUSTOMERS = 20_000

# True BG/NBD and Gamma-Gamma parameters of the simulated shop (time unit: days).
TRUE_PARAMS = {"r": 0.9, "alpha": 60.0, "a": 1.0, "b": 4.0, "p": 6.0, "q": 4.0, "v": 300.0}
SEASONALITY = {
    1: 0.8,
    2: 0.8,
    3: 0.9,
    4: 0.9,
    5: 1.0,
    6: 0.9,
    7: 0.9,
    8: 0.9,
    9: 1.0,
    10: 1.1,
    11: 1.6,
    12: 1.8,
}

# country: weight, time zones, language, currency, phone digits after trunk, names
COUNTRIES = {
    "US": (18, ["America/New_York", "America/Chicago", "America/Los_Angeles"], "en-US", "USD", 10),
    "CA": (4, ["America/Toronto", "America/Vancouver"], "en-CA", "CAD", 10),
    "GB": (8, ["Europe/London"], "en-GB", "GBP", 10),
    "FR": (8, ["Europe/Paris"], "fr-FR", "EUR", 9),
    "DE": (7, ["Europe/Berlin"], "de-DE", "EUR", 10),
    "ES": (4, ["Europe/Madrid"], "es-ES", "EUR", 9),
    "IT": (4, ["Europe/Rome"], "it-IT", "EUR", 10),
    "NL": (3, ["Europe/Amsterdam"], "nl-NL", "EUR", 9),
    "RO": (8, ["Europe/Bucharest"], "ro-RO", "RON", 9),
    "BG": (4, ["Europe/Sofia"], "bg-BG", "BGN", 9),
    "RU": (5, ["Europe/Moscow"], "ru-RU", "RUB", 10),
    "CN": (6, ["Asia/Shanghai"], "zh-CN", "CNY", 11),
    "JP": (3, ["Asia/Tokyo"], "ja-JP", "JPY", 10),
    "AU": (3, ["Australia/Sydney"], "en-AU", "AUD", 9),
    "CH": (2, ["Europe/Zurich"], "de-CH", "CHF", 9),
    "PL": (3, ["Europe/Warsaw"], "pl-PL", "PLN", 9),
    "SE": (2, ["Europe/Stockholm"], "sv-SE", "SEK", 9),
    "BR": (4, ["America/Sao_Paulo"], "pt-BR", "BRL", 11),
    "IN": (4, ["Asia/Kolkata"], "en-IN", "INR", 10),
}
CALLING = {
    "US": "1",
    "CA": "1",
    "GB": "44",
    "FR": "33",
    "DE": "49",
    "ES": "34",
    "IT": "39",
    "NL": "31",
    "RO": "40",
    "BG": "359",
    "RU": "7",
    "CN": "86",
    "JP": "81",
    "AU": "61",
    "CH": "41",
    "PL": "48",
    "SE": "46",
    "BR": "55",
    "IN": "91",
}
TRUNK = {"US": "1", "CA": "1", "RU": "8", "ES": "", "IT": "", "PL": ""}
NAMES = {
    "RO": (
        ["Ștefan", "Andreea", "Mihai", "Ioana", "Răzvan", "Alexandra", "Bogdan", "Elena"],
        ["Popescu", "Ionescu", "Dumitrescu", "Stănescu", "Țurcanu", "Munteanu"],
    ),
    "RU": (
        ["Анна", "Дмитрий", "Мария", "Сергей", "Ольга", "Алексей"],
        ["Иванова", "Смирнов", "Кузнецова", "Попов", "Соколова"],
    ),
    "BG": (
        ["Георги", "Мария", "Иван", "Десислава", "Николай"],
        ["Петров", "Иванова", "Димитров", "Георгиева"],
    ),
    "CN": (["伟", "芳", "娜", "秀英", "敏", "静"], ["王", "李", "张", "刘", "陈"]),
    "JP": (["翔", "陽菜", "蓮", "結衣"], ["佐藤", "鈴木", "高橋", "田中"]),
    "FR": (
        ["Hélène", "François", "Chloé", "Jérôme", "Zoé", "Loïc"],
        ["Lefèvre", "Dubois", "Moreau", "Girard"],
    ),
    "DE": (["Jürgen", "Anna", "Lukas", "Mia"], ["Müller", "Schröder", "Weiß", "Becker"]),
    "ES": (["José", "María", "Álvaro", "Lucía"], ["García", "Martínez", "Núñez", "López"]),
    "PL": (["Łukasz", "Zofia", "Paweł", "Małgorzata"], ["Kowalski", "Wiśniewska", "Wójcik"]),
    "SE": (["Åsa", "Björn", "Linnéa"], ["Andersson", "Johansson", "Öberg"]),
    "BR": (["João", "Ana", "Luís"], ["Silva", "Gonçalves", "Araújo"]),
}
DEFAULT_NAMES = (
    ["James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Priya", "Arjun", "Sofia", "Marco"],
    ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Sharma", "Rossi", "de Vries"],
)
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "mail.ru", "qq.com", "web.de", "orange.fr", "example.org"]
CATEGORIES = ["shoes", "apparel", "accessories", "beauty", "home", "electronics", "sports", "books"]
BRANDS = [f"brand_{c}" for c in "abcdefghijklmnopqrst"]
JOURNEYS = [
    "welcome",
    "onboarding",
    "cart_recovery",
    "browse_recovery",
    "winback",
    "upsell",
    "replenishment",
    "anniversary",
    "referral",
    "newsletter",
]
MSG_CHANNELS = ["email", "email", "email", "sms", "push", "whatsapp", "web_push", "in_app"]
UTM = [
    ("google", "cpc"),
    ("facebook", "paid_social"),
    ("newsletter", "email"),
    ("instagram", "social"),
    (None, None),
    (None, None),
    (None, None),
]
# Defects by table: (reason, column). Exactly one per bad row; 'duplicate' appends a copy.
DEFECTS = {
    "orders": [
        ("null_key", "order_id"),
        ("unparseable_timestamp", "ordered_at"),
        ("future_timestamp", "ordered_at"),
        ("negative_amount", "total_amount"),
        ("unknown_currency", "currency"),
        ("malformed_email", "email"),
        ("unparseable_number", "total_amount"),
        ("duplicate", None),
    ],
    "order_items": [("null_key", "product_id"), ("unparseable_number", "unit_price"), ("duplicate", None)],
    "customers": [
        ("null_key", "customer_id"),
        ("unparseable_timestamp", "created_at"),
        ("future_timestamp", "created_at"),
        ("malformed_email", "email"),
        ("duplicate", None),
    ],
    "events": [
        ("null_key", "event_id"),
        ("unparseable_timestamp", "timestamp"),
        ("future_timestamp", "timestamp"),
        ("duplicate", None),
    ],
    "message_events": [
        ("null_key", "message_event_id"),
        ("unparseable_timestamp", "occurred_at"),
        ("future_timestamp", "occurred_at"),
        ("duplicate", None),
    ],
    "consents": [("null_key", "customer_id"), ("unparseable_timestamp", "recorded_at"), ("duplicate", None)],
    "survey_responses": [("null_key", "response_id"), ("unparseable_number", "score"), ("duplicate", None)],
    "loyalty_transactions": [
        ("null_key", "customer_id"),
        ("unparseable_timestamp", "occurred_at"),
        ("duplicate", None),
    ],
}
MIN_ROWS_FOR_DEFECTS = 500  # small tables (campaigns, products ...) stay clean


def _ts(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _ts_with_offset(value: dt.datetime, rnd: random.Random) -> str:
    """The same instant written with an explicit offset (about 2% of timestamps)."""
    hours = rnd.choice([-5, 1, 2, 3, 8])
    local = value + dt.timedelta(hours=hours)
    sign = "+" if hours >= 0 else "-"
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(hours):02d}:00"


@dataclass
class _Chunk:
    """Rows of one chunk per table, plus the truth about people in it."""

    rows: dict[str, list[dict]] = field(default_factory=dict)
    persons: list[tuple] = field(default_factory=list)
    identifiers: list[tuple] = field(default_factory=list)

    def add(self, table: str, row: dict) -> None:
        self.rows.setdefault(table, []).append(row)


class _Shop:
    def __init__(self, customers: int, months: int, seed: int, end_date: str, bad_row_share: float):
        self.customers = customers
        self.seed = seed
        self.end = dt.datetime.combine(dt.date.fromisoformat(end_date), dt.time(23, 59, 59))
        self.start = self.end - dt.timedelta(days=round(months * 30.44))
        self.days = (self.end - self.start).days
        self.bad_row_share = bad_row_share
        rnd = random.Random(f"{seed}-catalog")
        self.products = self._products(rnd)
        self.campaigns = self._campaigns(rnd)
        self.countries = list(COUNTRIES)
        self.country_weights = [COUNTRIES[c][0] for c in self.countries]

    # ------------------------------------------------------------------ catalog
    def _products(self, rnd: random.Random) -> list[dict]:
        products = []
        for i in range(200):
            category = CATEGORIES[i % len(CATEGORIES)]
            launched = self.start - dt.timedelta(days=rnd.randint(30, 900))
            if rnd.random() < 0.2:  # launched during the window: innovators buy these early
                launched = self.start + dt.timedelta(days=rnd.randint(0, max(1, self.days - 30)))
            products.append(
                {
                    "product_id": f"P{i + 1:04d}",
                    "name": f"{category.title()} item {i + 1}",
                    "category": category,
                    "brand": rnd.choice(BRANDS),
                    "price": round(math.exp(rnd.gauss(3.4, 0.7)), 2),
                    "launched_at": launched,
                }
            )
        return products

    def _campaigns(self, rnd: random.Random) -> list[dict]:
        campaigns = []
        for i in range(30):
            journey = JOURNEYS[i % len(JOURNEYS)]
            started = self.start + dt.timedelta(days=rnd.randint(0, max(1, self.days - 60)))
            campaigns.append(
                {
                    "campaign_id": f"CMP{i + 1:03d}",
                    "name": f"{journey} {i + 1}",
                    "channel": rnd.choice(MSG_CHANNELS),
                    "journey": journey,
                    "target_stage": {"welcome": "lead", "winback": "lapsed", "upsell": "active"}.get(
                        journey, "active"
                    ),
                    "is_control": "true" if rnd.random() < 0.6 else "false",
                    "started_at": _ts(started),
                    "ended_at": _ts(started + dt.timedelta(days=rnd.randint(14, 60))),
                    "cost": f"{rnd.uniform(100, 5000):.2f}",
                    "currency": "USD",
                    "_start": started,
                }
            )
        return campaigns

    # ------------------------------------------------------------------ people
    def chunk(self, index: int, first: int, count: int) -> _Chunk:
        rnd = random.Random(f"{self.seed}-chunk-{index}")
        out = _Chunk()
        for n in range(first, first + count):
            self._customer(rnd, out, n)
        # anonymous-only visitors (+40%) and guest checkouts (+8%)
        for n in range(first, first + count):
            if rnd.random() < 0.4:
                self._anonymous_visitor(rnd, out, n)
            if rnd.random() < 0.08:
                self._guest(rnd, out, n)
        return out

    def _when(self, rnd: random.Random, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
        span = max(1, int((hi - lo).total_seconds()))
        return lo + dt.timedelta(seconds=rnd.randrange(span))

    def _phone(self, rnd: random.Random, country: str) -> str | None:
        if rnd.random() < 0.15:
            return None
        digits = str(rnd.randint(2, 9)) + "".join(
            str(rnd.randint(0, 9)) for _ in range(COUNTRIES[country][4] - 1)
        )
        trunk = TRUNK.get(country, "0")
        style = rnd.random()
        if style < 0.35:
            return f"{trunk}{digits[:3]} {digits[3:6]} {digits[6:]}"
        if style < 0.6:
            return f"+{CALLING[country]} {digits[:3]}-{digits[3:6]}-{digits[6:]}"
        if style < 0.75:
            return f"00{CALLING[country]}{digits}"
        if style < 0.9:
            return f"({trunk}{digits[:3]}) {digits[3:]}"
        return f"+{CALLING[country]}{digits}"

    def _customer(self, rnd: random.Random, out: _Chunk, n: int) -> None:
        customer_id = f"C{n + 1:07d}"
        person_id = f"person-{customer_id}"
        country = rnd.choices(self.countries, self.country_weights)[0]
        first_names, last_names = NAMES.get(country, DEFAULT_NAMES)
        email = f"{customer_id.lower()}@{rnd.choice(DOMAINS)}"
        written_email = email
        if rnd.random() < 0.1:
            written_email = f"  {email.upper()} "  # staging trims and lower-cases
        signup = self._when(rnd, self.start, self.end - dt.timedelta(days=1))
        devices = [f"dev-{customer_id}-{d}" for d in range(rnd.choice([1, 1, 1, 2, 2, 3]))]
        anons = [f"anon-{customer_id}-{d}" for d in range(len(devices))]
        deletion = rnd.random() < 0.005
        out.persons.append((person_id, "customer", customer_id, "true" if deletion else "false"))
        ids = [("customer_id", customer_id), ("email", email)] + [("anonymous_id", a) for a in anons]
        ids += [("device_id", d) for d in devices]
        phone = self._phone(rnd, country)
        out.add(
            "customers",
            {
                "customer_id": customer_id,
                "email": written_email,
                "phone": phone,
                "first_name": rnd.choice(first_names),
                "last_name": rnd.choice(last_names),
                "country": country if rnd.random() > 0.03 else country.lower(),
                "region": None,
                "city": f"City {rnd.randint(1, 40)}",
                "postal_code": f"{rnd.randint(10000, 99999)}",
                "timezone": rnd.choice(COUNTRIES[country][1]),
                "language": COUNTRIES[country][2],
                "birth_date": (signup - dt.timedelta(days=rnd.randint(18 * 365, 70 * 365))).strftime(
                    "%Y-%m-%d"
                ),
                "gender": rnd.choice(["female", "male", "female", "male", "non-binary", None]),
                "created_at": _ts(signup),
                "updated_at": _ts(signup + dt.timedelta(days=rnd.randint(0, 30))),
            },
        )
        for id_type, value in ids:
            out.identifiers.append((person_id, id_type, value))

        # browsing before sign-up, anonymous, then identify on the sign-up device
        for _ in range(rnd.choice([0, 1, 1, 2])):
            at = signup - dt.timedelta(days=rnd.uniform(0.1, 20))
            if at > self.start:
                self._session(rnd, out, at, anons[0], None, devices[0], purchase=None)
        self._event(rnd, out, signup, "identify", None, anons[0], customer_id, devices[0], email=email)
        self._event(rnd, out, signup, "track", "Signed Up", anons[0], customer_id, devices[0])
        self._consents(rnd, out, customer_id, signup)

        # buy till you die
        lam = rnd.gammavariate(TRUE_PARAMS["r"], 1 / TRUE_PARAMS["alpha"])
        p_drop = rnd.betavariate(TRUE_PARAMS["a"], TRUE_PARAMS["b"])
        spend_scale = rnd.gammavariate(TRUE_PARAMS["q"], TRUE_PARAMS["v"] / TRUE_PARAMS["q"]) / 10
        discount_prone = rnd.random() < 0.2
        innovator = rnd.random() < 0.1
        orders = []
        if rnd.random() < 0.75:
            at = signup + dt.timedelta(days=rnd.expovariate(1 / 10))
            while at < self.end:
                orders.append(at)
                if rnd.random() < p_drop:
                    break
                while True:  # thinning: seasonality modulates the rate
                    at = at + dt.timedelta(days=rnd.expovariate(lam * 1.8))
                    if at >= self.end or rnd.random() < SEASONALITY[at.month] / 1.8:
                        break
        points = 0
        for k, at in enumerate(orders):
            device = rnd.choice(devices)
            anon = anons[devices.index(device)]
            order_id = self._order(
                rnd,
                out,
                customer_id,
                email,
                anon,
                country,
                at,
                spend_scale,
                discount_prone,
                innovator,
                guest=False,
            )
            self._session(
                rnd,
                out,
                at - dt.timedelta(minutes=rnd.uniform(2, 20)),
                anon,
                customer_id,
                device,
                purchase=order_id,
            )
            points += int(spend_scale)
            out.add(
                "loyalty_transactions",
                {
                    "customer_id": customer_id,
                    "points": str(int(spend_scale) + 10),
                    "reason": "order",
                    "occurred_at": _ts(at),
                },
            )
            if k == 0 and rnd.random() < 0.3:
                self._survey(rnd, out, customer_id, at, "csat")
        # browse and cart abandonment sessions
        for _ in range(rnd.choice([0, 1, 2, 3])):
            at = self._when(rnd, signup, self.end)
            device = rnd.choice(devices)
            self._session(rnd, out, at, anons[devices.index(device)], customer_id, device, purchase=None)
        if orders and rnd.random() < 0.2:
            self._survey(rnd, out, customer_id, orders[-1] + dt.timedelta(days=3), "nps")
        if points > 300 and rnd.random() < 0.3:
            out.add(
                "loyalty_transactions",
                {
                    "customer_id": customer_id,
                    "points": str(-200),
                    "reason": "redemption",
                    "occurred_at": _ts(orders[-1]),
                },
            )
        if rnd.random() < 0.05:
            self._referral(rnd, out, customer_id, signup)
        # a registered customer sometimes checks out as a guest with the same email
        if orders and rnd.random() < 0.05:
            at = self._when(rnd, orders[0], self.end)
            self._order(rnd, out, None, email, None, country, at, spend_scale, False, False, guest=True)
        # shared devices: a family tablet (2 customers) and a shop kiosk (every 60th customer)
        if n % 500 in (7, 8):
            self._event(
                rnd,
                out,
                self._when(rnd, signup, self.end),
                "track",
                "Product Viewed",
                f"anon-family-{n // 500}",
                customer_id,
                f"dev-family-tablet-{n // 500}",
            )
        if n % 60 == 5:
            self._event(
                rnd,
                out,
                self._when(rnd, signup, self.end),
                "track",
                "Product Viewed",
                f"anon-kiosk-{customer_id}",
                customer_id,
                "dev-store-kiosk-1",
            )
        if deletion:
            at = self._when(rnd, signup, self.end)
            out.add(
                "deletion_requests",
                {
                    "customer_id": customer_id,
                    "email": email if rnd.random() < 0.5 else None,
                    "requested_at": _ts(at),
                    "regulation": rnd.choice(["gdpr", "ccpa"]),
                },
            )
        self._messages(rnd, out, customer_id, signup, orders)

    def _anonymous_visitor(self, rnd: random.Random, out: _Chunk, n: int) -> None:
        anon = f"anon-visitor-{n + 1:07d}"
        device = f"dev-visitor-{n + 1:07d}"
        out.persons.append((f"person-{anon}", "anonymous", None, "false"))
        out.identifiers.append((f"person-{anon}", "anonymous_id", anon))
        out.identifiers.append((f"person-{anon}", "device_id", device))
        for _ in range(rnd.choice([1, 1, 2, 3])):
            self._session(rnd, out, self._when(rnd, self.start, self.end), anon, None, device, purchase=None)

    def _guest(self, rnd: random.Random, out: _Chunk, n: int) -> None:
        email = f"guest{n + 1:07d}@{rnd.choice(DOMAINS)}"
        person_id = f"person-guest-{n + 1:07d}"
        anon = f"anon-guest-{n + 1:07d}"
        country = rnd.choices(self.countries, self.country_weights)[0]
        out.persons.append((person_id, "guest", None, "false"))
        out.identifiers += [(person_id, "email", email), (person_id, "anonymous_id", anon)]
        for k in range(rnd.choice([1, 1, 2])):
            at = self._when(rnd, self.start, self.end)
            placeholder = k == 0 and rnd.random() < 0.08
            # a placeholder email never links people; this order is its own person
            order_email = "test@test.com" if placeholder else email
            order_id = self._order(
                rnd,
                out,
                None,
                order_email,
                None if placeholder else anon,
                country,
                at,
                rnd.uniform(10, 60),
                False,
                False,
                guest=True,
            )
            if not placeholder:
                self._session(rnd, out, at - dt.timedelta(minutes=5), anon, None, None, purchase=order_id)

    # ------------------------------------------------------------------ facts
    def _order(
        self, rnd, out, customer_id, email, anon, country, at, spend_scale, discount_prone, innovator, guest
    ) -> str:
        order_id = f"O{len(out.rows.get('orders', [])):06d}-{out_key(rnd)}"
        currency = COUNTRIES[country][3]
        rate = RATES.get(currency, 1.0)
        pool = self.products
        if innovator:
            recent = [p for p in pool if dt.timedelta(0) <= at - p["launched_at"] <= dt.timedelta(days=60)]
            pool = recent or pool
        # distinct products per order: (order_id, product_id) is the order line key
        lines = []
        for product in rnd.sample(pool, min(len(pool), rnd.choice([1, 1, 1, 2, 2, 3]))):
            qty = rnd.choice([1, 1, 1, 2])
            unit_usd = product["price"] * (0.5 + spend_scale / 30)
            lines.append((product["product_id"], qty, unit_usd))
        items_usd = sum(q * u for _, q, u in lines)
        discount_usd = 0.0
        code = None
        if rnd.random() < (0.6 if discount_prone else 0.05):
            discount_usd = round(items_usd * rnd.choice([0.1, 0.15, 0.2]), 2)
            code = rnd.choice(["WELCOME10", "SALE15", "VIP20", "BF2025"])
        shipping_usd = 0.0 if items_usd > 50 else 4.99
        tax_usd = round((items_usd - discount_usd) * 0.08, 2)
        total_usd = items_usd - discount_usd + shipping_usd + tax_usd
        status = rnd.choices(["completed", "cancelled", "refunded", "pending"], [90, 4, 4, 2])[0]
        if status == "pending" and (self.end - at).days > 7:
            status = "completed"
        row = {
            "order_id": order_id,
            "customer_id": customer_id,
            "email": email,
            "anonymous_id": anon,
            "ordered_at": _ts_with_offset(at, rnd) if rnd.random() < 0.02 else _ts(at),
            "status": status if rnd.random() > 0.1 else None if status == "completed" else status,
            "currency": currency,
            "total_amount": f"{total_usd / rate:.2f}",
            "discount_amount": f"{discount_usd / rate:.2f}" if discount_usd else None,
            "discount_code": code,
            "shipping_amount": f"{shipping_usd / rate:.2f}",
            "tax_amount": f"{tax_usd / rate:.2f}",
            "sales_channel": rnd.choices(["web", "app", "store", "marketplace"], [55, 30, 10, 5])[0],
            "updated_at": _ts(at + dt.timedelta(minutes=rnd.randint(1, 600))),
        }
        out.add("orders", row)
        for product_id, qty, unit_usd in lines:
            out.add(
                "order_items",
                {
                    "order_id": order_id,
                    "product_id": product_id,
                    "quantity": str(qty),
                    "unit_price": f"{unit_usd / rate:.2f}",
                    "discount_amount": None,
                },
            )
        # a legitimate later version (refund after delivery): not a bad row, the newest wins
        if status == "completed" and rnd.random() < 0.01 and at + dt.timedelta(days=20) < self.end:
            out.add("orders", dict(row, status="refunded", updated_at=_ts(at + dt.timedelta(days=20))))
        return order_id

    def _event(
        self,
        rnd,
        out,
        at,
        event_type,
        name,
        anon,
        user_id,
        device,
        email=None,
        props=None,
        page=None,
        utm=(None, None),
    ) -> None:
        if name and rnd.random() < 0.01:  # non-canonical names from old SDKs
            name = {
                "Product Viewed": "product_viewed",
                "Product Added": "Added Product",
                "Order Completed": "order_completed",
            }.get(name, name)
        out.add(
            "events",
            {
                "event_id": f"E{out_key(rnd)}{len(out.rows.get('events', [])):07d}",
                "event_type": event_type,
                "event_name": name,
                "anonymous_id": anon,
                "user_id": user_id,
                "email": email,
                "timestamp": _ts_with_offset(at, rnd) if rnd.random() < 0.02 else _ts(at),
                "received_at": _ts(at + dt.timedelta(seconds=rnd.randint(0, 5))),
                "platform": "web"
                if device is None or device.endswith("0")
                else rnd.choice(["ios", "android", "web"]),
                "device_id": device,
                "page_url": page,
                "referrer": None,
                "utm_source": utm[0],
                "utm_medium": utm[1],
                "utm_campaign": f"camp_{utm[0]}" if utm[0] else None,
                "properties": json.dumps(props, ensure_ascii=False, separators=(",", ":")) if props else None,
            },
        )

    def _session(self, rnd, out, at, anon, user_id, device, purchase) -> None:
        utm = rnd.choice(UTM)
        product = rnd.choice(self.products)
        props = {
            "product_id": product["product_id"],
            "category": product["category"],
            "price": product["price"],
        }
        self._event(rnd, out, at, "page", "Page Viewed", anon, user_id, device, page="/", utm=utm)
        at += dt.timedelta(seconds=rnd.randint(10, 300))
        self._event(
            rnd,
            out,
            at,
            "track",
            "Product Viewed",
            anon,
            user_id,
            device,
            props=props,
            page=f"/p/{product['product_id']}",
        )
        if purchase or rnd.random() < 0.35:
            at += dt.timedelta(seconds=rnd.randint(10, 300))
            self._event(
                rnd, out, at, "track", "Product Added", anon, user_id, device, props=dict(props, quantity=1)
            )
            if purchase or rnd.random() < 0.3:
                at += dt.timedelta(seconds=rnd.randint(10, 300))
                self._event(rnd, out, at, "track", "Checkout Started", anon, user_id, device)
        if purchase:
            at += dt.timedelta(seconds=rnd.randint(10, 300))
            self._event(
                rnd, out, at, "track", "Order Completed", anon, user_id, device, props={"order_id": purchase}
            )

    def _consents(self, rnd, out, customer_id, at) -> None:
        for channel, purpose, share in [
            ("email", "marketing", 0.7),
            ("sms", "marketing", 0.3),
            ("push", "marketing", 0.4),
            ("whatsapp", "marketing", 0.1),
            ("ads", "ad_user_data", 0.6),
            ("ads", "ad_personalization", 0.55),
            ("ads", "sale_or_sharing", 0.9),
        ]:
            if rnd.random() < share:
                out.add(
                    "consents",
                    {
                        "customer_id": customer_id,
                        "channel": channel,
                        "purpose": purpose,
                        "status": "granted",
                        "recorded_at": _ts(at),
                        "source": "signup_form",
                    },
                )
                if rnd.random() < 0.1:
                    later = self._when(rnd, at, self.end)
                    out.add(
                        "consents",
                        {
                            "customer_id": customer_id,
                            "channel": channel,
                            "purpose": purpose,
                            "status": "revoked",
                            "recorded_at": _ts(later),
                            "source": "preference_center",
                        },
                    )

    def _messages(self, rnd, out, customer_id, signup, orders) -> None:
        for campaign in self.campaigns:
            if campaign["_start"] < signup or rnd.random() > 0.25:
                continue
            at = campaign["_start"] + dt.timedelta(hours=rnd.randint(0, 72))
            if at > self.end:
                continue
            message_id = f"M{campaign['campaign_id']}-{customer_id}"
            holdout = campaign["is_control"] == "true" and rnd.random() < 0.1
            variant = "control" if holdout else rnd.choice(["A", "B"])
            base = {
                "message_id": message_id,
                "campaign_id": campaign["campaign_id"],
                "customer_id": customer_id,
                "channel": campaign["channel"],
                "variant": variant,
            }

            def emit(event: str, when: dt.datetime, base: dict = base) -> None:
                out.add(
                    "message_events",
                    dict(
                        base,
                        message_event_id=f"ME{out_key(rnd)}{len(out.rows.get('message_events', [])):07d}",
                        event=event,
                        occurred_at=_ts(when),
                    ),
                )

            emit("sent", at)
            if holdout:
                continue
            if rnd.random() < 0.02:
                emit("bounced", at + dt.timedelta(minutes=1))
                continue
            emit("delivered", at + dt.timedelta(minutes=1))
            if rnd.random() < (0.22 if campaign["channel"] == "email" else 0.1):
                opened = at + dt.timedelta(hours=rnd.uniform(0.1, 30))
                emit("opened", opened)
                if rnd.random() < 0.12:
                    emit("clicked", opened + dt.timedelta(minutes=rnd.randint(0, 30)))
            if rnd.random() < 0.003:
                emit("unsubscribed", at + dt.timedelta(hours=2))
            elif rnd.random() < 0.0005:
                emit("complained", at + dt.timedelta(hours=2))

    def _survey(self, rnd, out, customer_id, at, kind) -> None:
        if at > self.end:
            return
        score = (
            min(10, max(0, round(rnd.gauss(7.5, 2))))
            if kind == "nps"
            else rnd.choices([1, 2, 3, 4, 5], [3, 5, 12, 40, 40])[0]
        )
        out.add(
            "survey_responses",
            {
                "response_id": f"S{out_key(rnd)}{len(out.rows.get('survey_responses', [])):06d}",
                "customer_id": customer_id,
                "survey_type": kind,
                "score": str(score),
                "comment": None,
                "responded_at": _ts(at),
            },
        )

    def _referral(self, rnd, out, customer_id, signup) -> None:
        at = self._when(rnd, signup, self.end)
        converted = rnd.random() < 0.4
        out.add(
            "referrals",
            {
                "referral_id": f"R{customer_id}",
                "referrer_customer_id": customer_id,
                "referred_customer_id": None,
                "referred_email": f"friend.of.{customer_id.lower()}@example.org",
                "created_at": _ts(at),
                "converted_at": _ts(at + dt.timedelta(days=3))
                if converted and at + dt.timedelta(days=3) < self.end
                else None,
            },
        )


RATES: dict[str, float] = {}


def out_key(rnd: random.Random) -> str:
    """A short random tag that keeps ids unique across chunks without global counters."""
    return f"{rnd.getrandbits(32):08x}"


def _inject_defects(
    table: str,
    rows: list[dict],
    rnd: random.Random,
    share: float,
    end: dt.datetime,
    first_row_number: int,
    bad: list[tuple],
) -> list[dict]:
    kinds = DEFECTS.get(table)
    if not kinds or share <= 0 or len(rows) < MIN_ROWS_FOR_DEFECTS:
        return rows
    n_bad = max(len(kinds), round(share * len(rows)))
    chosen = rnd.sample(range(len(rows)), min(n_bad, len(rows) // 2))
    duplicates = []
    for k, i in enumerate(chosen):
        reason, column = kinds[k % len(kinds)]
        row = rows[i]
        if reason == "duplicate":
            duplicates.append(dict(row))
            continue
        if reason == "null_key":
            row[column] = None
        elif reason == "unparseable_timestamp":
            row[column] = rnd.choice(["2026-13-45 25:61:00", "not a date", "31/31/2025"])
        elif reason == "future_timestamp":
            row[column] = _ts(end + dt.timedelta(days=365 * 5 + rnd.randint(0, 100)))
        elif reason == "negative_amount":
            row["total_amount"], row["status"] = f"-{rnd.uniform(5, 200):.2f}", "completed"
        elif reason == "unknown_currency":
            row["currency"] = rnd.choice(["XXX", "ZZZ", "ABC"])
        elif reason == "malformed_email":
            row["email"] = rnd.choice(["john.doe.example.com", "a@b", "two@@example.com", "no spaces@x.com"])
        elif reason == "unparseable_number":
            row[column] = rnd.choice(["abc", "NaN", "12,50.0", "inf"])
        bad.append((table, first_row_number + i, _key_of(table, row), reason))
    # exact re-deliveries go to the end; their row numbers follow the table's rows
    for d, row in enumerate(duplicates):
        bad.append((table, first_row_number + len(rows) + d, _key_of(table, row), "duplicate"))
    return rows + duplicates


def _key_of(table: str, row: dict) -> str:
    for key in ("order_id", "event_id", "message_event_id", "response_id", "customer_id"):
        if key in row:
            return "" if row[key] is None else str(row[key])
    return ""


def generate(
    out_dir: Path | str,
    customers: int = 3000,
    months: int = 24,
    seed: int = 42,
    end_date: str = "2026-09-30",
    bad_row_share: float = 0.005,
    file_format: str = "csv",
    progress: bool = True,
) -> dict:
    """Write every contract table of a synthetic shop to `out_dir`; return a summary."""
    if file_format not in ("csv", "parquet"):
        raise ValueError(f"file_format must be csv or parquet, not {file_format!r}")
    started = time.monotonic()
    out = Path(out_dir)
    truth = out / "_truth"
    truth.mkdir(parents=True, exist_ok=True)
    contract = load_contract()
    _load_rates()
    shop = _Shop(customers, months, seed, end_date, bad_row_share)

    writers = _Writers(out, contract, file_format)
    bad: list[tuple] = []
    counts = {name: 0 for name in contract}
    persons_file = (truth / "persons.csv").open("w", newline="", encoding="utf-8")
    identifiers_file = (truth / "identifiers.csv").open("w", newline="", encoding="utf-8")
    persons = csv.writer(persons_file, lineterminator="\n")
    identifiers = csv.writer(identifiers_file, lineterminator="\n")
    persons.writerow(["person_id", "kind", "customer_id", "has_deletion_request"])
    identifiers.writerow(["person_id", "id_type", "id_value"])

    static = {
        "products": [dict(p, launched_at=_ts(p["launched_at"])) for p in shop.products],
        "campaigns": [{k: v for k, v in c.items() if not k.startswith("_")} for c in shop.campaigns],
    }
    bar = _progress(customers, progress)
    chunks = range(0, customers, CHUNK_CUSTOMERS)
    for index, first in enumerate(chunks):
        count = min(CHUNK_CUSTOMERS, customers - first)
        chunk = shop.chunk(index, first, count)
        if index == 0:
            chunk.rows.update(static)
        defect_rnd = random.Random(f"{seed}-defects-{index}")
        for name in contract:
            rows = chunk.rows.get(name, [])
            rows = _inject_defects(name, rows, defect_rnd, bad_row_share, shop.end, counts[name] + 1, bad)
            writers.write(name, rows)
            counts[name] += len(rows)
        for row in chunk.persons:
            persons.writerow(["" if v is None else v for v in row])
        for row in chunk.identifiers:
            identifiers.writerow(row)
        bar(count)
    writers.close()
    persons_file.close()
    identifiers_file.close()
    with (truth / "bad_rows.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["table", "row_number", "key", "reason"])
        w.writerows(bad)
    reasons: dict[str, int] = {}
    for _, _, _, reason in bad:
        reasons[reason] = reasons.get(reason, 0) + 1
    summary = {
        "customers": customers,
        "months": months,
        "seed": seed,
        "end_date": end_date,
        "bad_row_share": bad_row_share,
        "file_format": file_format,
        "rows": counts,
        "bad_rows": dict(sorted(reasons.items())),
        "true_parameters": TRUE_PARAMS,
    }
    (truth / "summary.json").write_text(
        json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    summary["seconds"] = round(time.monotonic() - started, 2)
    return summary


def _load_rates() -> None:
    from lifecycle.paths import project_dir

    with (project_dir() / "seeds" / "currency_rates.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            RATES[row["currency_code"]] = float(row["usd_per_unit"])


def _progress(total: int, enabled: bool):
    if not enabled:
        return lambda n: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="customer", desc="generating", leave=False)

    def update(n: int) -> None:
        bar.update(n)
        if bar.n >= total:
            bar.close()

    return update


class _Writers:
    """Append rows to one file per table: CSV with csv.writer, Parquet with pyarrow."""

    def __init__(self, out: Path, contract, file_format: str):
        self.out, self.contract, self.format = out, contract, file_format
        self.files: dict = {}

    def write(self, name: str, rows: list[dict]) -> None:
        columns = self.contract[name].column_names
        if self.format == "csv":
            if name not in self.files:
                f = (self.out / f"{name}.csv").open("w", newline="", encoding="utf-8")
                w = csv.writer(f, lineterminator="\n")
                w.writerow(columns)
                self.files[name] = (f, w)
            _, w = self.files[name]
            for row in rows:
                w.writerow(["" if row.get(c) is None else row[c] for c in columns])
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = pa.schema([(c, pa.string()) for c in columns])
            if name not in self.files:
                self.files[name] = pq.ParquetWriter(self.out / f"{name}.parquet", schema)
            table = pa.table(
                {c: [None if r.get(c) is None else str(r[c]) for r in rows] for c in columns}, schema=schema
            )
            self.files[name].write_table(table)

    def close(self) -> None:
        for handle in self.files.values():
            if isinstance(handle, tuple):
                handle[0].close()
            else:
                handle.close()
