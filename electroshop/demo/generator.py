"""Generate a believable electronics shop as column arrays, deterministically from a seed.

No ORM here: ``generate_demo_data`` returns plain numpy arrays / lists per table plus the ground
truth of the injected fraud and fake reviews; ``electroshop.demo.services`` writes them. All
randomness comes from one ``numpy.random.Generator`` seeded by the caller; the calendar is anchored
on ``end_date`` (never the wall clock), so the same (scale, seed, end_date) gives the same shop.

The jobs live in their own modules: ``seasons`` (calendar, promotions), ``products`` (catalogue,
stock; the device models and accessory lines are in ``product_ranges``, what fits what in
``fitting``), ``customers``, ``shopping`` (browsing sessions, baskets with accessories, follow-up
accessory visits), ``fraud_patterns`` and ``fraud_rings`` (the injected fraud and fake reviews);
this module holds the history builder (events, orders, accounts, reviews) and assembles the tables.

Times are int64 seconds since the Unix epoch (UTC); money is int64 pence.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from electroshop.demo import catalog as cat
from electroshop.demo.customers import Customers, build_customers, customer_tastes
from electroshop.demo.products import Products, build_categories, build_products, fit_stock_to_sales
from electroshop.demo.sampling import hex_ids as _hex_ids
from electroshop.demo.sampling import pick as _pick
from electroshop.demo.sampling import random_ips as _ips
from electroshop.demo.sampling import sample_weighted_groups
from electroshop.demo.seasons import DAY, Calendar, build_calendar, build_promotions
from electroshop.demo.shopping import browsing_sessions

DEVICES = np.array(["mobile", "desktop", "tablet"])
SOURCES = np.array(["direct", "organic", "paid_search", "email", "social", "referral"])
EVENT_TYPES = np.array(["view", "click", "cart", "wishlist", "purchase", "search", "review"])
EV_VIEW, EV_CLICK, EV_CART, EV_WISHLIST, EV_PURCHASE, EV_SEARCH, EV_REVIEW = range(7)
ORDER_STATUSES = np.array(["pending", "paid", "shipped", "completed", "cancelled", "refunded"])
ST_PENDING, ST_PAID, ST_SHIPPED, ST_COMPLETED, ST_CANCELLED, ST_REFUNDED = range(6)


@dataclass(frozen=True)
class Scale:
    products: int
    customers: int
    target_events: int
    history_days: int = 730
    card_testing_bursts: int = 3
    stolen_card_sprees: int = 4
    bot_clusters: int = 2
    fake_review_bursts: int = 3
    product_promotions: int = 10
    fraud_rings: int = 3


SCALES: dict[str, Scale] = {
    "small": Scale(products=200, customers=1_000, target_events=30_000),
    "medium": Scale(products=2_000, customers=20_000, target_events=1_000_000, card_testing_bursts=8,
                    stolen_card_sprees=12, bot_clusters=5, fake_review_bursts=8, product_promotions=40,
                    fraud_rings=8),
    "large": Scale(products=20_000, customers=100_000, target_events=2_200_000, card_testing_bursts=20,
                   stolen_card_sprees=30, bot_clusters=12, fake_review_bursts=20, product_promotions=150,
                   fraud_rings=20),
}


@dataclass
class DemoData:
    """Column arrays per table (ids assigned), in insertion order, plus the ground truth."""

    categories: dict[str, Any]
    brands: dict[str, Any]
    products: dict[str, Any]
    stock: dict[str, Any]
    customers: dict[str, Any]
    promotions: dict[str, Any]
    orders: dict[str, Any]
    order_lines: dict[str, Any]
    events: dict[str, Any]
    reviews: dict[str, Any]
    ground_truth: dict[str, Any] = field(default_factory=dict)
    end_ts: int = 0  # epoch seconds of end_date midnight: the "now" of the generated history
    # Hidden tastes of the regular customers (customer_id, favourite_brand, budget_tier,
    # top_categories): what a recommender should rediscover.
    customer_tastes: dict[str, list] = field(default_factory=dict)

    TABLES = ("categories", "brands", "products", "stock", "customers", "promotions", "orders", "order_lines",
              "events", "reviews")

    def row_counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)["id"]) for name in self.TABLES}




# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------

def generate_demo_data(
    *, scale: str | Scale, seed: int, end_date: dt.date, progress: Callable[[str], None] | None = None,
) -> DemoData:
    """Build every table of the demo shop in memory. Same arguments → identical output."""
    sc = SCALES[scale] if isinstance(scale, str) else scale
    rng = np.random.default_rng(seed)
    step = progress or (lambda _label: None)
    cal = build_calendar(rng=rng, end_date=end_date, days=sc.history_days)
    end_ts = cal.start_ts + cal.days * DAY

    step("catalogue")
    categories, leaf_cat_ids = build_categories()
    products, brands, stock, prod = build_products(rng=rng, n_products=sc.products, cal=cal, leaf_cat_ids=leaf_cat_ids)

    step("customers")
    cust = build_customers(rng=rng, n=sc.customers, cal=cal, n_leaves=len(cat.LEAVES), n_brands=len(brands["id"]))

    step("promotions")
    promos, cat_discount, prod_promos = build_promotions(rng=rng, n_product_promotions=sc.product_promotions, cal=cal,
                                                         prod=prod, product_names=products["name"],
                                                         leaf_cat_ids=leaf_cat_ids)

    step("sessions and events")
    b = HistoryBuilder(rng=rng, cal=cal, prod=prod, cust=cust, end_ts=end_ts, cat_discount=cat_discount,
                 prod_promos=prod_promos, n_brands=len(brands["id"]))
    browsing_sessions(b, target_events=sc.target_events)

    step("fraud and fake reviews")
    # Both build on this module's HistoryBuilder: imported here to avoid a cycle.
    from electroshop.demo.fraud_patterns import fake_reviews, inject_fraud
    from electroshop.demo.fraud_rings import inject_rings

    truth = inject_fraud(b, sc=sc)
    truth["rings"] = inject_rings(b, rings=sc.fraud_rings)
    step("reviews")
    b.genuine_reviews()
    fake = fake_reviews(b, bursts=sc.fake_review_bursts)
    truth["fake_reviews"] = fake

    step("assembling")
    customers, orders, lines, events, reviews = b.assemble()
    fit_stock_to_sales(stock=stock, orders=orders, order_lines=lines, end_ts=end_ts, seed=seed)
    truth = b.resolve_truth(truth)
    tastes = customer_tastes(cust=cust, cust_id=b.cust_id, brand_names=brands["name"])
    truth.update({"seed": seed, "scale": scale if isinstance(scale, str) else "custom",
                  "end_date": end_date.isoformat(), "history_start": cal.start.isoformat(),
                  "black_fridays": [cal.dates[i].isoformat() for i in cal.black_friday_days]})
    data = DemoData(categories=categories, brands=brands, products=products, stock=stock, customers=customers,
                    promotions=promos, orders=orders, order_lines=lines, events=events, reviews=reviews,
                    ground_truth=truth, end_ts=end_ts, customer_tastes=tastes)
    truth["row_counts"] = data.row_counts()
    return data












class HistoryBuilder:
    """Accumulates sessions, events, orders and reviews as arrays, then assembles the tables."""

    def __init__(self, *, rng: np.random.Generator, cal: Calendar, prod: Products, cust: Customers, end_ts: int,
                 cat_discount: np.ndarray, prod_promos: list[tuple[int, int, int, float]], n_brands: int) -> None:
        self.rng, self.cal, self.prod, self.cust, self.end_ts = rng, cal, prod, cust, end_ts
        self.cat_discount, self.prod_promos, self.n_brands = cat_discount, prod_promos, n_brands
        self.n_leaves = len(cat.LEAVES)
        self.ev: list[dict[str, np.ndarray]] = []  # chunks of event columns
        self.orders: list[dict[str, Any]] = []  # chunks of order columns
        self.lines: list[dict[str, np.ndarray]] = []  # chunks of order line columns (order key = global index)
        self.reviews: list[dict[str, Any]] = []
        self.extra_customers: list[dict[str, Any]] = []
        self.n_orders = 0
        self.n_sessions = 0
        self.n_customers = len(cust.created_ts)
        self._groups()

    # ---- product sampling groups ------------------------------------------------------------
    def _groups(self) -> None:
        p, L = self.prod, self.n_leaves
        self.groups: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.has_brand = np.zeros((L, self.n_brands), dtype=bool)
        for li in range(L):
            m = np.flatnonzero(p.leaf == li)
            self.groups[3 * L + li] = (m, np.cumsum(p.popularity[m]))
            for t in range(3):
                mt = m[p.tier[m] == t]
                if len(mt) == 0:
                    mt = m
                self.groups[li * 3 + t] = (mt, np.cumsum(p.popularity[mt]))
            for bi in np.unique(p.brand[m]).tolist():
                mb = m[p.brand[m] == bi]
                self.groups[4 * L + li * self.n_brands + bi] = (mb, np.cumsum(p.popularity[mb]))
                self.has_brand[li, bi] = True
        # An old, popular product per leaf replaces views of products not launched yet.
        self.leaf_fallback = np.empty(L, dtype=np.int64)
        for li in range(L):
            m = np.flatnonzero((p.leaf == li) & (p.launch_ts < self.cal.start_ts))
            m = m if len(m) else np.flatnonzero(p.leaf == li)
            self.leaf_fallback[li] = m[np.argmax(p.popularity[m])]

    def sample_products(self, leaf: np.ndarray, tier: np.ndarray, fav_brand: np.ndarray, when: np.ndarray) -> np.ndarray:
        L = self.n_leaves
        r = self.rng.random(len(leaf))
        key = leaf * 3 + tier
        use_brand = (r >= 0.55) & (r < 0.8) & (fav_brand >= 0)
        use_brand &= self.has_brand[leaf, np.maximum(fav_brand, 0)]
        key = np.where(use_brand, 4 * L + leaf * self.n_brands + np.maximum(fav_brand, 0), key)
        key = np.where(r >= 0.8, 3 * L + leaf, key)
        out = sample_weighted_groups(self.rng, key, self.groups)
        not_yet = self.prod.launch_ts[out] > when
        out[not_yet] = self.leaf_fallback[leaf[not_yet]]
        return out

    def discount(self, product: np.ndarray, ts: np.ndarray) -> np.ndarray:
        day = np.clip((ts - self.cal.start_ts) // DAY, 0, self.cal.days - 1)
        d = self.cat_discount[day, self.prod.leaf[product]]
        for pi, s, e, pct in self.prod_promos:
            m = (product == pi) & (day >= s) & (day <= e)
            d[m] = np.maximum(d[m], pct)
        return d

    # ---- emitters -------------------------------------------------------------------------------
    def add_events(self, *, ts: np.ndarray, etype: int, customer: np.ndarray | int, session: np.ndarray | int,
                   product: np.ndarray | int, device: np.ndarray | int | None = None,
                   source: np.ndarray | int | None = None, dwell: np.ndarray | None = None,
                   query: list[str] | None = None) -> None:
        """Append events; scalars broadcast. -1 means no customer / no product."""
        n = len(ts)
        self.ev.append({
            "ts": np.asarray(ts, dtype=np.int64), "type": np.broadcast_to(np.asarray(etype, dtype=np.int8), (n,)).copy(),
            "customer": np.broadcast_to(np.asarray(customer, dtype=np.int64), (n,)).copy(),
            "session": np.broadcast_to(np.asarray(session, dtype=np.int64), (n,)).copy(),
            "product": np.broadcast_to(np.asarray(product, dtype=np.int64), (n,)).copy(),
            "device": np.broadcast_to(np.asarray(0 if device is None else device, dtype=np.int8), (n,)).copy(),
            "source": np.broadcast_to(np.asarray(0 if source is None else source, dtype=np.int8), (n,)).copy(),
            "dwell": np.broadcast_to(np.asarray(np.nan if dwell is None else dwell, dtype=float), (n,)).copy(),
            "query": query if query is not None else None,
        })

    def add_orders(self, *, ts: np.ndarray, customer: np.ndarray, session: np.ndarray, device: np.ndarray,
                   items: list[tuple[np.ndarray, np.ndarray, np.ndarray]], kind: str = "normal",
                   **overrides: Any) -> np.ndarray:
        """items: (order offset, product, quantity) triples; returns the global order keys."""
        n = len(ts)
        keys = np.arange(self.n_orders, self.n_orders + n)
        self.n_orders += n
        self.orders.append({"key": keys, "ts": np.asarray(ts, dtype=np.int64),
                            "customer": np.asarray(customer, dtype=np.int64),
                            "session": np.asarray(session, dtype=np.int64), "device": np.asarray(device),
                            "kind": kind, **overrides})
        for off, product, qty in items:
            ots = np.asarray(ts)[off]
            price = self.prod.price[product]
            disc = self.discount(product, ots)
            unit = np.round(price * (1 - disc / 100)).astype(np.int64)
            self.lines.append({"order": keys[off], "product": product, "qty": qty, "unit": unit})
        return keys

    # ---- normal browsing ------------------------------------------------------------------------
    # ---- fraud ----------------------------------------------------------------------------------
    def new_customers(self, *, created_ts: np.ndarray, country: np.ndarray, ip: list[str], device_id: list[str],
                      emails: list[str], names: list[str], source: str, kind: str) -> np.ndarray:
        n = len(created_ts)
        idx = np.arange(self.n_customers, self.n_customers + n)
        self.n_customers += n
        self.extra_customers.append({"idx": idx, "created_at": np.asarray(created_ts, dtype=np.int64),
                                     "country": list(country), "signup_ip": ip, "signup_device_id": device_id,
                                     "email": emails, "name": names, "signup_source": [source] * n, "kind": kind})
        return idx

    def _random_names(self, n: int) -> list[str]:
        f = _pick(self.rng, cat.FIRST_NAMES, n)
        lname = _pick(self.rng, cat.LAST_NAMES, n)
        return [f"{a} {b}" for a, b in zip(f.tolist(), lname.tolist())]

    def _disposable_emails(self, n: int) -> list[str]:
        dom = _pick(self.rng, cat.DISPOSABLE_DOMAINS, n)
        return [f"{h[4:14]}@{d}" for h, d in zip(_hex_ids(self.rng, n, "tmp_"), dom.tolist())]

    def high_value_devices(self) -> np.ndarray:
        """Products fraudsters buy: devices in the top fifth of prices."""
        dev_paths = ("Phones", "Laptops", "TVs", "Cameras", "Gaming/Consoles", "Wearables", "Tablets")
        dev_leaves = [i for i, s in enumerate(cat.LEAVES) if s.path in dev_paths]
        prod = self.prod
        return np.flatnonzero(np.isin(prod.leaf, dev_leaves) & (prod.price >= np.quantile(prod.price, 0.8)))

    # ---- reviews -------------------------------------------------------------------------------
    def genuine_reviews(self) -> None:
        rng, prod = self.rng, self.prod
        orders = [o for o in self.orders if o["kind"] == "normal"]
        o_ts = np.concatenate([o["ts"] for o in orders])
        o_cust = np.concatenate([o["customer"] for o in orders])
        o_key = np.concatenate([o["key"] for o in orders])
        lines = {k: np.concatenate([ln[k] for ln in self.lines]) for k in ("order", "product")}
        normal = lines["order"] <= o_key.max() if len(o_key) else np.zeros(0, bool)
        ln_order, ln_prod = lines["order"][normal], lines["product"][normal]
        pos = np.searchsorted(o_key, ln_order)
        cust_ = o_cust[pos]
        r_ts = o_ts[pos] + rng.integers(3, 22, len(pos)) * DAY + rng.integers(0, DAY, len(pos))
        pick = (cust_ >= 0) & (rng.random(len(pos)) < 0.11) & (r_ts < self.end_ts)
        self._reviews(customer=cust_[pick], product=ln_prod[pick], ts=r_ts[pick],
                      rating=np.clip(np.round(prod.quality[ln_prod[pick]] + rng.normal(0, 0.9, pick.sum())), 1, 5)
                      .astype(int), fake=False)

    def _reviews(self, *, customer, product, ts, rating, fake: bool) -> np.ndarray:
        rng = self.rng
        n = len(ts)
        start = sum(len(r["ts"]) for r in self.reviews)
        if fake:
            titles = _pick(rng, cat.FAKE_REVIEW_TITLES, n).tolist()
            texts = _pick(rng, cat.FAKE_REVIEW_TEXTS, n).tolist()
            status = np.where(rng.random(n) < 0.85, "published", "pending")
        else:
            nouns = [cat.LEAVES[li].noun for li in self.prod.leaf[product]]
            titles = [cat.REVIEW_TITLES[r][k % len(cat.REVIEW_TITLES[r])]
                      for r, k in zip(rating.tolist(), rng.integers(0, 6, n).tolist())]
            texts = [cat.REVIEW_TEXTS[r][k % len(cat.REVIEW_TEXTS[r])].format(noun=nn)
                     for r, k, nn in zip(rating.tolist(), rng.integers(0, 6, n).tolist(), nouns)]
            status = np.where(ts > self.end_ts - 2 * DAY, "pending",
                              np.where(rng.random(n) < 0.03, "rejected", "published"))
        self.reviews.append({"ts": np.asarray(ts, np.int64), "customer": np.asarray(customer, np.int64),
                             "product": np.asarray(product, np.int64), "rating": np.asarray(rating),
                             "title": titles, "text": texts, "status": status.tolist()})
        sess = np.arange(self.n_sessions, self.n_sessions + n)
        self.n_sessions += n
        self.add_events(ts=ts, etype=EV_REVIEW, customer=customer, session=sess, product=product, device=0, source=0)
        return np.arange(start, start + n)

    # ---- assembly --------------------------------------------------------------------------------
    def assemble(self) -> tuple[dict[str, Any], ...]:
        rng, cust, prod = self.rng, self.cust, self.prod
        # Customers: the regular ones plus accounts created by fraud and fake reviews.
        ccols = {k: (list(v) if not isinstance(v, np.ndarray) else v) for k, v in cust.cols.items()}
        n_base = len(cust.created_ts)
        created = [cust.created_ts] + [e["created_at"] for e in self.extra_customers]
        created = np.concatenate(created)
        for key in ("country", "signup_ip", "signup_device_id", "email", "name", "signup_source"):
            for e in self.extra_customers:
                ccols[key] = ccols[key] + list(e[key])
        n_extra = len(created) - n_base
        ccols["marketing_consent"] = ccols["marketing_consent"] + [False] * n_extra
        ccols["personalization_consent"] = ccols["personalization_consent"] + [True] * n_extra
        ccols["user_id"] = [None] * len(created)
        # Ids follow sign-up time; idx → id mapping.
        order = np.argsort(created, kind="stable")
        cust_id = np.empty(len(created), dtype=np.int64)
        cust_id[order] = np.arange(1, len(created) + 1)
        customers = {k: (np.asarray(v, dtype=object)[order].tolist() if isinstance(v, list) else v[order])
                     for k, v in ccols.items() if k not in ("id", "created_at")}
        customers["id"] = np.arange(1, len(created) + 1)
        customers["created_at"] = created[order]
        self.cust_id = cust_id
        all_country = np.asarray(ccols["country"], dtype=object)
        all_email = np.asarray(ccols["email"], dtype=object)
        # Orders.
        o = self.orders
        key = np.concatenate([x["key"] for x in o])
        ts = np.concatenate([x["ts"] for x in o])
        ocust = np.concatenate([x["customer"] for x in o])
        osess = np.concatenate([x["session"] for x in o])
        odev = np.concatenate([x["device"] for x in o]).astype(np.int64)
        n = len(key)
        logged = ocust >= 0
        ci = np.maximum(ocust, 0)
        base_ci = np.minimum(ci, n_base - 1)
        regular = logged & (ci < n_base)
        # Defaults for regular orders, then overrides for injected ones.
        country = np.where(logged, all_country[ci], _pick(rng, cat.COUNTRIES, n, cat.COUNTRY_WEIGHTS)).astype(object)
        travel = rng.random(n) < 0.03
        ip_country = np.where(travel, _pick(rng, cat.COUNTRIES, n), country).astype(object)
        fresh_ip = np.asarray(_ips(rng, ip_country.astype(str)), dtype=object)
        home_ip = np.asarray(cust.home_ip, dtype=object)[base_ci]
        ip = np.where(regular & ~travel & (rng.random(n) < 0.85), home_ip, fresh_ip)
        guest_dev = np.asarray(_hex_ids(rng, n, "dev_"), dtype=object)
        dev1 = np.asarray(cust.device_id, dtype=object)[base_ci]
        dev2 = np.asarray(cust.device_id2, dtype=object)[base_ci]
        device_id = np.where(regular, np.where(rng.random(n) < 0.8, dev1, dev2), guest_dev)
        pay = _pick(rng, ("card", "paypal", "apple_pay"), n, (0.78, 0.15, 0.07))
        fp1 = np.asarray(cust.card_fp, dtype=object)[base_ci]
        fp2 = np.asarray(cust.card_fp2, dtype=object)[base_ci]
        guest_fp = np.asarray(_hex_ids(rng, n, "fp_"), dtype=object)
        card_fp = np.where(regular, np.where(rng.random(n) < 0.85, fp1, fp2), guest_fp)
        card_bin = np.where(regular, cust.card_bin[base_ci], rng.integers(400000, 560000, n)).astype(str)
        last4 = np.char.zfill(np.where(regular, cust.last4[base_ci], rng.integers(0, 10000, n)).astype(str), 4)
        card_country = country.copy()
        addr_guest = [f"{a} {s}, {cat.CITIES[c][0]}" for a, s, c in zip(rng.integers(1, 200, n).tolist(),
                                                                         _pick(rng, cat.STREETS, n).tolist(),
                                                                         country.tolist())]
        address = np.where(regular, np.asarray(cust.address, dtype=object)[base_ci], np.asarray(addr_guest, object))
        email = np.where(logged, all_email[ci],
                         np.asarray([f"guest{k}@{d}" for k, d in zip(key.tolist(),
                                                                     _pick(rng, cat.EMAIL_DOMAINS, n).tolist())],
                                    dtype=object))
        billing, shipping = country.copy(), country.copy()
        ua = np.asarray([cat.USER_AGENTS[d] for d in DEVICES], dtype=object)[odev]
        # Status follows the order's age; a few are cancelled or refunded.
        age = self.end_ts - ts
        status = np.where(age < DAY, np.where(rng.random(n) < 0.15, ST_PENDING, ST_PAID),
                          np.where(age < 4 * DAY, ST_SHIPPED, ST_COMPLETED))
        r = rng.random(n)
        status = np.where(r < 0.03, ST_CANCELLED, np.where((r < 0.055) & (age > 5 * DAY), ST_REFUNDED, status))
        offset = 0
        for x in o:
            sl = slice(offset, offset + len(x["key"]))
            offset += len(x["key"])
            for name, arr in (("status", status), ("ip", ip), ("ip_country", ip_country), ("device_id", device_id),
                              ("card_fp", card_fp), ("card_country", card_country), ("billing_country", billing),
                              ("shipping_country", shipping), ("email", email), ("user_agent", ua)):
                if name in x:
                    arr[sl] = x[name]
            if x["kind"] != "normal":
                pay[sl] = "card"
                address[sl] = [f"{int(a)} {s}, {cat.CITIES[c][0]}" for a, s, c in
                               zip(rng.integers(1, 200, len(x["key"])), _pick(rng, cat.STREETS, len(x["key"])),
                                   shipping[sl])]
        no_card = pay == "paypal"
        card_fp = np.where(no_card, "", card_fp)
        card_bin = np.where(no_card, "", card_bin)
        last4 = np.where(no_card, "", last4)
        card_country = np.where(no_card, "", card_country)
        # Lines and totals.
        lines = {k: np.concatenate([ln[k] for ln in self.lines]) for k in ("order", "product", "qty", "unit")}
        total = np.zeros(n, dtype=np.int64)
        np.add.at(total, lines["order"], lines["qty"] * lines["unit"])
        # Order ids and numbers follow time.
        oorder = np.argsort(ts, kind="stable")
        order_id = np.empty(n, dtype=np.int64)
        order_id[oorder] = np.arange(1, n + 1)
        self.order_id = order_id  # by key
        year = np.array([dt.datetime.fromtimestamp(int(t), dt.UTC).year for t in ts[oorder]])
        numbers_sorted = [f"ES-{y}-{i:07d}" for y, i in zip(year.tolist(), range(1, n + 1))]
        self.order_key_to_number = np.empty(n, dtype=object)
        self.order_key_to_number[oorder] = numbers_sorted
        orders = {
            "id": np.arange(1, n + 1), "number": numbers_sorted,
            "customer_id": [None if c < 0 else int(cust_id[c]) for c in ocust[oorder].tolist()],
            "email": email[oorder].tolist(), "created_at": ts[oorder],
            "status": ORDER_STATUSES[status[oorder].astype(int)].tolist(), "total": total[oorder],
            "currency": ["GBP"] * n, "billing_country": billing[oorder].tolist(),
            "shipping_country": shipping[oorder].tolist(), "shipping_address": address[oorder].tolist(),
            "ip_address": ip[oorder].tolist(), "ip_country": ip_country[oorder].tolist(),
            "device_id": device_id[oorder].tolist(), "user_agent": ua[oorder].tolist(),
            "payment_method": pay[oorder].tolist(), "card_fingerprint": card_fp[oorder].tolist(),
            "card_bin": card_bin[oorder].tolist(), "card_last4": last4[oorder].tolist(),
            "card_country": card_country[oorder].tolist(),
        }
        lorder = np.lexsort((lines["product"], order_id[lines["order"]]))
        order_lines = {"id": np.arange(1, len(lorder) + 1), "order_id": order_id[lines["order"]][lorder],
                       "product_id": prod.ids[lines["product"][lorder]], "quantity": lines["qty"][lorder],
                       "unit_price": lines["unit"][lorder]}
        # Purchase events: one per order line, at the order time, in the order's session.
        l_ord = lines["order"]
        self.add_events(ts=ts[l_ord], etype=EV_PURCHASE, customer=ocust[l_ord], session=osess[l_ord],
                        product=lines["product"], device=odev[l_ord], source=0)
        events = self._assemble_events()
        rv = self.reviews
        r_ts = np.concatenate([x["ts"] for x in rv])
        rorder = np.argsort(r_ts, kind="stable")
        self.review_id = np.empty(len(r_ts), dtype=np.int64)
        self.review_id[rorder] = np.arange(1, len(r_ts) + 1)
        r_cust = np.concatenate([x["customer"] for x in rv])
        reviews = {"id": np.arange(1, len(r_ts) + 1),
                   "product_id": prod.ids[np.concatenate([x["product"] for x in rv])][rorder],
                   "customer_id": cust_id[r_cust][rorder], "rating": np.concatenate([x["rating"] for x in rv])[rorder],
                   "title": np.asarray(sum((x["title"] for x in rv), []), dtype=object)[rorder].tolist(),
                   "text": np.asarray(sum((x["text"] for x in rv), []), dtype=object)[rorder].tolist(),
                   "status": np.asarray(sum((x["status"] for x in rv), []), dtype=object)[rorder].tolist(),
                   "created_at": r_ts[rorder]}
        return customers, orders, order_lines, events, reviews

    def _assemble_events(self) -> dict[str, Any]:
        ev = self.ev
        cols = {k: np.concatenate([e[k] for e in ev]) for k in ("ts", "type", "customer", "session", "product",
                                                                 "device", "source", "dwell")}
        query = np.full(len(cols["ts"]), "", dtype=object)
        offset = 0
        for e in ev:
            if e["query"] is not None:
                query[offset:offset + len(e["ts"])] = e["query"]
            offset += len(e["ts"])
        order = np.lexsort((cols["type"], cols["session"], cols["ts"]))
        n = len(order)
        cust = cols["customer"][order]
        prod = cols["product"][order]
        sess = cols["session"][order]
        dwell = cols["dwell"][order]
        session_ids = np.char.add("s", np.char.zfill(np.char.mod("%x", sess * 2654435761 % (2**40)), 10))
        return {
            "id": np.arange(1, n + 1),
            "customer_id": np.where(cust >= 0, self.cust_id[np.maximum(cust, 0)], -1),
            "session_id": session_ids,
            "product_id": np.where(prod >= 0, self.prod.ids[np.maximum(prod, 0)], -1),
            "event_type": EVENT_TYPES[cols["type"][order]],
            "occurred_at": cols["ts"][order],
            "query": query[order],
            "device": DEVICES[cols["device"][order]],
            "traffic_source": SOURCES[cols["source"][order]],
            "dwell_seconds": dwell,
        }

    def resolve_truth(self, truth: dict[str, Any]) -> dict[str, Any]:
        """Turn internal indices into shop identifiers (order numbers, customer/review ids, SKUs)."""
        num = self.order_key_to_number
        cid = self.cust_id
        from electroshop.demo.fraud_rings import resolve_rings

        out: dict[str, Any] = {"fraud": {"card_testing": [], "stolen_card": [], "bot_signups": [],
                                         "rings": resolve_rings(truth["rings"], order_numbers=num, customer_ids=cid)},
                               "fake_reviews": []}
        for b in truth["card_testing"]:
            out["fraud"]["card_testing"].append({"card_fingerprint": b["card_fingerprint"], "ip_address": b["ip"],
                                                 "device_id": b["device_id"],
                                                 "order_numbers": [str(num[k]) for k in b["order_keys"].tolist()]})
        for b in truth["stolen_card"]:
            out["fraud"]["stolen_card"].append({"customer_id": int(cid[b["customer_idx"]]),
                                                "order_numbers": [str(num[k]) for k in b["order_keys"].tolist()],
                                                "ip_address": b["ip"], "ip_country": b["ip_country"],
                                                "shipping_country": b["shipping_country"]})
        for b in truth["bot_signups"]:
            out["fraud"]["bot_signups"].append({"signup_ip": b["ip"], "signup_device_id": b["device_id"],
                                                "customer_ids": sorted(int(cid[i]) for i in b["customer_idx"])})
        for b in truth["fake_reviews"]:
            out["fake_reviews"].append({"product_id": int(self.prod.ids[b["product_idx"]]),
                                        "customer_ids": sorted(int(cid[i]) for i in b["customer_idx"]),
                                        "review_ids": sorted(int(self.review_id[i]) for i in b["review_idx"])})
        f = out["fraud"]
        out["fraudulent_order_numbers"] = sorted(
            n for group in ("card_testing", "stolen_card", "rings") for b in f[group] for n in b["order_numbers"])
        out["fake_account_customer_ids"] = sorted(
            {c for group in ("bot_signups", "rings") for b in f[group] for c in b["customer_ids"]}
            | {c for b in out["fake_reviews"] for c in b["customer_ids"]})
        out["fake_review_ids"] = sorted(r for b in out["fake_reviews"] for r in b["review_ids"])
        return out
