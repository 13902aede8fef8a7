"""Campaign messages and their events (sent, delivered, opened, ...), and their true uplift.

Triggered journeys react to sign-ups and to abandoned carts and browsing (the browse sessions),
the others message a share of the customers who signed up before the campaign started; only
with consent in force. Treated people who got a message buy a little more in the following
week: those extra purchases go to the orders step, which is why messages run before orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lifecycle.generate.arrow import DAY, HOUR, Contract, build_table, concat, num, take, ts
from lifecycle.generate.browsing import KIND_BROWSE, KIND_CART, KIND_CHECKOUT, Sessions
from lifecycle.generate.privacy import Consents
from lifecycle.generate.shop import Shop

MSG_CHANNELS = ["email", "sms", "push", "whatsapp", "web_push", "in_app"]
# per channel: open rate given delivered, click rate given opened (sms: click without open)
OPEN_RATE = {"email": 0.23, "sms": 0.0, "push": 0.08, "whatsapp": 0.45, "web_push": 0.06, "in_app": 0.30}
CLICK_RATE = {"email": 0.11, "sms": 0.03, "push": 0.30, "whatsapp": 0.06, "web_push": 0.25, "in_app": 0.08}
MESSAGE_EVENTS = ["sent", "delivered", "bounced", "opened", "clicked", "unsubscribed", "complained"]


@dataclass
class Messages:
    """The message events, and the purchases they cause (for the orders step)."""

    table: pa.Table  # the message_events raw table
    uplift_cust: np.ndarray  # extra purchases caused by messages: customer (batch index)
    uplift_time: np.ndarray  # and time
    count: int  # messages sent (for the summary)


def send_messages(
    rng: np.random.Generator,
    shop: Shop,
    contract: Contract,
    customer_id: pa.Array,
    signup: np.ndarray,
    browse: Sessions,
    consents: Consents,
) -> Messages:
    """Who gets which campaign when, what happens to each message, and who buys because of it."""
    end, camp = shop.end, shop.campaigns
    mc, cust, send = _recipients(rng, shop, signup, browse, consents)
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
    times = np.stack([send, t_deliv, send + rng.integers(1, 300, m), t_open, t_click, t_unsub, t_unsub], 1)
    flags &= times <= end
    mi, ei = np.nonzero(flags)
    at = times[mi, ei]
    order = np.argsort(at, kind="stable")
    mi, ei, at = mi[order], ei[order], at[order]
    message_id = concat("M-", take(camp["id"], mc), "-", pc.take(customer_id, pa.array(cust)))
    mid = pc.take(message_id, pa.array(mi))
    table = build_table(
        contract["message_events"],
        {
            "message_event_id": concat("E", mid, "-", num(ei + 1)),
            "message_id": mid,
            "campaign_id": take(camp["id"], mc[mi]),
            "customer_id": pc.take(customer_id, pa.array(cust[mi])),
            "channel": take(MSG_CHANNELS, channel[mi]),
            "event": take(MESSAGE_EVENTS, ei),
            "occurred_at": ts(at),
            "variant": take(["A", "B", "control"], np.where(control, 2, variant_b.astype(np.int64))[mi]),
        },
        len(mi),
    )
    # the true uplift: treated people who got the message buy a little more in the next week
    extra = delivered & (rng.random(m) < 0.012 + 0.15 * clicked)
    t_extra = send + (HOUR / 2 + rng.random(m) * 7 * DAY).astype(np.int64)
    extra &= t_extra <= end
    return Messages(table, cust[extra], t_extra[extra], m)


def _recipients(
    rng: np.random.Generator, shop: Shop, signup: np.ndarray, browse: Sessions, consents: Consents
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Campaign, customer and send time of every message, campaign by campaign."""
    end, camp = shop.end, shop.campaigns
    n = len(signup)
    out = {k: [] for k in ("camp", "cust", "send")}
    for ci, journey in enumerate(camp["journey"]):
        st, en = camp["started"][ci], min(camp["ended"][ci], end)
        if journey in ("welcome", "onboarding"):
            cust = np.nonzero((signup >= st) & (signup < en))[0]
            send = signup[cust] + (HOUR if journey == "welcome" else 3 * DAY)
        elif journey in ("cart_recovery", "browse_recovery"):
            kinds = (KIND_CART, KIND_CHECKOUT) if journey == "cart_recovery" else (KIND_BROWSE,)
            hit = (browse.user >= 0) & np.isin(browse.kind, kinds) & (browse.time >= st) & (browse.time < en)
            hit &= rng.random(len(hit)) < (1.0 if journey == "cart_recovery" else 0.3)
            cust, first = np.unique(browse.user[hit], return_index=True)
            send = browse.time[hit][first] + (HOUR if journey == "cart_recovery" else 4 * HOUR)
        else:
            share = 0.6 if journey == "newsletter" else 0.3
            cust = np.nonzero((signup < st) & (rng.random(n) < share))[0]
            send = st + rng.integers(0, 48 * HOUR, len(cust))
        ok = (send <= end) & consents.may_message(cust, camp["channel"][ci], send)
        out["camp"].append(np.full(ok.sum(), ci))
        out["cust"].append(cust[ok])
        out["send"].append(send[ok])
    mc, cust, send = (np.concatenate(out[k]).astype(np.int64) for k in ("camp", "cust", "send"))
    return mc, cust, send
