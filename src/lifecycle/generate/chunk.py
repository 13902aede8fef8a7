"""One chunk of customers (with their guests and visitors), simulated step by step.

Every step draws from the chunk's one random stream (seed, 1, chunk index), so what a step draws
depends on how many numbers the steps before it drew. The order of the steps below, and the
order of the draws inside each step, are therefore part of the output: reordering them, or
adding or removing a draw, changes every row after it (tests/python/test_generate.py pins the
output's digests). Each step gets what it reads as arguments and returns what it decided; the
comments say why each step sits where it does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from lifecycle.generate.arrow import Contract
from lifecycle.generate.behaviour import draw_behaviour, purchase_times
from lifecycle.generate.browsing import Sessions, browse_sessions, make_devices
from lifecycle.generate.customers import make_customers
from lifecycle.generate.events import make_events
from lifecycle.generate.feedback import make_loyalty_transactions, make_referrals, make_survey_responses
from lifecycle.generate.messaging import send_messages
from lifecycle.generate.orders import make_orders
from lifecycle.generate.privacy import make_consents, make_deletion_requests
from lifecycle.generate.shop import Batch, Shop
from lifecycle.generate.truth import make_truth


@dataclass
class ChunkResult:
    """What one chunk adds to the output files and the summary."""

    tables: dict[str, pa.Table]  # raw tables by name (run.py adds products and campaigns once)
    versions: dict[str, pa.Table]  # legitimate later deliveries, appended after the table
    persons: pa.Table  # _truth/persons.csv rows
    identifiers: pa.Table  # _truth/identifiers.csv rows
    n_guest_orders: int
    n_messages: int


def simulate_chunk(shop: Shop, contract: Contract, batch: Batch) -> ChunkResult:
    """Simulate the batch's customers, guests and visitors; steps in their fixed order."""
    rng = np.random.default_rng([shop.seed, 1, batch.index])
    start, end, cid = shop.start, shop.end, batch.customer_id
    # who the customers are, then their hidden traits (which nothing written reveals directly)
    customers = make_customers(rng, shop, contract, batch)
    signup = customers.signup
    behaviour = draw_behaviour(rng, batch.n)
    # devices of customers, visitors and guests (reads only the batch)
    devices = make_devices(rng, batch)
    # when customers buy: from sign-up and their traits
    purchases = purchase_times(rng, end, signup, behaviour)
    # consents: some sms opt-ins happen at the first order
    consents = make_consents(rng, contract, cid, end, signup, purchases.first_order)
    # sessions without orders: buyers browse more
    browse = browse_sessions(rng, batch, start, end, signup, purchases.n_orders, devices)
    # messages: react to sign-ups and browse sessions, need consent, cause extra purchases
    messages = send_messages(rng, shop, contract, cid, signup, browse, consents)
    # orders: the purchases plus the messages' uplift, and guest checkouts
    orders = make_orders(rng, shop, contract, batch, customers, behaviour, devices, purchases, messages)
    # events of every session: the browse sessions and the orders' purchase sessions
    events = make_events(
        rng,
        shop,
        contract,
        batch,
        Sessions.concat([browse, orders.sessions]),
        customers,
        behaviour,
        devices,
        consents.granted[:, 0],  # e-mail marketing: the sign-up session has a Subscribed event
        orders,
    )
    # after the orders: surveys, referrals, then loyalty (which pays referral bonuses)
    surveys = make_survey_responses(rng, contract, batch, end, orders, purchases, behaviour.p_drop)
    referrals = make_referrals(rng, contract, batch, end, signup, customers.email, purchases)
    loyalty = make_loyalty_transactions(
        rng, contract, batch, end, orders, signup, purchases.n_orders, referrals
    )
    # deletion requests: by customers, and by guests (whose e-mails the orders step made up)
    deletions = make_deletion_requests(
        rng, shop, contract, batch, signup, customers.country, customers.email, orders.guest_email
    )
    # the truth: no draws, reads what the steps decided
    truth = make_truth(batch, customers, behaviour, devices, orders.guest_email, deletions)
    tables = {
        "customers": customers.table,
        "consents": consents.table,
        "message_events": messages.table,
        "orders": orders.table,
        "order_items": orders.items,
        "events": events,
        "survey_responses": surveys,
        "referrals": referrals.table,
        "loyalty_transactions": loyalty,
        "deletion_requests": deletions.table,
    }
    versions = {} if orders.later_versions is None else {"orders": orders.later_versions}
    return ChunkResult(
        tables=tables,
        versions=versions,
        persons=truth.persons,
        identifiers=truth.identifiers,
        n_guest_orders=orders.n_guest_orders,
        n_messages=messages.count,
    )
