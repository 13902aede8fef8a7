"""`lifecycle generate`: a deterministic synthetic shop that exercises every model.

Same arguments, same bytes: every random draw comes from a numpy Generator seeded from
(seed, stream, chunk), nothing reads the clock, and rows are written in a fixed order. Customers
are simulated in chunks of `CHUNK_CUSTOMERS`, vectorized with numpy and pyarrow.compute, and each
chunk is appended to the output files, so memory stays bounded at any size.

What is inside (and why):
- registered customers in 19 countries with native-script names, IANA time zones, BCP 47
  languages, postal codes and phones in mixed national/international notations (normalization);
- a buy-till-you-die process per customer: purchase rate ~ Gamma(r, alpha), dropout after each
  purchase ~ Beta(a, b), order value ~ Gamma-Gamma, Nov/Dec seasonality by thinning (the CLV,
  churn and purchase models have real signal; true parameters in `_truth/summary.json`);
- anonymous browsing before sign-up on 1-3 devices, identify events, guest checkouts by email
  (some with a registered customer's email, some emails used twice), anonymous-only visitors,
  placeholder values, a family tablet shared by two customers and a shop kiosk shared by many;
- ~200 products with categories, brands and launch dates (innovators buy new launches early),
  order lines consistent with order totals, discount-prone customers, statuses and re-delivered
  order versions, sessions with abandoned carts and browse abandonment, UTM parameters and ~1%
  non-canonical Segment event names;
- ~30 campaigns per journey and channel with A/B variants and holdout (control) groups, message
  events with realistic rates and a small true uplift on purchases; consents and revocations;
  deletion requests; NPS and CSAT; referrals; loyalty points;
- a settable share of bad rows, exactly one defect each, listed in `_truth/bad_rows.csv` with the
  reason staging must quarantine them for.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lifecycle.contract import load_contract
from lifecycle.paths import project_dir

CHUNK_CUSTOMERS = 20_000
DAY = 86_400
HOUR = 3_600
MIN_ROWS_FOR_DEFECTS = 200  # per chunk: small tables (products, campaigns, ...) stay clean
MIN_DEFECTS_PER_REASON = 2  # per chunk and table, when bad_row_share > 0

# True parameters of the simulated shop. BG/NBD in days; Gamma-Gamma order value in USD.
TRUE_PARAMS = {"r": 0.9, "alpha": 60.0, "a": 1.0, "b": 4.0, "p": 6.0, "q": 4.0, "v": 30.0}
SEASONALITY = np.array([0.8, 0.8, 0.9, 0.9, 1.0, 0.9, 0.9, 0.9, 1.0, 1.1, 1.6, 1.8])
S_MAX = float(SEASONALITY.max())

# code: weight, national number length, leading digit, tax rate, languages, first names, last names
COUNTRIES: dict[str, tuple] = {
    "US": (18, 10, "4", 0.07, ["en-US", "es-US"], ["James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Mason"],
           ["Smith", "Johnson", "Williams", "Brown", "O'Connor", "Garcia", "Miller"]),
    "CA": (4, 10, "6", 0.13, ["en-CA", "fr-CA"], ["Liam", "Chloé", "Ethan", "Léa", "Owen"],
           ["Tremblay", "Gagnon", "Roy", "Côté", "MacDonald"]),
    "GB": (8, 10, "7", 0.20, ["en-GB"], ["Oliver", "Amelia", "Harry", "Isla", "George", "Siobhan"],
           ["Jones", "Taylor", "Davies", "Evans", "Wilson", "Smith-Jones"]),
    "FR": (8, 9, "6", 0.20, ["fr-FR", "fr"], ["Hélène", "François", "Chloé", "Jérôme", "Zoé", "Loïc", "Gaëlle"],  # noqa: E501
           ["Lefèvre", "Dubois", "Moreau", "Girard", "Bérénger", "Lemaître"]),
    "DE": (7, 10, "1", 0.19, ["de-DE", "de"], ["Jürgen", "Anna", "Lukas", "Mia", "Jörg", "Sören"],
           ["Müller", "Schröder", "Weiß", "Becker", "Groß"]),
    "ES": (4, 9, "6", 0.21, ["es-ES", "ca-ES"], ["José", "María", "Álvaro", "Lucía", "Iñigo"],
           ["García", "Martínez", "Núñez", "López", "Muñoz"]),
    "IT": (4, 10, "3", 0.22, ["it-IT"], ["Giulia", "Marco", "Niccolò", "Francesca", "Luca"],
           ["Rossi", "Russo", "Ferrari", "Esposito", "D'Angelo"]),
    "NL": (3, 9, "6", 0.21, ["nl-NL"], ["Daan", "Emma", "Sem", "Julia", "Bram"],
           ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker"]),
    "RO": (8, 9, "7", 0.19, ["ro-RO", "ro"], ["Ștefan", "Andreea", "Mihai", "Ioana", "Răzvan", "Alexandra", "Bogdan"],  # noqa: E501
           ["Popescu", "Ionescu", "Dumitrescu", "Stănescu", "Țurcanu", "Munteanu", "Șerban"]),
    "BG": (4, 9, "8", 0.20, ["bg-BG", "bg"], ["Георги", "Мария", "Иван", "Десислава", "Николай"],
           ["Петров", "Иванова", "Димитров", "Георгиева", "Стоянов"]),
    "RU": (5, 10, "9", 0.20, ["ru-RU", "ru"], ["Анна", "Дмитрий", "Мария", "Сергей", "Ольга", "Алексей"],
           ["Иванова", "Смирнов", "Кузнецова", "Попов", "Соколова", "Волков"]),
    "CN": (6, 11, "1", 0.13, ["zh-Hans-CN", "zh-CN"], ["伟", "芳", "娜", "秀英", "敏", "静"],
           ["王", "李", "张", "刘", "陈", "欧阳"]),
    "JP": (3, 10, "9", 0.10, ["ja-JP", "ja"], ["翔", "陽菜", "蓮", "結衣", "大翔"],
           ["佐藤", "鈴木", "高橋", "田中", "渡辺"]),
    "AU": (3, 9, "4", 0.10, ["en-AU"], ["Jack", "Charlotte", "William", "Matilda", "Lachlan"],
           ["Smith", "Nguyen", "Kelly", "Walker", "Wright"]),
    "CH": (2, 9, "7", 0.081, ["de-CH", "fr-CH"], ["Noah", "Léa", "Luca", "Mia", "Reto"],
           ["Müller", "Meier", "Schmid", "Favre", "Keller"]),
    "PL": (3, 9, "5", 0.23, ["pl-PL", "pl"], ["Łukasz", "Zofia", "Paweł", "Małgorzata", "Jakub"],
           ["Kowalski", "Wiśniewska", "Wójcik", "Nowak", "Zieliński"]),
    "SE": (2, 9, "7", 0.25, ["sv-SE", "sv"], ["Åsa", "Björn", "Linnéa", "Erik", "Maja"],
           ["Andersson", "Johansson", "Öberg", "Lindström", "Nilsson"]),
    "BR": (4, 11, "1", 0.17, ["pt-BR"], ["João", "Ana", "Luís", "Gabriela", "Conceição"],
           ["Silva", "Gonçalves", "Araújo", "Santos", "Simões"]),
    "IN": (4, 10, "9", 0.18, ["en-IN", "hi-IN"], ["Priya", "Arjun", "Ananya", "Rohan", "Saanvi"],
           ["Sharma", "Patel", "Iyer", "Reddy", "Gupta"]),
}  # fmt: skip
# city, region, IANA time zone
CITIES: dict[str, list[tuple[str, str, str]]] = {
    "US": [("New York", "NY", "America/New_York"), ("Chicago", "IL", "America/Chicago"),
           ("Los Angeles", "CA", "America/Los_Angeles"), ("Denver", "CO", "America/Denver"),
           ("Seattle", "WA", "America/Los_Angeles"), ("Miami", "FL", "America/New_York")],
    "CA": [("Toronto", "ON", "America/Toronto"), ("Montréal", "QC", "America/Toronto"),
           ("Vancouver", "BC", "America/Vancouver"), ("Calgary", "AB", "America/Edmonton")],
    "GB": [("London", "England", "Europe/London"), ("Manchester", "England", "Europe/London"),
           ("Edinburgh", "Scotland", "Europe/London")],
    "FR": [("Paris", "Île-de-France", "Europe/Paris"), ("Lyon", "Auvergne-Rhône-Alpes", "Europe/Paris"),
           ("Marseille", "Provence-Alpes-Côte d'Azur", "Europe/Paris")],
    "DE": [("Berlin", "Berlin", "Europe/Berlin"), ("München", "Bayern", "Europe/Berlin"),
           ("Köln", "Nordrhein-Westfalen", "Europe/Berlin")],
    "ES": [("Madrid", "Comunidad de Madrid", "Europe/Madrid"), ("Barcelona", "Cataluña", "Europe/Madrid"),
           ("Sevilla", "Andalucía", "Europe/Madrid"), ("Las Palmas", "Canarias", "Atlantic/Canary")],
    "IT": [("Roma", "Lazio", "Europe/Rome"), ("Milano", "Lombardia", "Europe/Rome"),
           ("Napoli", "Campania", "Europe/Rome")],
    "NL": [("Amsterdam", "Noord-Holland", "Europe/Amsterdam"), ("Rotterdam", "Zuid-Holland", "Europe/Amsterdam"),  # noqa: E501
           ("Utrecht", "Utrecht", "Europe/Amsterdam")],
    "RO": [("București", "București", "Europe/Bucharest"), ("Cluj-Napoca", "Cluj", "Europe/Bucharest"),
           ("Iași", "Iași", "Europe/Bucharest"), ("Timișoara", "Timiș", "Europe/Bucharest"),
           ("Brașov", "Brașov", "Europe/Bucharest")],
    "BG": [("София", "София-град", "Europe/Sofia"), ("Пловдив", "Пловдив", "Europe/Sofia"),
           ("Варна", "Варна", "Europe/Sofia")],
    "RU": [("Москва", "Москва", "Europe/Moscow"), ("Санкт-Петербург", "Санкт-Петербург", "Europe/Moscow"),
           ("Новосибирск", "Новосибирская область", "Asia/Novosibirsk"),
           ("Екатеринбург", "Свердловская область", "Asia/Yekaterinburg")],
    "CN": [("北京", "北京市", "Asia/Shanghai"), ("上海", "上海市", "Asia/Shanghai"), ("广州", "广东省", "Asia/Shanghai"),  # noqa: E501
           ("成都", "四川省", "Asia/Shanghai")],
    "JP": [("東京", "東京都", "Asia/Tokyo"), ("大阪", "大阪府", "Asia/Tokyo"), ("札幌", "北海道", "Asia/Tokyo")],  # noqa: E501
    "AU": [("Sydney", "NSW", "Australia/Sydney"), ("Melbourne", "VIC", "Australia/Melbourne"),
           ("Perth", "WA", "Australia/Perth"), ("Brisbane", "QLD", "Australia/Brisbane")],
    "CH": [("Zürich", "ZH", "Europe/Zurich"), ("Genève", "GE", "Europe/Zurich"), ("Basel", "BS", "Europe/Zurich")],  # noqa: E501
    "PL": [("Warszawa", "mazowieckie", "Europe/Warsaw"), ("Kraków", "małopolskie", "Europe/Warsaw"),
           ("Gdańsk", "pomorskie", "Europe/Warsaw")],
    "SE": [("Stockholm", "Stockholms län", "Europe/Stockholm"), ("Göteborg", "Västra Götaland", "Europe/Stockholm"),  # noqa: E501
           ("Malmö", "Skåne", "Europe/Stockholm")],
    "BR": [("São Paulo", "SP", "America/Sao_Paulo"), ("Rio de Janeiro", "RJ", "America/Sao_Paulo"),
           ("Manaus", "AM", "America/Manaus")],
    "IN": [("Mumbai", "Maharashtra", "Asia/Kolkata"), ("Bengaluru", "Karnataka", "Asia/Kolkata"),
           ("Delhi", "Delhi", "Asia/Kolkata")],
}  # fmt: skip
_D = "{:0{}d}".format
POSTAL = {
    "US": lambda a, b: _D(a % 100000, 5) + (f"-{b % 10000:04d}" if b % 10 == 0 else ""),
    "CA": lambda a, b: ["M5V 2T6", "H2X 1Y4", "V6B 4Y8", "T2P 1J9", "M4C 1B5"][a % 5],
    "GB": lambda a, b: ["SW1A 1AA", "M1 1AE", "EH1 1YZ", "EC1A 1BB", "W1A 0AX", "B33 8TH"][a % 6],
    "NL": lambda a, b: f"{1000 + a % 9000} {'ABCDEKLMRX'[b % 10]}{'ABCDEKLMRX'[b // 10 % 10]}",
    "JP": lambda a, b: f"{a % 1000:03d}-{b % 10000:04d}",
    "PL": lambda a, b: f"{a % 100:02d}-{b % 1000:03d}",
    "SE": lambda a, b: f"{100 + a % 900} {b % 100:02d}",
    "BR": lambda a, b: f"{a % 100000:05d}-{b % 1000:03d}",
}
POSTAL_DIGITS = {"RO": 6, "RU": 6, "CN": 6, "IN": 6, "BG": 4, "AU": 4, "CH": 4}
EMAIL_HANDLES = ["alex", "sam", "maria", "ion", "anna", "li", "yuki", "jo", "kim", "dan", "eva", "max",
                 "nina", "omar", "raj", "sofia", "elena", "mihai", "olga", "wei"]  # fmt: skip
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "mail.ru", "qq.com", "web.de", "orange.fr", "yandex.ru",
           "icloud.com", "hotmail.co.uk", "gmx.de", "abv.bg"]  # fmt: skip
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
SEARCH_QUERIES = ["running shoes", "hoodie", "gift for her", "earbuds", "chaussures", "кроссовки", "运动鞋",
                  "yoga mat", "parfum", "geantă", "black friday", "candle", "ランニングシューズ"]  # fmt: skip
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
OPEN_RATE = {"email": 0.23, "sms": 0.0, "push": 0.08, "whatsapp": 0.45, "web_push": 0.06, "in_app": 0.30}
CLICK_RATE = {"email": 0.11, "sms": 0.03, "push": 0.30, "whatsapp": 0.06, "web_push": 0.25, "in_app": 0.08}
CONSENTS = [  # channel, purpose, share granted at sign-up
    ("email", "marketing", 0.70),
    ("sms", "marketing", 0.30),
    ("push", "marketing", 0.40),
    ("whatsapp", "marketing", 0.12),
    ("ads", "ad_user_data", 0.60),
    ("ads", "ad_personalization", 0.55),
    ("ads", "sale_or_sharing", 0.85),
]
DISCOUNT_CODES = [("WELCOME10", 0.10), ("SAVE15", 0.15), ("VIP20", 0.20), ("BLACKFRIDAY25", 0.25)]
UTMS = [("google", "cpc", "brand_search"), ("google", "cpc", "generic_search"),
        ("facebook", "paid_social", "prospecting"), ("instagram", "social", "influencer_q"),
        ("newsletter", "email", "weekly_newsletter"), ("tiktok", "paid_social", "ugc_video"),
        ("criteo", "display", "retargeting")]  # fmt: skip
REFERRERS = ["https://www.google.com/", "https://www.facebook.com/", "https://www.bing.com/",
             "https://t.co/", "https://duckduckgo.com/"]  # fmt: skip
NONCANONICAL = {"Product Viewed": ["product_viewed", "Viewed Product"], "Product Added": ["Added Product"],
                "Order Completed": ["order_completed"], "Checkout Started": ["checkout_started"],
                "Products Searched": ["Searched Products"]}  # fmt: skip
PLACEHOLDER_ANON = ["anonymous", "0000", "undefined", "null"]
PLACEHOLDER_EMAILS = ["test@test.com", "test@test.com", "noemail@noemail.com"]
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

# Event slots of a session, in time order (one event per present slot).
SLOTS = ["app_open", "landing", "identify", "signed_up", "subscribed", "search"] + [
    f"view{i}" for i in range(5)
]
SLOTS += ["added", "removed", "cart_viewed", "checkout", "completed"]
SLOT = {name: i for i, name in enumerate(SLOTS)}
VIEWS = [SLOT[f"view{i}"] for i in range(5)]
KIND_BROWSE, KIND_CART, KIND_CHECKOUT, KIND_PURCHASE, KIND_SIGNUP, KIND_LOGIN = range(6)
PLATFORMS = ["web", "ios", "android"]

# Defects per table: (reason, column). Exactly one per bad row.
DEFECTS: dict[str, list[tuple[str, str | None]]] = {
    "orders": [("null_key", "order_id"), ("unparseable_timestamp", "ordered_at"),
               ("future_timestamp", "ordered_at"), ("negative_amount", "total_amount"),
               ("unknown_currency", "currency"), ("malformed_email", "email"),
               ("unparseable_number", "total_amount"), ("duplicate", None)],
    "order_items": [("null_key", "product_id"), ("unparseable_number", "quantity"), ("duplicate", None)],
    "customers": [("null_key", "customer_id"), ("unparseable_timestamp", "created_at"),
                  ("future_timestamp", "created_at"), ("malformed_email", "email"), ("duplicate", None)],
    "events": [("null_key", "event_id"), ("unparseable_timestamp", "timestamp"),
               ("future_timestamp", "timestamp"), ("duplicate", None)],
    "message_events": [("null_key", "message_event_id"), ("unparseable_timestamp", "occurred_at"),
                       ("future_timestamp", "occurred_at"), ("duplicate", None)],
    "consents": [("null_key", "customer_id"), ("unparseable_timestamp", "recorded_at"),
                 ("future_timestamp", "recorded_at"), ("duplicate", None)],
    "survey_responses": [("null_key", "response_id"), ("unparseable_number", "score"),
                         ("unparseable_timestamp", "responded_at"), ("duplicate", None)],
    "referrals": [("null_key", "referral_id"), ("unparseable_timestamp", "created_at"),
                  ("malformed_email", "referred_email"), ("duplicate", None)],
    "loyalty_transactions": [("null_key", "customer_id"), ("unparseable_number", "points"),
                             ("unparseable_timestamp", "occurred_at"), ("future_timestamp", "occurred_at"),
                             ("duplicate", None)],
}  # fmt: skip
BAD_VALUES = {
    "unparseable_timestamp": ["2026-13-45 25:61:00", "not a date", "31/31/2025", "2025-02-30T99:00"],
    "unparseable_number": ["abc", "NaN", "n/a", "12.3.4"],
    "unknown_currency": ["XXX", "ZZZ", "ABC"],
    "malformed_email": ["john.doe.example.com", "a@b", "jane@@example.com", "user@localhost"],
}
# The key written to bad_rows.csv (as staging's source_key: composite keys joined by |).
KEYS = {
    "orders": ["order_id"],
    "order_items": ["order_id", "product_id"],
    "customers": ["customer_id"],
    "events": ["event_id"],
    "message_events": ["message_event_id"],
    "consents": ["customer_id", "channel", "purpose", "recorded_at"],
    "survey_responses": ["response_id"],
    "referrals": ["referral_id"],
    "loyalty_transactions": ["customer_id", "occurred_at", "reason"],
}

STR = pa.string()


# ---------------------------------------------------------------------------------- helpers
def _s(values) -> pa.Array:
    """A string array from a list or numpy array (None stays null)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values if values.type == STR else pc.cast(values, STR)
    return pa.array(values, STR)


def _take(choices: list[str], idx: np.ndarray) -> pa.Array:
    return pc.take(pa.array(choices, STR), pa.array(np.asarray(idx, dtype=np.int64)))


def _null_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    if not mask.any():
        return arr
    return pc.if_else(pa.array(mask), pa.nulls(len(arr), STR), arr)


def _where(mask: np.ndarray, a, b) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), a, b)


def _cat(*parts) -> pa.Array:
    """Element-wise concatenation; a null part gives null."""
    return pc.binary_join_element_wise(*parts, "")


def _num(values: np.ndarray, width: int = 0) -> pa.Array:
    arr = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), STR)
    return pc.utf8_lpad(arr, width, "0") if width else arr


def _ids(prefix: str, values: np.ndarray, width: int) -> pa.Array:
    return _cat(prefix, _num(values, width))


def _ts(secs: np.ndarray) -> pa.Array:
    """'YYYY-MM-DD HH:MM:SS' (UTC, no zone)."""
    return pc.cast(pa.array(np.asarray(secs, dtype=np.int64).astype("datetime64[s]")), STR)


def _ts_mixed(secs: np.ndarray, rng: np.random.Generator, share: float = 0.02) -> pa.Array:
    """As _ts, but a share of values is the same instant written with an explicit UTC offset."""
    secs = np.asarray(secs, dtype=np.int64)
    plain = _ts(secs)
    mask = rng.random(len(secs)) < share
    if not mask.any():
        return plain
    offsets = np.array([-5, 1, 2, 3, 8])
    hours = offsets[rng.integers(0, len(offsets), len(secs))]
    local = pc.replace_substring(_ts(secs + hours * HOUR), " ", "T", max_replacements=1)
    suffix = _take(["-05:00", "+01:00", "+02:00", "+03:00", "+08:00"], np.searchsorted(offsets, hours))
    return _where(mask, _cat(local, suffix), plain)


def _money(values: np.ndarray) -> pa.Array:
    return pa.array(np.round(values, 2)).cast(pa.decimal128(20, 2), safe=False).cast(STR)


def _month(secs: np.ndarray) -> np.ndarray:
    """Month 0-11 of epoch seconds."""
    return (
        np.asarray(secs, dtype=np.int64).astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12
    )


def _flat(lists: list[list[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Flatten per-group lists: values, offset and length of each group."""
    values = [v for group in lists for v in group]
    lengths = np.array([len(g) for g in lists])
    return values, np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths


def _pick_in_group(rng, groups: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    return offsets[groups] + (rng.random(len(groups)) * lengths[groups]).astype(np.int64)


def _table(contract_table, columns: dict[str, pa.Array], n: int) -> pa.Table:
    arrays = [_s(columns[c]) if c in columns else pa.nulls(n, STR) for c in contract_table.column_names]
    return pa.Table.from_arrays(arrays, names=contract_table.column_names)


def _read_seed(name: str) -> list[dict]:
    with (project_dir() / "seeds" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------------------------- the shop
@dataclass
class _Shop:
    seed: int
    start: int
    end: int
    bad_row_share: float
    countries: list[str]
    country_p: np.ndarray
    calling: list[str]
    trunk: list[str]
    currency: list[str]  # per country
    usd_per_unit: dict[str, float]
    products: dict  # numpy columns of the catalogue
    campaigns: dict


def _make_shop(seed: int, months: int, end_date: str, bad_row_share: float) -> _Shop:
    end = int(np.datetime64(end_date, "s").astype(np.int64)) + DAY - 1
    start = end - int(round(months * 30.44 * DAY))
    seeds = {r["country_code"]: r for r in _read_seed("countries.csv")}
    rates = {r["currency_code"]: float(r["usd_per_unit"]) for r in _read_seed("currency_rates.csv")}
    countries = list(COUNTRIES)
    weights = np.array([COUNTRIES[c][0] for c in countries], dtype=float)
    rng = np.random.default_rng([seed, 0])
    shop = _Shop(
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
        products={},
        campaigns={},
    )
    shop.products = _products(rng, start, end)
    shop.campaigns = _campaigns(rng, start, end)
    return shop


def _products(rng: np.random.Generator, start: int, end: int, count: int = 200) -> dict:
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


def _static_tables(shop: _Shop, contract) -> dict[str, pa.Table]:
    p, c = shop.products, shop.campaigns
    products = _table(
        contract["products"],
        {
            "product_id": _s(p["id"]),
            "name": _s(p["name"]),
            "category": _s(p["category"]),
            "brand": _s(p["brand"]),
            "price": _money(p["price"]),
            "launched_at": _ts(p["launched"]),
        },
        len(p["id"]),
    )
    running = c["ended"] > shop.end
    campaigns = _table(
        contract["campaigns"],
        {
            "campaign_id": _s(c["id"]),
            "name": _s(c["name"]),
            "channel": _s(c["channel"]),
            "journey": _s(c["journey"]),
            "target_stage": _s([JOURNEY_STAGE[j] for j in c["journey"]]),
            "is_control": _s(["true" if x else "false" for x in c["is_control"]]),
            "started_at": _ts(c["started"]),
            "ended_at": _null_where(_ts(np.minimum(c["ended"], shop.end)), running),
            "cost": _money(c["cost"]),
            "currency": _s(c["currency"]),
        },
        len(c["id"]),
    )
    return {"products": products, "campaigns": campaigns}


# ---------------------------------------------------------------------------------- one chunk
class _Chunk:
    """Everything simulated for one chunk of customers (plus their guests and visitors)."""

    def __init__(self, shop: _Shop, contract, index: int, first: int, n: int):
        self.shop, self.contract, self.k, self.first, self.n = shop, contract, index, first, n
        self.rng = np.random.default_rng([shop.seed, 1, index])
        self.tables: dict[str, pa.Table] = {}
        self.versions: dict[str, pa.Table] = {}  # legitimate later deliveries (not bad rows)
        self._customers()
        self._devices()
        self._purchase_times()
        self._consents()
        self._browse_sessions()
        self._messages()
        self._orders()
        self._events()
        self._feedback_and_loyalty()
        self._truth()

    # ------------------------------------------------------------------ customers
    def _customers(self) -> None:
        shop, rng, n = self.shop, self.rng, self.n
        start, end = shop.start, shop.end
        g = np.arange(self.first, self.first + n, dtype=np.int64)
        self.g = g
        self.cid = _ids("C", g + 1, 7)
        country = rng.choice(len(shop.countries), n, p=shop.country_p)
        self.country = country
        self.signup = start + (rng.random(n) * (end - start - DAY)).astype(np.int64)
        signup = self.signup
        specs = [COUNTRIES[c] for c in shop.countries]
        firsts, f_off, f_len = _flat([s[5] for s in specs])
        lasts, l_off, l_len = _flat([s[6] for s in specs])
        cities, c_off, c_len = _flat([CITIES[c] for c in shop.countries])
        city = _pick_in_group(rng, country, c_off, c_len)
        langs = [s[4] for s in specs]
        lang_idx = np.where(
            rng.random(n) < 0.85, 0, np.minimum(1, np.array([len(x) - 1 for x in langs])[country])
        )
        lang_flat, lang_off, _ = _flat(langs)
        # email: handle + separator + number @ domain, written with random case and spaces
        email = _cat(
            _take(EMAIL_HANDLES, rng.integers(0, len(EMAIL_HANDLES), n)),
            _take([".", "_", ""], rng.integers(0, 3, n)),
            _num(g + 1),
            "@",
            _take(DOMAINS, rng.integers(0, len(DOMAINS), n)),
        )
        self.email = email  # normalized (lower case, trimmed)
        noise = rng.random(n)
        written = _where(noise < 0.08, pc.utf8_upper(email), email)
        written = _where((noise > 0.95), _cat("  ", written, " "), written)
        written = _where((noise > 0.10) & (noise < 0.13), pc.utf8_capitalize(email), written)
        self.email_written = written
        # phones: national with trunk prefix, +CC, 00CC, spaces, dashes, parentheses; some missing
        nat_len = np.array([s[1] for s in specs])[country]
        rest = (rng.random(n) * 10.0 ** (nat_len - 1)).astype(np.int64)
        style = rng.choice(6, n, p=[0.28, 0.24, 0.14, 0.12, 0.10, 0.12])
        phones, e164 = [], []
        for c, r, length, st in zip(
            country.tolist(), rest.tolist(), nat_len.tolist(), style.tolist(), strict=True
        ):
            cc, t = shop.calling[c], shop.trunk[c]
            d = specs[c][2] + f"{r:0{length - 1}d}"
            e164.append(None if st == 5 else f"+{cc}{d}")
            nanp = cc == "1"
            if st == 0:
                phones.append(f"({d[:3]}) {d[3:6]}-{d[6:]}" if nanp else f"{t}{d[:3]} {d[3:6]} {d[6:]}")
            elif st == 1:
                phones.append(f"+{cc} {d[:3]} {d[3:6]} {d[6:]}")
            elif st == 2:
                phones.append(f"00{cc}{d}")
            elif st == 3:
                phones.append(f"+{cc}{d}")
            elif st == 4:
                phones.append(f"{t}-{d[:3]}-{d[3:6]}-{d[6:]}" if nanp else f"({t}{d[:3]}) {d[3:6]}-{d[6:]}")
            else:
                phones.append(None)
        self.phone_e164 = e164
        pa_, pb = rng.integers(0, 10**6, n), rng.integers(0, 10**6, n)
        postal = []
        for c, a, b in zip(country.tolist(), pa_.tolist(), pb.tolist(), strict=True):
            code = shop.countries[c]
            if code in POSTAL:
                postal.append(POSTAL[code](a, b))
            else:
                digits = POSTAL_DIGITS.get(code, 5)
                postal.append(f"{a % 10**digits:0{digits}d}")
        gender = rng.choice(4, n, p=[0.47, 0.45, 0.02, 0.06])
        birth = signup - ((18 + rng.random(n) * 57) * 365.25 * DAY).astype(np.int64)
        updated = signup + np.minimum(rng.exponential(40 * DAY, n).astype(np.int64), end - signup)
        country_written = _take(shop.countries, country)
        country_written = _where(rng.random(n) < 0.03, pc.utf8_lower(country_written), country_written)
        self.tables["customers"] = _table(
            self.contract["customers"],
            {
                "customer_id": self.cid,
                "email": written,
                "phone": _s(phones),
                "first_name": pc.take(
                    pa.array(firsts, STR), pa.array(_pick_in_group(rng, country, f_off, f_len))
                ),
                "last_name": pc.take(
                    pa.array(lasts, STR), pa.array(_pick_in_group(rng, country, l_off, l_len))
                ),
                "country": country_written,
                "region": _take([c[1] for c in cities], city),
                "city": _take([c[0] for c in cities], city),
                "postal_code": _s(postal),
                "timezone": _take([c[2] for c in cities], city),
                "language": _take(lang_flat, lang_off[country] + lang_idx),
                "birth_date": _null_where(
                    pc.cast(pa.array((birth // DAY).astype("datetime64[D]")), STR), rng.random(n) < 0.07
                ),
                "gender": _take(["female", "male", "non-binary", None], gender),
                "created_at": _ts(signup),
                "updated_at": _ts(updated),
            },
            n,
        )
        # latent behaviour
        tp = TRUE_PARAMS
        self.lam = np.clip(rng.gamma(tp["r"], 1 / tp["alpha"], n), 1e-5, 0.5)  # purchases per day
        self.p_drop = rng.beta(tp["a"], tp["b"], n)
        self.nu = rng.gamma(tp["q"], 1 / tp["v"], n)  # order value ~ Gamma(p, rate nu)
        self.discount_prone = rng.random(n) < 0.2
        self.innovator = rng.random(n) < 0.1
        self.buyer = rng.random(n) < 0.72

    # ------------------------------------------------------------------ devices
    def _devices(self) -> None:
        """One table of devices/browsers (anonymous_id, device_id, platform) for all people."""
        rng, n, g = self.rng, self.n, self.g
        self.n_devices = rng.choice([1, 2, 3], n, p=[0.5, 0.32, 0.18])
        plat = np.empty((n, 3), dtype=np.int64)
        plat[:, 0] = np.where(rng.random(n) < 0.75, 0, rng.integers(1, 3, n))
        plat[:, 1:] = rng.choice(3, (n, 2), p=[0.25, 0.45, 0.30])
        self.plat = plat
        gg, jj = np.repeat(g + 1, 3), np.tile(np.arange(3), n)
        anon = [_cat("a-", _num(gg, 7), "-", _num(jj))]
        dev = [_cat("d-", _num(gg, 7), "-", _num(jj))]
        platform = [plat.reshape(-1)]
        self.visitor = np.nonzero(rng.random(n) < 0.4)[0]  # anonymous-only visitors
        self.guest = np.nonzero(rng.random(n) < 0.08)[0]  # guest shoppers
        vg, gu = g[self.visitor] + 1, g[self.guest] + 1
        self.visitor_row = 3 * n + np.arange(len(vg))
        self.guest_row = 3 * n + len(vg) + np.arange(len(gu))
        anon += [_ids("v-", vg, 7), _ids("g-", gu, 7)]
        dev += [_ids("vd-", vg, 7), _ids("gd-", gu, 7)]
        platform += [rng.choice(3, len(vg), p=[0.65, 0.2, 0.15]), np.zeros(len(gu), dtype=np.int64)]
        base = 3 * n + len(vg) + len(gu)
        self.family_row, self.kiosk_row, self.placeholder_rows = base, base + 1, base + 2 + np.arange(4)
        anon += [_s([f"fam-{self.k}", "kiosk-anon-1"] + PLACEHOLDER_ANON)]
        dev += [
            _s(
                [
                    f"family-tablet-{self.k}",
                    "store-kiosk-1",
                    None,
                    None,
                    "00000000-0000-0000-0000-000000000000",
                    None,
                ]
            )
        ]
        platform += [np.array([1, 0, 0, 0, 2, 0])]
        self.dev_anon = pa.concat_arrays(anon)
        self.dev_id = pa.concat_arrays(dev)
        self.dev_plat = np.concatenate(platform)
        self.shared_rows = np.array([self.family_row, self.kiosk_row])

    # ------------------------------------------------------------------ buy till you die
    def _purchase_times(self) -> None:
        rng, n, end = self.rng, self.n, self.shop.end
        who, when = [], []
        t = self.signup + rng.exponential(10 * DAY, n).astype(np.int64)
        alive = self.buyer & (t < end)
        idx = np.nonzero(alive)[0]
        who.append(idx)
        when.append(t[idx])
        alive[idx[rng.random(len(idx)) < self.p_drop[idx]]] = False
        t = t.astype(np.float64)
        while alive.any():
            act = np.nonzero(alive)[0]
            t[act] += rng.exponential(1.0, len(act)) / (self.lam[act] * S_MAX) * DAY
            over = t[act] >= end
            alive[act[over]] = False
            act = act[~over]
            # thinning: the seasonal rate is lambda * s(month)
            accepted = act[rng.random(len(act)) < SEASONALITY[_month(t[act].astype(np.int64))] / S_MAX]
            who.append(accepted)
            when.append(t[accepted].astype(np.int64))
            alive[accepted[rng.random(len(accepted)) < self.p_drop[accepted]]] = False
        self.btyd_cust = np.concatenate(who)
        self.btyd_time = np.concatenate(when).astype(np.int64)
        self.n_orders = np.bincount(self.btyd_cust, minlength=n)
        first = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first, self.btyd_cust, self.btyd_time)
        self.first_order = first

    # ------------------------------------------------------------------ consents
    def _consents(self) -> None:
        rng, n, end = self.rng, self.n, self.shop.end
        k = len(CONSENTS)
        share = np.array([c[2] for c in CONSENTS])
        granted = rng.random((n, k)) < share
        granted[:, 5] &= granted[:, 4] | (rng.random(n) < 0.1)  # personalization mostly with user data
        grant_at = np.repeat(self.signup[:, None], k, axis=1)
        at_checkout = (rng.random(n) < 0.4) & (self.first_order < end)
        grant_at[at_checkout, 1] = self.first_order[at_checkout]  # sms opt-in at checkout
        source = np.zeros((n, k), dtype=np.int64)
        source[at_checkout, 1] = 1
        revoked = granted & (rng.random((n, k)) < np.array([0.15, 0.1, 0.1, 0.1, 0.08, 0.08, 0.1]))
        revoke_at = (
            grant_at + HOUR + (rng.random((n, k)) * np.maximum(end - grant_at - HOUR, 1)).astype(np.int64)
        )
        revoked &= revoke_at <= end
        self.granted, self.grant_at, self.revoked, self.revoke_at = granted, grant_at, revoked, revoke_at
        ci, pi = np.nonzero(granted)
        ri, rp = np.nonzero(revoked)
        cust = np.concatenate([ci, ri])
        pair = np.concatenate([pi, rp])
        at = np.concatenate([grant_at[ci, pi], revoke_at[ri, rp]])
        src = np.concatenate([source[ci, pi], 2 + (rp == 0)])
        status = np.concatenate([np.zeros(len(ci), dtype=np.int64), np.ones(len(ri), dtype=np.int64)])
        order = np.lexsort((pair, cust, at))
        cust, pair, at, src, status = cust[order], pair[order], at[order], src[order], status[order]
        self.tables["consents"] = _table(
            self.contract["consents"],
            {
                "customer_id": pc.take(self.cid, pa.array(cust)),
                "channel": _take([c[0] for c in CONSENTS], pair),
                "purpose": _take([c[1] for c in CONSENTS], pair),
                "status": _take(["granted", "revoked"], status),
                "recorded_at": _ts(at),
                "source": _take(["signup_form", "checkout", "preference_center", "unsubscribe_link"], src),
            },
            len(cust),
        )

    def _may_message(self, cust: np.ndarray, channel: str, at: np.ndarray) -> np.ndarray:
        """Marketing consent for the channel in force at `at` (web_push and in_app need none)."""
        names = [c[0] for c in CONSENTS[:4]]
        if channel not in names:
            return np.ones(len(cust), dtype=bool)
        j = names.index(channel)
        ok = self.granted[cust, j] & (self.grant_at[cust, j] <= at)
        return ok & ~(self.revoked[cust, j] & (self.revoke_at[cust, j] <= at))

    # ------------------------------------------------------------------ sessions without orders
    def _browse_sessions(self) -> None:
        rng, n, shop = self.rng, self.n, self.shop
        start, end = shop.start, shop.end
        segs = []
        # anonymous browsing before sign-up, on any of the person's devices
        cnt = rng.choice(4, n, p=[0.3, 0.4, 0.2, 0.1])
        c = np.repeat(np.arange(n), cnt)
        j = (rng.random(len(c)) * self.n_devices[c]).astype(np.int64)
        t = self.signup[c] - ((0.05 + rng.random(len(c)) * 20) * DAY).astype(np.int64)
        segs.append(self._seg(3 * c + j, -1, t, rng.choice(3, len(c), p=[0.6, 0.25, 0.15]), cust=c))
        # sign-up: identify + Signed Up on the first device
        segs.append(self._seg(3 * np.arange(n), np.arange(n), self.signup, KIND_SIGNUP, cust=np.arange(n)))
        # log-ins on the other devices: identify links their anonymous ids
        for d in (1, 2):
            c = np.nonzero(self.n_devices > d)[0]
            span = np.minimum(90 * DAY, self.shop.end - self.signup[c])
            t = self.signup[c] + (rng.random(len(c)) * span).astype(np.int64)
            segs.append(self._seg(3 * c + d, c, t, KIND_LOGIN, cust=c))
        # browsing after sign-up (logged in or not), with cart and browse abandonment
        cnt = rng.poisson(1.2 + 0.4 * np.minimum(self.n_orders, 10))
        c = np.repeat(np.arange(n), cnt)
        j = (rng.random(len(c)) * self.n_devices[c]).astype(np.int64)
        t = self.signup[c] + (rng.random(len(c)) * (end - self.signup[c])).astype(np.int64)
        user = np.where(rng.random(len(c)) < 0.75, c, -1)
        segs.append(self._seg(3 * c + j, user, t, rng.choice(3, len(c), p=[0.55, 0.28, 0.17]), cust=c))
        # anonymous-only visitors who never identify
        cnt = rng.choice([1, 2, 3], len(self.visitor), p=[0.55, 0.3, 0.15])
        rows = np.repeat(self.visitor_row, cnt)
        t = start + (rng.random(len(rows)) * (end - start)).astype(np.int64)
        segs.append(self._seg(rows, -1, t, rng.choice(3, len(rows), p=[0.75, 0.18, 0.07])))
        # a family tablet used by two customers, a shop kiosk used by many
        fam = np.array([i for i in (7, 8) if i < n], dtype=np.int64)
        fam = np.repeat(fam, 2)
        kiosk = np.nonzero(self.g % 40 == 5)[0]
        for c, row in ((fam, self.family_row), (kiosk, self.kiosk_row)):
            t = self.signup[c] + (rng.random(len(c)) * (end - self.signup[c])).astype(np.int64)
            segs.append(self._seg(np.full(len(c), row), c, t, KIND_LOGIN, cust=c))
        # placeholder anonymous ids ('anonymous', '0000', ...) from broken trackers
        m = max(4, n // 150)
        t = start + (rng.random(m) * (end - start)).astype(np.int64)
        segs.append(self._seg(self.placeholder_rows[np.arange(m) % 4], -1, t, KIND_BROWSE))
        self.sessions = segs

    def _seg(self, dev, user, t, kind, cust=None, order=None) -> dict:
        size = len(t)
        full = lambda v: np.broadcast_to(np.asarray(v, dtype=np.int64), (size,)).copy()  # noqa: E731
        return {
            "dev": full(dev),
            "user": full(user),
            "t": np.asarray(t, dtype=np.int64),
            "kind": full(kind),
            "cust": full(-1 if cust is None else cust),  # whose preferences (innovator) apply
            "order": full(-1 if order is None else order),
        }

    # ------------------------------------------------------------------ campaigns and messages
    def _messages(self) -> None:
        rng, n, shop = self.rng, self.n, self.shop
        end = shop.end
        camp = shop.campaigns
        browse = {k: np.concatenate([s[k] for s in self.sessions]) for k in ("user", "t", "kind")}
        out = {k: [] for k in ("camp", "cust", "send")}
        for ci, journey in enumerate(camp["journey"]):
            st, en = camp["started"][ci], min(camp["ended"][ci], end)
            if journey in ("welcome", "onboarding"):
                cust = np.nonzero((self.signup >= st) & (self.signup < en))[0]
                send = self.signup[cust] + (HOUR if journey == "welcome" else 3 * DAY)
            elif journey in ("cart_recovery", "browse_recovery"):
                kinds = (KIND_CART, KIND_CHECKOUT) if journey == "cart_recovery" else (KIND_BROWSE,)
                hit = (
                    (browse["user"] >= 0)
                    & np.isin(browse["kind"], kinds)
                    & (browse["t"] >= st)
                    & (browse["t"] < en)
                )
                hit &= rng.random(len(hit)) < (1.0 if journey == "cart_recovery" else 0.3)
                cust, first = np.unique(browse["user"][hit], return_index=True)
                send = browse["t"][hit][first] + (HOUR if journey == "cart_recovery" else 4 * HOUR)
            else:
                share = 0.6 if journey == "newsletter" else 0.3
                cust = np.nonzero((self.signup < st) & (rng.random(n) < share))[0]
                send = st + rng.integers(0, 48 * HOUR, len(cust))
            ok = (send <= end) & self._may_message(cust, camp["channel"][ci], send)
            out["camp"].append(np.full(ok.sum(), ci))
            out["cust"].append(cust[ok])
            out["send"].append(send[ok])
        mc, cust, send = (np.concatenate(out[k]).astype(np.int64) for k in ("camp", "cust", "send"))
        m = len(mc)
        channel = np.array([MSG_CHANNELS.index(c) for c in camp["channel"]])[mc]
        control = camp["is_control"][mc] & (rng.random(m) < 0.1)
        variant_b = rng.random(m) < 0.5
        u = rng.random((m, 6))
        bounced = ~control & (u[:, 0] < 0.02)
        delivered = ~control & ~bounced & (u[:, 1] < 0.99)
        open_rate = np.array([OPEN_RATE[c] for c in MSG_CHANNELS])[channel] * np.where(variant_b, 1.1, 1.0)
        click_rate = np.array([CLICK_RATE[c] for c in MSG_CHANNELS])[channel]
        opened = delivered & (u[:, 2] < open_rate)
        is_sms = channel == MSG_CHANNELS.index("sms")
        clicked = np.where(is_sms, delivered, opened) & (u[:, 3] < click_rate)
        unsub = delivered & (u[:, 4] < 0.003) & np.isin(channel, [0, 1, 3])
        complained = delivered & ~unsub & (u[:, 5] < 0.0005) & (channel == 0)
        t_deliv = send + rng.integers(1, 120, m)
        t_open = t_deliv + rng.exponential(5 * HOUR, m).astype(np.int64)
        t_click = np.where(is_sms, t_deliv, t_open) + rng.integers(5, 1800, m)
        t_unsub = np.where(opened, t_open, t_deliv) + rng.integers(10, 600, m)
        flags = np.stack([np.ones(m, dtype=bool), delivered, bounced, opened, clicked, unsub, complained], 1)
        times = np.stack(
            [send, t_deliv, send + rng.integers(1, 300, m), t_open, t_click, t_unsub, t_unsub], 1
        )
        flags &= times <= end
        mi, ei = np.nonzero(flags)
        at = times[mi, ei]
        order = np.argsort(at, kind="stable")
        mi, ei, at = mi[order], ei[order], at[order]
        message_id = _cat("M-", _take(camp["id"], mc), "-", pc.take(self.cid, pa.array(cust)))
        events = ["sent", "delivered", "bounced", "opened", "clicked", "unsubscribed", "complained"]
        mid = pc.take(message_id, pa.array(mi))
        self.tables["message_events"] = _table(
            self.contract["message_events"],
            {
                "message_event_id": _cat("E", mid, "-", _num(ei + 1)),
                "message_id": mid,
                "campaign_id": _take(camp["id"], mc[mi]),
                "customer_id": pc.take(self.cid, pa.array(cust[mi])),
                "channel": _take(MSG_CHANNELS, channel[mi]),
                "event": _take(events, ei),
                "occurred_at": _ts(at),
                "variant": _take(["A", "B", "control"], np.where(control, 2, variant_b.astype(np.int64))[mi]),
            },
            len(mi),
        )
        # the true uplift: treated people who got the message buy a little more in the next week
        extra = delivered & (rng.random(m) < 0.012 + 0.15 * clicked)
        t_extra = send + (HOUR / 2 + rng.random(m) * 7 * DAY).astype(np.int64)
        extra &= t_extra <= end
        self.uplift_cust, self.uplift_time = cust[extra], t_extra[extra]
        self.n_messages = m

    # ------------------------------------------------------------------ orders and order lines
    def _orders(self) -> None:
        rng, n, shop = self.rng, self.n, self.shop
        start, end = shop.start, shop.end
        P = shop.products
        # registered orders: BTYD + campaign uplift
        cust = np.concatenate([self.btyd_cust, self.uplift_cust])
        t = np.concatenate([self.btyd_time, self.uplift_time])
        as_guest = np.zeros(len(cust), dtype=bool)
        # registered customers who sometimes check out as guests with the same email
        rg = np.nonzero((self.n_orders > 0) & (rng.random(n) < 0.05))[0]
        rg_t = self.first_order[rg] + (rng.random(len(rg)) * (end - self.first_order[rg])).astype(np.int64)
        cust = np.concatenate([cust, rg])
        t = np.concatenate([t, rg_t])
        as_guest = np.concatenate([as_guest, np.ones(len(rg), dtype=bool)])
        # pure guests: 1-2 orders with the same email (the second one later)
        gcount = np.where(rng.random(len(self.guest)) < 0.3, 2, 1)
        gi = np.repeat(np.arange(len(self.guest)), gcount)
        gt = start + (rng.random(len(gi)) * (end - start)).astype(np.int64)
        no = len(cust)
        guest_idx = np.concatenate([np.full(no, -1), gi])
        cust = np.concatenate([cust, np.full(len(gi), -1)])
        t = np.concatenate([t, gt])
        as_guest = np.concatenate([as_guest, np.ones(len(gi), dtype=bool)])
        order = np.lexsort((cust, t))
        cust, t, as_guest, guest_idx = cust[order], t[order], as_guest[order], guest_idx[order]
        n_o = len(t)
        is_cust = cust >= 0
        cc = np.maximum(cust, 0)
        guest_nu = rng.gamma(TRUE_PARAMS["q"], 1 / TRUE_PARAMS["v"], len(self.guest))
        nu = np.where(is_cust, self.nu[cc], guest_nu[np.maximum(guest_idx, 0)])
        value_usd = rng.gamma(TRUE_PARAMS["p"], 1 / nu)  # Gamma-Gamma order value (items, USD)
        guest_country = rng.choice(len(shop.countries), len(self.guest), p=shop.country_p)
        country = np.where(is_cust, self.country[cc], guest_country[np.maximum(guest_idx, 0)])
        # device and channel
        j = (rng.random(n_o) * self.n_devices[cc]).astype(np.int64)
        dev = np.where(is_cust, 3 * cc + j, self.guest_row[np.maximum(guest_idx, 0)])
        plat = self.dev_plat[dev]
        u = rng.random(n_o)
        channel = np.where(plat == 0, 0, 1)
        channel = np.where(u < 0.10, 2, np.where(u < 0.14, 3, channel))  # store, marketplace
        # currency: mostly the country's, sometimes USD or EUR
        cur_names = sorted(shop.usd_per_unit)
        local = np.array([cur_names.index(c) for c in shop.currency])[country]
        u = rng.random(n_o)
        currency = np.where(
            u < 0.05, cur_names.index("USD"), np.where(u < 0.08, cur_names.index("EUR"), local)
        )
        rate = np.array([shop.usd_per_unit[c] for c in cur_names])[currency]
        decimals = np.where(np.array([c == "JPY" for c in cur_names])[currency], 0, 2)
        # lines: 1-3 distinct products near the order value; innovators pick fresh launches
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
        innov = is_cust[lo] & self.innovator[cc[lo]] & (rng.random(len(lo)) < 0.6)
        first_new = np.searchsorted(P["launched_sorted"], t_line - 60 * DAY)
        last_new = np.searchsorted(P["launched_sorted"], t_line, side="right")
        innov &= last_new > first_new
        pick = first_new + (rng.random(len(lo)) * (last_new - first_new)).astype(np.int64)
        prod[innov] = P["by_launch"][pick[innov]]
        key = lo * 1000 + prod
        _, keep = np.unique(key, return_index=True)  # sorted by (order, product)
        lo, prod = lo[keep], prod[keep]
        qty = rng.choice([1, 2, 3], len(lo), p=[0.8, 0.15, 0.05])
        scale = 10.0 ** decimals[lo]
        unit = np.round(P["price"][prod] / rate[lo] * scale) / scale
        # discounts: discount-prone customers use codes often; Black Friday in November
        prone = np.where(is_cust, self.discount_prone[cc], False)
        has_code = rng.random(n_o) < np.where(prone, 0.6, 0.06)
        code = rng.integers(0, 3, n_o)
        code = np.where((_month(t) == 10) & (rng.random(n_o) < 0.6), 3, code)
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
        # status and updates
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
        updated = np.maximum(updated, t)
        # order ids in time order, unique across chunks
        order_id = _ids("O", self.k * 10_000_000 + np.arange(n_o) + 1, 10)
        # people and contact data on the order
        guest_email = _cat(
            _take(["guest.", "shopper", "g."], np.arange(len(self.guest)) % 3),
            _num(self.g[self.guest] + 1),
            "@",
            _take(DOMAINS, rng.integers(0, len(DOMAINS), len(self.guest))),
        )
        self.guest_email = guest_email
        email = _where(
            is_cust,
            pc.take(self.email_written, pa.array(cc)),
            pc.take(guest_email, pa.array(np.maximum(guest_idx, 0))),
        )
        # placeholder emails on a few guest orders (the first guest order of a chunk always)
        pure_guest = guest_idx >= 0
        # (only on web/app orders, which carry the guest's anonymous_id: the person stays findable)
        online_guest = pure_guest & (channel <= 1)
        placeholder = online_guest & (rng.random(n_o) < 0.03)
        if online_guest.any():
            placeholder[np.nonzero(online_guest)[0][0]] = True
        email = _where(placeholder, _take(PLACEHOLDER_EMAILS, rng.integers(0, 3, n_o)), email)
        email = _null_where(email, is_cust & ~as_guest & (rng.random(n_o) < 0.15))  # not every export has it
        # shops forward the tracking id with most online orders, always with guest checkouts
        anon_on_order = (channel <= 1) & ((rng.random(n_o) < 0.6) | pure_guest)
        anonymous_id = _null_where(pc.take(self.dev_anon, pa.array(dev)), ~anon_on_order)
        status_written = _take(["completed", "cancelled", "refunded", "pending"], status)
        status_written = _null_where(status_written, (status == 0) & (rng.random(n_o) < 0.05))
        cols = {
            "order_id": order_id,
            "customer_id": _null_where(pc.take(self.cid, pa.array(cc)), ~is_cust | as_guest),
            "email": email,
            "anonymous_id": anonymous_id,
            "ordered_at": _ts_mixed(t, rng),
            "status": status_written,
            "currency": _take(cur_names, currency),
            "total_amount": _money(total),
            "discount_amount": _null_where(_money(discount), ~has_code),
            "discount_code": _null_where(_take([c[0] for c in DISCOUNT_CODES], code), ~has_code),
            "shipping_amount": _money(shipping),
            "tax_amount": _money(tax),
            "sales_channel": _take(["web", "app", "store", "marketplace"], channel),
            "updated_at": _ts(updated),
        }
        orders = _table(self.contract["orders"], cols, n_o)
        self.tables["orders"] = orders
        # an earlier version of some orders arrives later in the file (pending -> completed,
        # completed -> refunded): not a bad row, the latest updated_at wins
        versioned = np.nonzero(
            ((status == 2) & (rng.random(n_o) < 0.5) | (status <= 1) & (rng.random(n_o) < 0.03))
            & (updated >= t + 120)
        )[0]
        if len(versioned):
            old = orders.take(pa.array(versioned))
            old_status = np.where(status[versioned] == 2, 0, 3)
            old = old.set_column(
                old.schema.get_field_index("status"),
                "status",
                _take(["completed", "", "", "pending"], old_status),
            )
            old = old.set_column(
                old.schema.get_field_index("updated_at"), "updated_at", _ts(t[versioned] + 60)
            )
            self.versions["orders"] = old
        self.tables["order_items"] = _table(
            self.contract["order_items"],
            {
                "order_id": pc.take(order_id, pa.array(lo)),
                "product_id": _take(P["id"], prod),
                "quantity": _null_where(_num(qty), (qty == 1) & (rng.random(len(lo)) < 0.05)),
                "unit_price": _money(unit),
                "discount_amount": _null_where(_money(line_disc), line_disc == 0),
            },
            len(lo),
        )
        # what sessions, loyalty and surveys need
        self.o_cust, self.o_time, self.o_status, self.o_guest = cust, t, status, as_guest
        self.o_total_usd, self.o_id, self.o_total = total * rate, order_id, total
        self.o_currency = _take(cur_names, currency)
        self.o_first_product = prod[np.searchsorted(lo, np.arange(n_o))]
        web_app = channel <= 1
        idx = np.nonzero(web_app)[0]
        self.sessions.append(
            self._seg(
                dev[idx],
                np.where(as_guest[idx], -1, cust[idx]),
                t[idx],
                KIND_PURCHASE,
                cust=cust[idx],
                order=idx,
            )
        )
        self.n_guest_orders = int(pure_guest.sum())

    # ------------------------------------------------------------------ events
    def _events(self) -> None:
        rng, shop = self.rng, self.shop
        P = shop.products
        s = {k: np.concatenate([seg[k] for seg in self.sessions]) for k in self.sessions[0]}
        S = len(s["t"])
        kind, plat = s["kind"], self.dev_plat[s["dev"]]
        app = plat > 0
        mask = np.zeros((S, len(SLOTS)), dtype=bool)
        mask[:, SLOT["app_open"]] = app
        mask[:, SLOT["landing"]] = True
        mask[:, SLOT["identify"]] = (kind == KIND_SIGNUP) | (kind == KIND_LOGIN)
        mask[:, SLOT["signed_up"]] = kind == KIND_SIGNUP
        cust = np.maximum(s["cust"], 0)
        mask[:, SLOT["subscribed"]] = (kind == KIND_SIGNUP) & self.granted[cust, 0]
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
        base = s["t"] - offs[np.arange(S), anchor]
        si, slot = np.nonzero(mask)
        t = base[si] + offs[si, slot]
        keep = t <= shop.end
        si, slot, t = si[keep], slot[keep], t[keep]
        order = np.argsort(t, kind="stable")
        si, slot, t = si[order], slot[order], t[order]
        E = len(t)
        # the product in focus of a session (the first order line of a purchase)
        focus = rng.integers(0, len(P["id"]), S)
        o = s["order"]
        focus = np.where(o >= 0, self.o_first_product[np.maximum(o, 0)], focus)
        innov = (s["cust"] >= 0) & self.innovator[cust] & (o < 0) & (rng.random(S) < 0.5)
        first_new = np.searchsorted(P["launched_sorted"], s["t"] - 60 * DAY)
        last_new = np.searchsorted(P["launched_sorted"], s["t"], side="right")
        innov &= last_new > first_new
        pick = first_new + (rng.random(S) * (last_new - first_new)).astype(np.int64)
        focus = np.where(innov, P["by_launch"][np.minimum(pick, len(P["id"]) - 1)], focus)
        unlaunched = P["launched"][focus] > s["t"]
        focus[unlaunched] = P["old_by_price"][rng.integers(0, len(P["old_by_price"]), unlaunched.sum())]
        members, m_off, m_len = _flat([list(m) for m in P["cat_members"]])
        members = np.array(members, dtype=np.int64)
        product = focus[si]
        other_view = np.isin(slot, VIEWS[1:])
        related = members[_pick_in_group(rng, P["category_idx"][product], m_off, m_len)]
        product = np.where(other_view & (P["launched"][related] <= t), related, product)
        # names, types, ids
        track_names = {
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
        names = [track_names.get(x) for x in SLOTS]
        names[SLOT["landing"]] = "Page Viewed"
        name = _take(names, slot)
        ev_app = app[si]
        landing = slot == SLOT["landing"]
        name = _where(landing & ev_app, "Home Screen", name)
        # ~1% of track events under an old SDK's spelling (staging maps them back)
        canon = list(NONCANONICAL)
        slot_canon = np.array([canon.index(x) if x in NONCANONICAL else -1 for x in names])[slot]
        odd = (rng.random(E) < 0.01) & (slot_canon >= 0)
        variants = [NONCANONICAL[c][i % len(NONCANONICAL[c])] for c in canon for i in range(2)]
        odd_name = _take(variants, np.maximum(slot_canon, 0) * 2 + rng.integers(0, 2, E))
        name = _where(odd, odd_name, name)
        etype = np.select([slot == SLOT["identify"], landing & ev_app, landing], [3, 2, 1], 0)
        user = s["user"][si]
        known = user >= 0
        uid = _null_where(pc.take(self.cid, pa.array(np.maximum(user, 0))), ~known)
        with_email = (slot == SLOT["identify"]) | (slot == SLOT["signed_up"])
        email = _null_where(pc.take(self.email_written, pa.array(np.maximum(user, 0))), ~(with_email & known))
        dev = s["dev"][si]
        shared = np.isin(dev, self.shared_rows) | np.isin(dev, self.placeholder_rows)
        device_id = _null_where(pc.take(self.dev_id, pa.array(dev)), ~(ev_app | shared))
        # pages, referrers and UTM parameters on the landing event of a session
        site = "https://shop.example.com"
        pid = _take(P["id"], product)
        paths = [None] * len(SLOTS)
        for sl, path in (
            ("landing", "/"),
            ("search", "/search"),
            ("added", "/cart"),
            ("removed", "/cart"),
            ("cart_viewed", "/cart"),
            ("checkout", "/checkout"),
            ("completed", "/checkout/thank-you"),
            ("signed_up", "/account/signup"),
            ("identify", "/account/login"),
            ("subscribed", "/"),
        ):
            paths[SLOT[sl]] = site + path
        page = _take(paths, slot)
        page = _where(np.isin(slot, VIEWS), _cat(site, "/products/", pid), page)
        page = _null_where(page, ev_app)
        has_utm = rng.random(S) < 0.25
        utm = rng.integers(0, len(UTMS), S)
        on_landing = landing & has_utm[si]
        utm_e = utm[si]
        referrer = _null_where(
            _take(REFERRERS, rng.integers(0, len(REFERRERS), E)), ~(landing & (rng.random(E) < 0.35))
        )
        # properties (JSON text)
        price = _money(P["price"][product])
        cat = _take(P["category"], product)
        prod_json = _cat('{"product_id":"', pid, '","category":"', cat, '","price":', price)
        with_qty = (slot == SLOT["added"]) | (slot == SLOT["removed"])
        prod_json = _cat(prod_json, _where(with_qty, ',"quantity":1}', "}"))
        o_e = np.maximum(o[si], 0)
        order_json = _cat(
            '{"order_id":"',
            pc.take(self.o_id, pa.array(o_e)),
            '","revenue":',
            _money(self.o_total[o_e]),
            ',"currency":"',
            pc.take(self.o_currency, pa.array(o_e)),
            '"}',
        )
        query_json = _cat('{"query":"', _take(SEARCH_QUERIES, rng.integers(0, len(SEARCH_QUERIES), E)), '"}')
        fixed = [None] * len(SLOTS)
        fixed[SLOT["app_open"]] = '{"from_background":false}'
        fixed[SLOT["signed_up"]] = '{"method":"email"}'
        fixed[SLOT["subscribed"]] = '{"list":"newsletter"}'
        props = _take(fixed, slot)
        product_slot = np.isin(
            slot, VIEWS + [SLOT[x] for x in ("added", "removed", "cart_viewed", "checkout")]
        )
        props = _where(product_slot, prod_json, props)
        props = _where(slot == SLOT["search"], query_json, props)
        props = _where(slot == SLOT["completed"], order_json, props)
        received = t + rng.integers(0, 6, E)
        late = rng.random(E) < 0.01
        received = np.minimum(np.where(late, t + rng.integers(HOUR, 48 * HOUR, E), received), shop.end)
        received = np.maximum(received, t)
        self.tables["events"] = _table(
            self.contract["events"],
            {
                "event_id": _ids("evt-", self.k * 100_000_000 + np.arange(E) + 1, 11),
                "event_type": _take(["track", "page", "screen", "identify"], etype),
                "event_name": _null_where(name, etype == 3),
                "anonymous_id": pc.take(self.dev_anon, pa.array(dev)),
                "user_id": uid,
                "email": email,
                "timestamp": _ts_mixed(t, rng),
                "received_at": _ts(received),
                "platform": _take(PLATFORMS, plat[si]),
                "device_id": device_id,
                "page_url": page,
                "referrer": referrer,
                "utm_source": _null_where(_take([u[0] for u in UTMS], utm_e), ~on_landing),
                "utm_medium": _null_where(_take([u[1] for u in UTMS], utm_e), ~on_landing),
                "utm_campaign": _null_where(_take([u[2] for u in UTMS], utm_e), ~on_landing),
                "properties": props,
            },
            E,
        )

    # ------------------------------------------------------------------ feedback and loyalty
    def _feedback_and_loyalty(self) -> None:
        rng, n, end = self.rng, self.n, self.shop.end
        cust, t, status = self.o_cust, self.o_time, self.o_status
        registered = (cust >= 0) & ~self.o_guest
        cc = np.maximum(cust, 0)
        # surveys: CSAT after some orders, NPS once for some buyers; loyal people score higher
        csat_o = np.nonzero(registered & (status == 0) & (rng.random(len(t)) < 0.15))[0]
        csat_t = t[csat_o] + rng.integers(DAY, 7 * DAY, len(csat_o))
        csat_c = cc[csat_o]
        csat = np.clip(np.round(rng.normal(4.1 + (0.2 - self.p_drop[csat_c]) * 2, 0.9)), 1, 5)
        buyers = np.nonzero((self.n_orders > 0) & (rng.random(n) < 0.25))[0]
        nps_t = self.first_order[buyers] + (
            rng.random(len(buyers)) * (end - self.first_order[buyers])
        ).astype(np.int64)
        nps = np.clip(np.round(rng.normal(7.6 + (0.2 - self.p_drop[buyers]) * 6, 2.0)), 0, 10)
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
        self.tables["survey_responses"] = _table(
            self.contract["survey_responses"],
            {
                "response_id": _ids("R", self.k * 10_000_000 + np.arange(len(rc)) + 1, 10),
                "customer_id": pc.take(self.cid, pa.array(rc)),
                "survey_type": _take(["csat", "nps"], rk),
                "score": _num(rs),
                "comment": _null_where(_take(COMMENTS["good"] + COMMENTS["bad"], comment), ~with_comment),
                "responded_at": _ts(rt),
            },
            len(rc),
        )
        # referrals: some friends sign up and order (converted), the others only got an invitation
        referrer = np.nonzero((self.n_orders > 0) & (rng.random(n) < 0.07))[0]
        referrer = np.repeat(referrer, np.where(rng.random(len(referrer)) < 0.2, 2, 1))
        friend = rng.integers(0, n, len(referrer))
        created = self.signup[friend] - rng.integers(DAY, 10 * DAY, len(referrer))
        converted = (
            (rng.random(len(referrer)) < 0.45)
            & (friend != referrer)
            & (created > self.signup[referrer])
            & (self.first_order[friend] <= end)
        )
        _, first_use = np.unique(np.where(converted, friend, -1 - np.arange(len(friend))), return_index=True)
        unique = np.zeros(len(friend), dtype=bool)
        unique[first_use] = True
        converted &= unique
        created = np.where(
            converted,
            created,
            self.signup[referrer]
            + (rng.random(len(referrer)) * (end - self.signup[referrer])).astype(np.int64),
        )
        r_email = _where(
            converted,
            pc.take(self.email, pa.array(friend)),
            _cat("friend", _num(self.g[referrer] + 1), ".", _num(np.arange(len(referrer))), "@example.org"),
        )
        conv_at = self.first_order[friend]
        order = np.argsort(created, kind="stable")
        referrer, friend, created, converted, conv_at = (
            x[order] for x in (referrer, friend, created, converted, conv_at)
        )
        r_email = pc.take(r_email, pa.array(order))
        self.tables["referrals"] = _table(
            self.contract["referrals"],
            {
                "referral_id": _ids("RF", self.k * 1_000_000 + np.arange(len(referrer)) + 1, 9),
                "referrer_customer_id": pc.take(self.cid, pa.array(referrer)),
                "referred_customer_id": _null_where(pc.take(self.cid, pa.array(friend)), ~converted),
                "referred_email": r_email,
                "created_at": _ts(created),
                "converted_at": _null_where(_ts(np.where(converted, conv_at, 0)), ~converted),
            },
            len(referrer),
        )
        # loyalty: earn on completed orders, reverse refunds, redeem, anniversary bonus, referral bonus
        earn = np.nonzero(registered & ((status == 0) | (status == 2)))[0]
        points = np.floor(self.o_total_usd[earn]).astype(np.int64)
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
            a = np.nonzero((self.n_orders > 0) & (self.signup + year * 365 * DAY <= end))[0]
            lc.append(a)
            lt.append(self.signup[a] + year * 365 * DAY)
            lp.append(np.full(len(a), 100))
            lr.append(np.full(len(a), 3))
        ref = referrer[converted]
        lc.append(ref)
        lt.append(conv_at[converted] + HOUR)
        lp.append(np.full(len(ref), 250))
        lr.append(np.full(len(ref), 4))
        lc, lt, lp, lr = (np.concatenate(x).astype(np.int64) for x in (lc, lt, lp, lr))
        ok = lt <= end
        lc, lt, lp, lr = lc[ok], lt[ok], lp[ok], lr[ok]
        order = np.lexsort((lr, lc, lt))
        lc, lt, lp, lr = lc[order], lt[order], lp[order], lr[order]
        self.tables["loyalty_transactions"] = _table(
            self.contract["loyalty_transactions"],
            {
                "customer_id": pc.take(self.cid, pa.array(lc)),
                "points": _num(lp),
                "reason": _take(["purchase", "refund", "redemption", "anniversary", "referral"], lr),
                "occurred_at": _ts(lt),
            },
            len(lc),
        )
        # deletion requests (~0.5%; at least one per chunk): by customer_id and/or email
        deleted = rng.random(n) < 0.005
        if not deleted.any() and n >= 50:
            deleted[rng.integers(0, n)] = True
        d = np.nonzero(deleted)[0]
        guest_del = np.nonzero(rng.random(len(self.guest)) < 0.005)[0]
        self.deleted, self.guest_deleted = deleted, np.zeros(len(self.guest), dtype=bool)
        self.guest_deleted[guest_del] = True
        how = rng.choice(3, len(d), p=[0.5, 0.25, 0.25])  # both, customer_id only, email only
        at = self.signup[d] + (rng.random(len(d)) * (end - self.signup[d])).astype(np.int64)
        g_at = self.shop.start + (rng.random(len(guest_del)) * (end - self.shop.start)).astype(np.int64)
        us = self.country[d] == self.shop.countries.index("US")
        self.tables["deletion_requests"] = _table(
            self.contract["deletion_requests"],
            {
                "customer_id": pa.concat_arrays(
                    [_null_where(pc.take(self.cid, pa.array(d)), how == 2), pa.nulls(len(guest_del), STR)]
                ),
                "email": pa.concat_arrays(
                    [
                        _null_where(pc.take(self.email, pa.array(d)), how == 1),
                        pc.take(self.guest_email, pa.array(guest_del)),
                    ]
                ),
                "requested_at": _ts(np.concatenate([at, g_at])),
                "regulation": _take(
                    ["gdpr", "ccpa"],
                    np.concatenate([us, np.zeros(len(guest_del), dtype=bool)]).astype(np.int64),
                ),
            },
            len(d) + len(guest_del),
        )

    # ------------------------------------------------------------------ truth
    def _truth(self) -> None:
        n = self.n
        pid_c = _cat("P-", self.cid)
        vg, gu = self.g[self.visitor] + 1, self.g[self.guest] + 1
        pid_v, pid_g = _ids("P-V", vg, 7), _ids("P-G", gu, 7)
        self.persons = pa.table(
            {
                "person_id": pa.concat_arrays([pid_c, pid_g, pid_v]),
                "kind": pa.concat_arrays(
                    [
                        _take(["customer"], np.zeros(n)),
                        _take(["guest"], np.zeros(len(gu))),
                        _take(["anonymous"], np.zeros(len(vg))),
                    ]
                ),
                "customer_id": pa.concat_arrays([self.cid, pa.nulls(len(gu) + len(vg), STR)]),
                "has_deletion_request": _take(
                    ["false", "true"],
                    np.concatenate([self.deleted, self.guest_deleted, np.zeros(len(vg), dtype=bool)]).astype(
                        np.int64
                    ),
                ),
                # behaviour traits, so persona rules can be checked against what was simulated
                **{
                    column: _take(
                        ["false", "true"],
                        np.concatenate([trait, np.zeros(len(gu) + len(vg), dtype=bool)]).astype(np.int64),
                    )
                    for column, trait in (
                        ("is_discount_prone", self.discount_prone),
                        ("is_innovator", self.innovator),
                    )
                },
            }
        )
        person, id_type, value = [], [], []

        def add(p, kind, v):
            person.append(p)
            id_type.append(_take([kind], np.zeros(len(p))))
            value.append(_s(v))

        add(pid_c, "customer_id", self.cid)
        add(pid_c, "email", self.email)
        has_phone = np.array([p is not None for p in self.phone_e164])
        add(
            pc.filter(pid_c, pa.array(has_phone)),
            "phone",
            pc.filter(_s(self.phone_e164), pa.array(has_phone)),
        )
        for d in range(3):
            c = np.nonzero(self.n_devices > d)[0]
            rows = 3 * c + d
            add(pc.take(pid_c, pa.array(c)), "anonymous_id", pc.take(self.dev_anon, pa.array(rows)))
            app = self.dev_plat[rows] > 0
            add(pc.take(pid_c, pa.array(c[app])), "device_id", pc.take(self.dev_id, pa.array(rows[app])))
        add(pid_g, "email", self.guest_email)
        add(pid_g, "anonymous_id", pc.take(self.dev_anon, pa.array(self.guest_row)))
        add(pid_v, "anonymous_id", pc.take(self.dev_anon, pa.array(self.visitor_row)))
        app = self.dev_plat[self.visitor_row] > 0
        add(
            pc.filter(pid_v, pa.array(app)),
            "device_id",
            pc.take(self.dev_id, pa.array(self.visitor_row[app])),
        )
        ids = pa.table(
            {
                "person_id": pa.concat_arrays(person),
                "id_type": pa.concat_arrays(id_type),
                "id_value": pa.concat_arrays(value),
            }
        )
        self.identifiers = ids.sort_by(
            [("person_id", "ascending"), ("id_type", "ascending"), ("id_value", "ascending")]
        )
        self.persons = self.persons.sort_by([("person_id", "ascending")])


# ---------------------------------------------------------------------------------- bad rows
def _inject_defects(
    name: str, table: pa.Table, rng: np.random.Generator, share: float, end: int, first_row: int
) -> tuple[pa.Table, list[tuple]]:
    """Give `share` of the rows exactly one defect; exact re-deliveries are appended at the end.

    Returns the table to write and (table, row_number, key, reason) per bad row, where
    row_number is the 1-based data row in the file (first_row = number of the table's first row).
    """
    kinds = DEFECTS.get(name)
    rows = table.num_rows
    if not kinds or share <= 0 or rows < MIN_ROWS_FOR_DEFECTS:
        return table, []
    n_bad = max(MIN_DEFECTS_PER_REASON * len(kinds), int(round(share * rows)))
    n_bad = min(n_bad, rows // 10)
    chosen = np.sort(rng.choice(rows, n_bad, replace=False))
    reason_of = rng.permutation(np.arange(n_bad) % len(kinds))
    bad: list[tuple] = []
    columns = {c: table.column(c).combine_chunks() for c in table.column_names}
    duplicates = chosen[[kinds[r][0] == "duplicate" for r in reason_of]]
    for r, (reason, column) in enumerate(kinds):
        idx = chosen[reason_of == r]
        if reason == "duplicate" or not len(idx):
            continue
        m = len(idx)
        if reason == "null_key":
            values = pa.array([""] * m, STR) if rng.random() < 0.5 else pa.nulls(m, STR)
        elif reason == "future_timestamp":
            values = _ts(end + rng.integers(5 * 365 * DAY, 6 * 365 * DAY, m))
        elif reason == "negative_amount":
            values = _cat("-", _money(rng.uniform(5, 300, m)))
            mask = np.zeros(rows, dtype=bool)
            mask[idx] = True
            columns["status"] = pc.replace_with_mask(
                columns["status"], pa.array(mask), _take(["completed"], np.zeros(m))
            )
        else:
            values = _take(BAD_VALUES[reason], rng.integers(0, len(BAD_VALUES[reason]), m))
        mask = np.zeros(rows, dtype=bool)
        mask[idx] = True
        columns[column] = pc.replace_with_mask(columns[column], pa.array(mask), values)
    out = pa.Table.from_arrays([columns[c] for c in table.column_names], names=table.column_names)
    key_cols = KEYS[name]
    for r, (reason, _) in enumerate(kinds):
        idx = chosen[reason_of == r]
        if reason == "duplicate" or not len(idx):
            continue
        keys = _keys(out.take(pa.array(idx)), key_cols)
        bad += [(name, first_row + int(i), k, reason) for i, k in zip(idx, keys, strict=True)]
    if len(duplicates):
        copies = out.take(pa.array(duplicates))
        keys = _keys(copies, key_cols)
        bad += [(name, first_row + rows + d, k, "duplicate") for d, k in enumerate(keys)]
        out = pa.concat_tables([out, copies])
    bad.sort(key=lambda b: b[1])
    return out, bad


def _keys(table: pa.Table, columns: list[str]) -> list[str]:
    parts = [pc.fill_null(table.column(c), "").to_pylist() for c in columns]
    return ["|".join(p) for p in zip(*parts, strict=True)]


# ---------------------------------------------------------------------------------- writing
class _Writers:
    """One appending writer per file: CSV (pyarrow.csv) or Parquet (pyarrow.parquet)."""

    def __init__(self, folder: Path, file_format: str):
        self.folder, self.format = folder, file_format
        self.writers: dict[str, object] = {}

    def write(self, name: str, table: pa.Table, file_format: str | None = None) -> None:
        fmt = file_format or self.format
        if name not in self.writers:
            path = self.folder / f"{name}.{fmt}"
            if fmt == "csv":
                import pyarrow.csv as pcsv

                self.writers[name] = pcsv.CSVWriter(path, table.schema)
            else:
                import pyarrow.parquet as pq

                self.writers[name] = pq.ParquetWriter(path, table.schema, compression="zstd")
        if table.num_rows:
            self.writers[name].write_table(table)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="customer", unit_scale=True, desc="lifecycle generate", leave=False)


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
    """Write every raw contract table of a synthetic shop to `out_dir`, plus `_truth/`.

    Same arguments give byte-identical files. Returns a summary: rows per table, bad rows per
    reason and the seconds it took (the seconds are not written anywhere).
    """
    if file_format not in ("csv", "parquet"):
        raise ValueError(f"file_format must be csv or parquet, not {file_format!r}")
    if customers < 1 or months < 1:
        raise ValueError("customers and months must be at least 1")
    if not 0 <= bad_row_share < 0.5:
        raise ValueError("bad_row_share must be in [0, 0.5)")
    started = time.monotonic()
    out = Path(out_dir)
    truth = out / "_truth"
    truth.mkdir(parents=True, exist_ok=True)
    contract = load_contract()
    shop = _make_shop(seed, months, end_date, bad_row_share)
    for name in contract:  # a stale file of the other format would be ingested too
        other = out / f"{name}.{'parquet' if file_format == 'csv' else 'csv'}"
        if other.exists():
            other.unlink()
    writers = _Writers(out, file_format)
    truth_writers = _Writers(truth, "csv")
    counts = {name: 0 for name in contract}
    bad: list[tuple] = []
    people = {"customer": 0, "guest": 0, "anonymous": 0}
    extra = {"guest_orders": 0, "messages": 0}
    bar = _progress(customers, progress)
    for index, first in enumerate(range(0, customers, CHUNK_CUSTOMERS)):
        count = min(CHUNK_CUSTOMERS, customers - first)
        chunk = _Chunk(shop, contract, index, first, count)
        if index == 0:
            chunk.tables.update(_static_tables(shop, contract))
        defect_rng = np.random.default_rng([seed, 2, index])
        for name, spec in contract.items():
            table = chunk.tables.get(name)
            if table is None:
                table = _table(spec, {}, 0)
            if name in chunk.versions:
                table = pa.concat_tables([table, chunk.versions[name]])
            table, table_bad = _inject_defects(
                name, table, defect_rng, bad_row_share, shop.end, counts[name] + 1
            )
            writers.write(name, table)
            counts[name] += table.num_rows
            bad += table_bad
        truth_writers.write("persons", chunk.persons)
        truth_writers.write("identifiers", chunk.identifiers)
        for kind, c in zip(
            *np.unique(chunk.persons.column("kind").to_numpy(zero_copy_only=False), return_counts=True),
            strict=True,
        ):
            people[str(kind)] += int(c)
        extra["guest_orders"] += chunk.n_guest_orders
        extra["messages"] += chunk.n_messages
        if bar is not None:
            bar.update(count)
        del chunk
    if bar is not None:
        bar.close()
    writers.close()
    truth_writers.close()
    with (truth / "bad_rows.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["table", "row_number", "key", "reason"])
        w.writerows(sorted(bad, key=lambda b: (b[0], b[1])))
    reasons: dict[str, int] = {}
    for b in bad:
        reasons[b[3]] = reasons.get(b[3], 0) + 1
    summary = {
        "customers": customers,
        "months": months,
        "seed": seed,
        "end_date": end_date,
        "bad_row_share": bad_row_share,
        "file_format": file_format,
        "window": {"start": str(np.datetime64(shop.start, "s")), "end": str(np.datetime64(shop.end, "s"))},
        "rows": counts,
        "bad_rows": dict(sorted(reasons.items())),
        "persons": people,
        "guest_orders": extra["guest_orders"],
        "messages": extra["messages"],
        "true_parameters": {
            **TRUE_PARAMS,
            "time_unit": "day",
            "order_value_currency": "USD",
            "seasonality": dict(zip(range(1, 13), SEASONALITY.tolist(), strict=True)),
        },
    }
    (truth / "summary.json").write_text(
        json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    summary["seconds"] = round(time.monotonic() - started, 2)
    return summary
