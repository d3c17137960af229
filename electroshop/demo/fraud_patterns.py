"""Fraud patterns of the demo shop: card-testing bursts, stolen-card sprees, bot sign-ups and fake
reviews, appended to the generator's builder (no ORM). Fraud rings are in ``fraud_rings``; what the
patterns are is described in the demo README ("Ground truth")."""
from __future__ import annotations

from typing import Any

import numpy as np

from electroshop.demo import catalog as cat
from electroshop.demo.generator import (
    EV_CART,
    EV_VIEW,
    ST_CANCELLED,
    ST_COMPLETED,
    ST_PAID,
    ST_REFUNDED,
    HistoryBuilder,
    Scale,
)
from electroshop.demo.sampling import hex_ids as _hex_ids
from electroshop.demo.sampling import pick as _pick
from electroshop.demo.sampling import random_ips as _ips
from electroshop.demo.seasons import DAY


def inject_fraud(b: HistoryBuilder, *, sc: Scale) -> dict[str, Any]:
    rng, prod = b.rng, b.prod
    truth: dict[str, Any] = {"card_testing": [], "stolen_card": [], "bot_signups": []}
    window_lo = b.cal.start_ts + 60 * DAY
    window_hi = b.end_ts - 2 * DAY
    cheap = np.flatnonzero(prod.price <= 1_999)
    if len(cheap) < 5:
        cheap = np.argsort(prod.price)[:20]
    pricey = b.high_value_devices()
    # Card testing: many small orders on one card within minutes, mostly declined.
    for _ in range(sc.card_testing_bursts):
        k = int(rng.integers(8, 26))
        t0 = int(rng.integers(window_lo, window_hi))
        ts = np.sort(t0 + rng.integers(0, 25 * 60, k))
        ipc = str(rng.choice(cat.FRAUD_IP_COUNTRIES))
        account = rng.random() < 0.5
        if account:
            cidx = b.new_customers(created_ts=np.array([t0 - int(rng.integers(120, 1800))]), country=["GB"],
                                      ip=_ips(rng, np.array([ipc])), device_id=_hex_ids(rng, 1, "dev_"),
                                      emails=b._disposable_emails(1), names=b._random_names(1),
                                      source="web", kind="card_testing")
            customer = np.full(k, cidx[0])
        else:
            customer = np.full(k, -1)
        sess = b.n_sessions
        b.n_sessions += 1
        fp = _hex_ids(rng, 1, "fp_")[0]
        ip = _ips(rng, np.array([ipc]))[0]
        devid = _hex_ids(rng, 1, "dev_")[0]
        p = cheap[rng.integers(0, len(cheap), k)]
        status = np.where(rng.random(k) < 0.75, ST_CANCELLED, ST_COMPLETED)
        keys = b.add_orders(
            ts=ts, customer=customer, session=np.full(k, sess), device=np.full(k, 1),
            items=[(np.arange(k), p, np.ones(k, dtype=np.int64))], kind="card_testing",
            status=status, ip=[ip] * k, ip_country=[ipc] * k, device_id=[devid] * k, card_fp=[fp] * k,
            card_country=[str(rng.choice(["GB", "US"]))] * k,
            billing_country=list(_pick(rng, cat.COUNTRIES, k)), shipping_country=["GB"] * k,
            email=b._disposable_emails(k), user_agent=[cat.USER_AGENTS["bot"]] * k)
        b.add_events(ts=ts - 20, etype=EV_CART, customer=customer, session=sess, product=p, device=1, source=0)
        truth["card_testing"].append({"card_fingerprint": fp, "ip": ip, "device_id": devid, "order_keys": keys})
    # Stolen cards: brand-new account, several high-value orders within hours, countries disagree.
    for _ in range(sc.stolen_card_sprees):
        k = int(rng.integers(2, 6))
        t0 = int(rng.integers(window_lo, window_hi))
        ship = str(rng.choice(cat.FRAUD_SHIP_COUNTRIES))
        ipc = str(rng.choice(cat.FRAUD_IP_COUNTRIES))
        ip = _ips(rng, np.array([ipc]))[0]
        devid = _hex_ids(rng, 1, "dev_")[0]
        cidx = b.new_customers(created_ts=np.array([t0 - int(rng.integers(300, 7200))]), country=["GB"],
                                  ip=[ip], device_id=[devid], emails=b._disposable_emails(1),
                                  names=b._random_names(1), source="web", kind="stolen_card")
        ts = np.sort(t0 + rng.integers(0, 6 * 3600, k))
        p = pricey[rng.choice(len(pricey), k, replace=False)]
        q = np.where(rng.random(k) < 0.2, 2, 1)
        old = ts < b.end_ts - 25 * DAY
        status = np.where(old & (rng.random(k) < 0.7), ST_REFUNDED, np.where(old, ST_COMPLETED, ST_PAID))
        fps = _hex_ids(rng, 2, "fp_")
        sess = b.n_sessions
        b.n_sessions += 1
        keys = b.add_orders(
            ts=ts, customer=np.full(k, cidx[0]), session=np.full(k, sess), device=np.full(k, 1),
            items=[(np.arange(k), p, q)], kind="stolen_card", status=status, ip=[ip] * k, ip_country=[ipc] * k,
            device_id=[devid] * k, card_fp=[fps[int(i)] for i in rng.integers(0, 2, k)],
            card_country=["GB"] * k, billing_country=["GB"] * k, shipping_country=[ship] * k)
        b.add_events(ts=ts - 120, etype=EV_VIEW, customer=cidx[0], session=sess, product=p, device=1, source=0,
                        dwell=rng.exponential(8, k).round(1))
        b.add_events(ts=ts - 60, etype=EV_CART, customer=cidx[0], session=sess, product=p, device=1, source=0)
        truth["stolen_card"].append({"customer_idx": int(cidx[0]), "order_keys": keys, "ip": ip,
                                     "shipping_country": ship, "ip_country": ipc})
    # Bot sign-ups: many accounts from one IP and device within minutes, then scripted browsing.
    for _ in range(sc.bot_clusters):
        k = int(rng.integers(20, 61))
        t0 = int(rng.integers(window_lo, window_hi))
        ipc = str(rng.choice(cat.FRAUD_IP_COUNTRIES + ("GB",)))
        ip = _ips(rng, np.array([ipc]))[0]
        devid = _hex_ids(rng, 1, "dev_")[0]
        created = np.sort(t0 + rng.integers(0, 10 * 60, k))
        idx = b.new_customers(created_ts=created, country=["GB"] * k, ip=[ip] * k, device_id=[devid] * k,
                                 emails=b._disposable_emails(k), names=b._random_names(k), source="web",
                                 kind="bot_signup")
        nv = rng.integers(2, 8, k)
        who = np.repeat(idx, nv)
        sess = np.repeat(np.arange(b.n_sessions, b.n_sessions + k), nv)
        b.n_sessions += k
        ts = np.repeat(created, nv) + 5 + np.arange(len(who)) % 8 * 3
        b.add_events(ts=ts, etype=EV_VIEW, customer=who, session=sess,
                        product=rng.integers(0, len(prod.ids), len(who)), device=1, source=0,
                        dwell=rng.uniform(0.3, 2.5, len(who)).round(1))
        truth["bot_signups"].append({"ip": ip, "device_id": devid, "customer_idx": idx})
    return truth


def fake_reviews(b: HistoryBuilder, *, bursts: int) -> list[dict[str, Any]]:
    rng, prod = b.rng, b.prod
    out = []
    # Targets: weak products that need a boost.
    weak = np.flatnonzero(prod.quality < np.quantile(prod.quality, 0.3))
    for pi in rng.choice(weak, bursts, replace=False).tolist():
        k = int(rng.integers(8, 21))
        t0 = int(rng.integers(b.cal.start_ts + 60 * DAY, b.end_ts - 5 * DAY))
        created = np.sort(t0 + rng.integers(0, 2 * DAY, k))
        ips = _ips(rng, np.array(["GB"] * k))
        idx = b.new_customers(created_ts=created, country=["GB"] * k, ip=ips,
                                 device_id=_hex_ids(rng, k, "dev_"), emails=b._disposable_emails(k),
                                 names=b._random_names(k), source="web", kind="fake_review")
        r_ts = created + rng.integers(600, DAY, k)
        r_idx = b._reviews(customer=idx, product=np.full(k, pi), ts=r_ts, rating=np.full(k, 5), fake=True)
        out.append({"product_idx": pi, "customer_idx": idx, "review_idx": r_idx})
    return out
