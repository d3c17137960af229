"""The demo shop's regular customers and the hidden tastes that drive their behaviour."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from electroshop.demo import catalog as cat
from electroshop.demo.sampling import hex_ids, norm, pick, random_ips
from electroshop.demo.seasons import DAY, HOUR_WEIGHTS, Calendar


@dataclass
class Customers:
    created_ts: np.ndarray
    created_day: np.ndarray
    country: np.ndarray
    pref: np.ndarray  # (n, leaves) taste distribution
    fav_brand: np.ndarray
    tier: np.ndarray
    activity: np.ndarray
    device: np.ndarray  # index into DEVICES
    home_ip: list[str]
    device_id: list[str]
    device_id2: list[str]
    card_fp: list[str]
    card_fp2: list[str]
    card_bin: np.ndarray
    last4: np.ndarray
    address: list[str]
    email: list[str]
    cols: dict[str, Any]


def build_customers(*, rng: np.random.Generator, n: int, cal: Calendar, n_leaves: int, n_brands: int) -> Customers:
    # 30% joined before the history; the rest sign up along with traffic.
    old = rng.random(n) < 0.3
    cum = np.concatenate([[0], np.cumsum(cal.intensity)])
    new_day = np.searchsorted(cum, rng.random(n) * cum[-1], side="right") - 1
    created_day = np.where(old, -rng.integers(1, 1100, n), new_day)
    created_ts = cal.start_ts + created_day * DAY + (rng.choice(24, n, p=HOUR_WEIGHTS) * 3600
                                                     + rng.integers(0, 3600, n))
    order = np.argsort(created_ts, kind="stable")  # ids follow sign-up order
    created_ts, created_day = created_ts[order], created_day[order]
    country = pick(rng, cat.COUNTRIES, n, cat.COUNTRY_WEIGHTS).astype(str)
    traffic = np.array([s.traffic for s in cat.LEAVES])
    pref = rng.gamma(0.35 * traffic / traffic.mean(), size=(n, n_leaves)) + 1e-6
    pref /= pref.sum(axis=1, keepdims=True)
    brand_names = sorted({b for spec in cat.LEAVES for b in spec.brands})
    bw = norm(np.array([cat.BRAND_POPULARITY.get(b, 1.0) for b in brand_names]))
    fav_brand = rng.choice(n_brands, n, p=bw)
    budget = rng.lognormal(0, 0.45, n)
    tier = np.where(budget < 0.8, 0, np.where(budget > 1.3, 2, 1))
    activity = rng.lognormal(0, 0.9, n)
    device = rng.choice(3, n, p=[0.55, 0.35, 0.10])
    first = pick(rng, cat.FIRST_NAMES, n)
    last = pick(rng, cat.LAST_NAMES, n)
    domain = pick(rng, cat.EMAIL_DOMAINS, n, (0.35, 0.2, 0.12, 0.12, 0.1, 0.06, 0.05))
    ids = np.arange(1, n + 1)
    email = [f"{f}.{lname}{i}@{d}".lower().replace("'", "").replace(" ", "")
             for f, lname, i, d in zip(first.tolist(), last.tolist(), ids.tolist(), domain.tolist())]
    home_ip = random_ips(rng, country)
    device_id = hex_ids(rng, n, "dev_")
    device_id2 = hex_ids(rng, n, "dev_")
    card_fp = hex_ids(rng, n, "fp_")
    card_fp2 = hex_ids(rng, n, "fp_")
    card_bin = rng.integers(400000, 560000, n)
    last4 = rng.integers(0, 10000, n)
    city = [cat.CITIES[c][k % len(cat.CITIES[c])] for c, k in zip(country.tolist(), rng.integers(0, 100, n).tolist())]
    street = pick(rng, cat.STREETS, n)
    num = rng.integers(1, 200, n)
    address = [f"{a} {s}, {c}" for a, s, c in zip(num.tolist(), street.tolist(), city)]
    source = pick(rng, ("web", "ios", "android", "referral"), n, (0.55, 0.2, 0.2, 0.05))
    cols = {"id": ids, "user_id": [None] * n, "email": email,
            "name": [f"{f} {lname}" for f, lname in zip(first.tolist(), last.tolist())],
            "country": country.tolist(), "created_at": created_ts,
            "marketing_consent": (rng.random(n) < 0.45).tolist(),
            "personalization_consent": (rng.random(n) < 0.9).tolist(),
            "signup_ip": home_ip, "signup_device_id": device_id, "signup_source": source.tolist()}
    return Customers(created_ts, created_day, country, pref, fav_brand, tier, activity, device, home_ip, device_id,
                      device_id2, card_fp, card_fp2, card_bin, last4, address, email, cols)


def customer_tastes(*, cust: Customers, cust_id: np.ndarray, brand_names: list[str]) -> dict[str, list]:
    top = np.argsort(-cust.pref, axis=1)[:, :3]
    paths = np.array([s.path for s in cat.LEAVES], dtype=object)
    n = len(cust.tier)
    return {"customer_id": cust_id[:n].tolist(),
            "favourite_brand": np.asarray(brand_names, dtype=object)[cust.fav_brand].tolist(),
            "budget_tier": np.array(["budget", "mid", "premium"], dtype=object)[cust.tier].tolist(),
            "top_categories": ["|".join(row) for row in paths[top].tolist()]}
