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

How it is organised (one module per concern; `chunk.py` runs the steps in their fixed order and
passes each step what it reads):
- `shop.py`: the window, countries, currencies, products and campaigns, shared by every chunk;
- `customers.py`, `behaviour.py`: who the customers are, their hidden traits, when they buy;
- `browsing.py`: devices and the sessions that end without an order;
- `privacy.py`: consents and deletion requests; `messaging.py`: campaign messages and uplift;
- `orders.py`: orders and lines; `events.py`: the events of every session;
- `feedback.py`: surveys, referrals, loyalty points; `truth.py`: `_truth/` persons and identifiers;
- `defects.py`: bad rows; `writers.py`: output files; `run.py`: `generate()`;
- `arrow.py`, `locales.py`: column builders and reference data.
"""

from lifecycle.generate.behaviour import TRUE_PARAMS
from lifecycle.generate.defects import BAD_VALUES
from lifecycle.generate.run import generate

__all__ = ["BAD_VALUES", "TRUE_PARAMS", "generate"]
