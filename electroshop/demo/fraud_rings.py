"""Fraud rings of the demo shop: a few accounts that share one device, one e-mail or one stolen card.

A ring's accounts are opened days to weeks apart (so none looks brand new at checkout), each places
one to four high-value device orders over two to four weeks, shipped at home (GB), from GB IP
addresses: nothing about one order is odd, only what its accounts share. The last ring is still
active in the final days of the history, so the review queue has something to work on.

No ORM: like the generator, this appends arrays to the generator's builder.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from electroshop.demo import catalog as cat
from electroshop.demo.generator import EV_CART, EV_VIEW, HistoryBuilder
from electroshop.demo.sampling import hex_ids as _hex_ids
from electroshop.demo.sampling import pick as _pick
from electroshop.demo.sampling import random_ips as _ips
from electroshop.demo.seasons import DAY

SHARED_KINDS = ("device", "email", "card")


def _webmail(rng: np.random.Generator, names: list[str]) -> list[str]:
    domains = _pick(rng, cat.EMAIL_DOMAINS, len(names)).tolist()
    digits = rng.integers(10, 99, len(names)).tolist()
    return [f"{n.split()[0].lower()}.{n.split()[-1].lower()}{d}@{dom}".replace("'", "")
            for n, d, dom in zip(names, digits, domains)]


def inject_rings(b: HistoryBuilder, *, rings: int) -> list[dict[str, Any]]:
    """Append ``rings`` fraud rings to the builder; returns their internal truth (order keys, indices)."""
    rng = b.rng
    pricey = b.high_value_devices()
    first = b.cal.start_ts + 60 * DAY
    out = []
    for r in range(rings):
        shared = SHARED_KINDS[r % len(SHARED_KINDS)]
        members = int(rng.integers(3, 7))
        # The last ring is still active when the history ends; the others start anywhere before.
        start = b.end_ts - 12 * DAY if r == rings - 1 else int(rng.integers(first, b.end_ts - 40 * DAY))
        span = int(rng.integers(10, 29)) * DAY
        names = b._random_names(members)
        emails = _webmail(rng, names)
        device = _hex_ids(rng, 1, "dev_")[0]
        card = _hex_ids(rng, 1, "fp_")[0]
        if shared == "email":
            emails = [emails[0]] * members
        signup_ips = _ips(rng, np.array(["GB"] * members))
        signup_devices = [device] * members if shared == "device" else _hex_ids(rng, members, "dev_")
        created = start - rng.integers(2 * DAY, 30 * DAY, members)
        idx = b.new_customers(created_ts=created, country=["GB"] * members, ip=signup_ips,
                              device_id=signup_devices, emails=emails, names=names, source="web", kind="ring")
        per_member = rng.integers(1, 5, members)
        customer = np.repeat(idx, per_member)
        member = np.repeat(np.arange(members), per_member)
        k = len(customer)
        ts = np.minimum(start + rng.integers(0, span, k), b.end_ts - 3600)
        sessions = np.arange(b.n_sessions, b.n_sessions + k)
        b.n_sessions += k
        products = pricey[rng.integers(0, len(pricey), k)]
        overrides: dict[str, Any] = {
            "ip": _ips(rng, np.array(["GB"] * k)), "ip_country": ["GB"] * k, "billing_country": ["GB"] * k,
            "shipping_country": ["GB"] * k, "card_country": ["GB"] * k,
            "device_id": [signup_devices[m] for m in member.tolist()],
            "card_fp": _hex_ids(rng, k, "fp_"),
        }
        if shared == "card":  # a card stolen abroad, used by every account of the ring
            overrides["card_fp"] = [card] * k
            overrides["card_country"] = [str(rng.choice(["US", "FR", "DE"]))] * k
        keys = b.add_orders(ts=ts, customer=customer, session=sessions, device=np.full(k, 1),
                            items=[(np.arange(k), products, np.ones(k, dtype=np.int64))], kind="ring", **overrides)
        b.add_events(ts=ts - 150, etype=EV_VIEW, customer=customer, session=sessions, product=products, device=1,
                     source=0, dwell=rng.exponential(20, k).round(1))
        b.add_events(ts=ts - 60, etype=EV_CART, customer=customer, session=sessions, product=products, device=1,
                     source=0)
        value = {"device": device, "email": emails[0], "card": card}[shared]
        out.append({"shared": shared, "value": value, "customer_idx": idx, "order_keys": keys})
    return out


def resolve_rings(rings: list[dict[str, Any]], *, order_numbers: np.ndarray, customer_ids: np.ndarray
                  ) -> list[dict[str, Any]]:
    """The rings' truth in shop identifiers (order numbers, customer ids)."""
    return [{"shared": r["shared"], "value": r["value"],
             "customer_ids": sorted(int(customer_ids[i]) for i in r["customer_idx"]),
             "order_numbers": [str(order_numbers[k]) for k in r["order_keys"].tolist()]} for r in rings]
