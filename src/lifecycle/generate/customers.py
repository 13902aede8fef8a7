"""Step 1: the registered customers of a chunk (who they are and how they write their details)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lifecycle.generate.arrow import (
    DAY,
    STR,
    Contract,
    build_table,
    concat,
    flat,
    null_where,
    num,
    pick_in_group,
    take,
    text,
    ts,
    where,
)
from lifecycle.generate.locales import CITIES, COUNTRIES, DOMAINS, EMAIL_HANDLES, POSTAL, POSTAL_DIGITS
from lifecycle.generate.shop import Batch, Shop


@dataclass
class Customers:
    """One entry per customer of the batch, in customer number order."""

    country: np.ndarray  # index into shop.countries
    signup: np.ndarray  # epoch seconds of registration (customers.created_at)
    email: pa.Array  # normalized (lower case, trimmed): what identity resolution should find
    email_written: pa.Array  # as the shop's export writes it (case and spaces vary)
    phone_e164: list[str | None]  # the true phone number, None when the customer gave none
    table: pa.Table  # the customers raw table


def make_customers(rng: np.random.Generator, shop: Shop, contract: Contract, batch: Batch) -> Customers:
    """Country, sign-up time, names, contact details and demographics of each customer.

    Reads only the shop and the batch; the first draws from the chunk's stream.
    """
    n, g = batch.n, batch.numbers
    start, end = shop.start, shop.end
    country = rng.choice(len(shop.countries), n, p=shop.country_p)
    signup = start + (rng.random(n) * (end - start - DAY)).astype(np.int64)
    specs = [COUNTRIES[c] for c in shop.countries]
    firsts, f_off, f_len = flat([s[5] for s in specs])
    lasts, l_off, l_len = flat([s[6] for s in specs])
    cities, c_off, c_len = flat([CITIES[c] for c in shop.countries])
    city = pick_in_group(rng, country, c_off, c_len)
    langs = [s[4] for s in specs]
    lang_idx = np.where(
        rng.random(n) < 0.85, 0, np.minimum(1, np.array([len(x) - 1 for x in langs])[country])
    )
    lang_flat, lang_off, _ = flat(langs)
    # email: handle + separator + number @ domain, written with random case and spaces
    email = concat(
        take(EMAIL_HANDLES, rng.integers(0, len(EMAIL_HANDLES), n)),
        take([".", "_", ""], rng.integers(0, 3, n)),
        num(g + 1),
        "@",
        take(DOMAINS, rng.integers(0, len(DOMAINS), n)),
    )
    noise = rng.random(n)
    written = where(noise < 0.08, pc.utf8_upper(email), email)
    written = where((noise > 0.95), concat("  ", written, " "), written)
    written = where((noise > 0.10) & (noise < 0.13), pc.utf8_capitalize(email), written)
    phones, e164 = _phones(rng, shop, country)
    postal = _postal_codes(rng, shop, country)
    gender = rng.choice(4, n, p=[0.47, 0.45, 0.02, 0.06])
    birth = signup - ((18 + rng.random(n) * 57) * 365.25 * DAY).astype(np.int64)
    updated = signup + np.minimum(rng.exponential(40 * DAY, n).astype(np.int64), end - signup)
    country_written = take(shop.countries, country)
    country_written = where(rng.random(n) < 0.03, pc.utf8_lower(country_written), country_written)
    table = build_table(
        contract["customers"],
        {
            "customer_id": batch.customer_id,
            "email": written,
            "phone": text(phones),
            "first_name": pc.take(pa.array(firsts, STR), pa.array(pick_in_group(rng, country, f_off, f_len))),
            "last_name": pc.take(pa.array(lasts, STR), pa.array(pick_in_group(rng, country, l_off, l_len))),
            "country": country_written,
            "region": take([c[1] for c in cities], city),
            "city": take([c[0] for c in cities], city),
            "postal_code": text(postal),
            "timezone": take([c[2] for c in cities], city),
            "language": take(lang_flat, lang_off[country] + lang_idx),
            "birth_date": null_where(
                pc.cast(pa.array((birth // DAY).astype("datetime64[D]")), STR), rng.random(n) < 0.07
            ),
            "gender": take(["female", "male", "non-binary", None], gender),
            "created_at": ts(signup),
            "updated_at": ts(updated),
        },
        n,
    )
    return Customers(country, signup, email, written, e164, table)


def _phones(rng: np.random.Generator, shop: Shop, country: np.ndarray) -> tuple[list, list]:
    """Phones as written (national with trunk prefix, +CC, 00CC, spaces, dashes, parentheses;
    some missing) and the same numbers in E.164."""
    specs = [COUNTRIES[c] for c in shop.countries]
    n = len(country)
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
    return phones, e164


def _postal_codes(rng: np.random.Generator, shop: Shop, country: np.ndarray) -> list[str]:
    """A postal code in each country's format."""
    n = len(country)
    pa_, pb = rng.integers(0, 10**6, n), rng.integers(0, 10**6, n)
    postal = []
    for c, a, b in zip(country.tolist(), pa_.tolist(), pb.tolist(), strict=True):
        code = shop.countries[c]
        if code in POSTAL:
            postal.append(POSTAL[code](a, b))
        else:
            digits = POSTAL_DIGITS.get(code, 5)
            postal.append(f"{a % 10**digits:0{digits}d}")
    return postal
