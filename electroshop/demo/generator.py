"""Generate a believable electronics shop as column arrays, deterministically from a seed.

No ORM here: ``generate_demo_data`` returns plain numpy arrays / lists per table plus the ground
truth of the injected fraud and fake reviews; ``electroshop.demo.services`` writes them. All
randomness comes from one ``numpy.random.Generator`` seeded by the caller; the calendar is anchored
on ``end_date`` (never the wall clock), so the same (scale, seed, end_date) gives the same shop.

Times are int64 seconds since the Unix epoch (UTC); money is int64 pence.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from electroshop.demo import catalog as cat

DAY = 86_400
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
# Small helpers
# --------------------------------------------------------------------------------------------

def _pick(rng: np.random.Generator, options: tuple | list | np.ndarray, size: int, p: Iterable[float] | None = None):
    idx = rng.choice(len(options), size=size, p=None if p is None else _norm(np.asarray(p, float)))
    return np.asarray(options, dtype=object)[idx]


def _norm(w: np.ndarray) -> np.ndarray:
    return w / w.sum()


def _ips(rng: np.random.Generator, countries: np.ndarray) -> list[str]:
    n = len(countries)
    first = np.empty(n, dtype=np.int64)
    for code in np.unique(countries):
        mask = countries == code
        octs = cat.IP_FIRST_OCTETS.get(code, (100,))
        first[mask] = np.asarray(octs)[rng.integers(0, len(octs), mask.sum())]
    rest = rng.integers(1, 255, size=(n, 3))
    return [f"{a}.{b}.{c}.{d}" for a, (b, c, d) in zip(first.tolist(), rest.tolist())]


def _hex_ids(rng: np.random.Generator, n: int, prefix: str) -> list[str]:
    vals = rng.integers(0, 2**62, size=n, dtype=np.int64)
    return [f"{prefix}{v:016x}" for v in vals.tolist()]


def _sample_weighted_groups(rng: np.random.Generator, keys: np.ndarray,
                            groups: dict[int, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """For each key pick an item of its group, with the group's cumulative weights (vectorised per group)."""
    out = np.full(len(keys), -1, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    uniq, starts = np.unique(sorted_keys, return_index=True)
    ends = np.append(starts[1:], len(keys))
    u = rng.random(len(keys))
    for k, s, e in zip(uniq.tolist(), starts.tolist(), ends.tolist()):
        items, cum = groups[k]
        pos = order[s:e]
        out[pos] = items[np.searchsorted(cum, u[pos] * cum[-1], side="right").clip(0, len(items) - 1)]
    return out


def black_friday(year: int) -> dt.date:
    nov1 = dt.date(year, 11, 1)
    first_thursday = 1 + (3 - nov1.weekday()) % 7
    return dt.date(year, 11, first_thursday + 21 + 1)


# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------

@dataclass
class Calendar:
    start: dt.date
    days: int
    start_ts: int  # epoch seconds of the first midnight
    dates: list[dt.date]
    weekday: np.ndarray
    intensity: np.ndarray  # relative traffic per day
    conversion_boost: np.ndarray  # multiplies the chance a session buys
    black_friday_days: list[int]  # day indices of Black Fridays in range

    def day_of(self, d: dt.date) -> int:
        return (d - self.start).days


def build_calendar(*, rng: np.random.Generator, end_date: dt.date, days: int) -> Calendar:
    start = end_date - dt.timedelta(days=days)
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    weekday = np.array([d.weekday() for d in dates])
    doy = np.array([d.timetuple().tm_yday for d in dates], dtype=float)
    weekly = np.array([0.92, 0.9, 0.93, 0.97, 1.04, 1.12, 1.14])[weekday]
    yearly = 1 + 0.15 * np.cos(2 * np.pi * (doy - 350) / 365.25)
    trend = 1 + 0.3 * np.arange(days) / days
    special = np.ones(days)
    conv = np.ones(days)
    bf_days = []
    for year in range(start.year, end_date.year + 1):
        bf = black_friday(year)
        for offset, lift, c in ((-4, 1.3, 1.1), (-3, 1.35, 1.1), (-2, 1.4, 1.15), (-1, 1.6, 1.2), (0, 3.2, 1.6),
                                (1, 2.0, 1.35), (2, 1.8, 1.3), (3, 2.4, 1.45)):  # ... Cyber Monday
            i = (bf - start).days + offset
            if 0 <= i < days:
                special[i] *= lift
                conv[i] *= c
        if 0 <= (bf - start).days < days:
            bf_days.append((bf - start).days)
        for month, day, lift, c in [(12, d, 1.35, 1.15) for d in range(1, 21)] + [
            (12, 21, 1.2, 1.1), (12, 22, 1.15, 1.05), (12, 23, 0.95, 1.0), (12, 24, 0.75, 0.9), (12, 25, 0.5, 0.8),
            (12, 26, 1.9, 1.3), (12, 27, 1.4, 1.15), (12, 28, 1.3, 1.1), (12, 29, 1.2, 1.05), (12, 30, 1.1, 1.0),
        ]:
            i = (dt.date(year, month, day) - start).days
            if 0 <= i < days:
                special[i] *= lift
                conv[i] *= c
    noise = rng.lognormal(0, 0.07, days)
    intensity = weekly * yearly * trend * special * noise
    start_ts = int(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp())
    return Calendar(start, days, start_ts, dates, weekday, intensity, conv, bf_days)


# Sessions start more often at lunchtime and in the evening.
HOUR_WEIGHTS = _norm(np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.2, 3, 3.4, 3.6, 4, 4.6, 4.4, 4, 3.8, 3.8, 4.2, 5,
                               5.8, 6.2, 5.8, 4.2, 2.2], dtype=float))


# --------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------

def _product_details(rng: np.random.Generator, spec: cat.LeafSpec, brand: str) -> tuple[str, dict, float, str]:
    """Name, attributes, price multiplier and an optional SKU variant suffix for one product."""
    colour = cat.COLOURS[rng.integers(len(cat.COLOURS))]
    series_options = spec.series.get(brand, ())
    series = series_options[rng.integers(len(series_options))] if series_options else ""
    path = spec.path
    mult, variant = 1.0, ""
    if path in ("Phones", "Tablets"):
        storage = int(rng.choice([64, 128, 256, 512], p=[0.15, 0.4, 0.3, 0.15]))
        screen = round(float(rng.uniform(6.0, 6.9) if path == "Phones" else rng.uniform(8.3, 13.0)), 1)
        attrs = {"storage_gb": storage, "colour": colour, "screen_inches": screen,
                 "network": "5G" if path == "Phones" or rng.random() < 0.3 else "Wi-Fi"}
        name = f"{brand} {series} {storage}GB {colour}"
        mult = 1 + 0.18 * np.log2(storage / 128)
        variant = "/" + cat.COLOUR_CODES[colour]
    elif path == "Laptops":
        ram, storage = int(rng.choice([8, 16, 32])), int(rng.choice([256, 512, 1024, 2048], p=[0.2, 0.45, 0.28, 0.07]))
        screen = float(rng.choice([13.3, 13.6, 14.0, 15.6, 16.0, 17.3]))
        cpu = str(rng.choice(["Intel Core Ultra 5", "Intel Core Ultra 7", "AMD Ryzen 7", "AMD Ryzen 9", "Apple M4"]
                             if brand == "Apple" else ["Intel Core Ultra 5", "Intel Core Ultra 7", "AMD Ryzen 5",
                                                       "AMD Ryzen 7", "Snapdragon X Elite"]))
        if brand == "Apple":
            cpu = str(rng.choice(["Apple M4", "Apple M4 Pro", "Apple M3"]))
        attrs = {"screen_inches": screen, "ram_gb": ram, "storage_gb": storage, "cpu": cpu, "colour": colour}
        name = f"{brand} {series} {screen:g}\" {cpu} {ram}GB/{storage if storage < 1024 else storage // 1024}" \
               f"{'GB' if storage < 1024 else 'TB'}"
        mult = (1 + 0.25 * np.log2(ram / 8)) * (1 + 0.1 * np.log2(storage / 256))
    elif path == "TVs":
        size = int(rng.choice([32, 43, 50, 55, 65, 75, 85], p=[0.08, 0.14, 0.16, 0.22, 0.22, 0.12, 0.06]))
        panel = str(rng.choice(["OLED", "QLED", "LED", "Mini LED"], p=[0.25, 0.3, 0.35, 0.1]))
        res = "8K" if size >= 65 and rng.random() < 0.08 else ("HD" if size <= 32 else "4K")
        attrs = {"screen_inches": size, "panel": panel, "resolution": res, "hdr": res != "HD", "smart_tv": True}
        name = f"{brand} {size}\" {series} {res} {panel} Smart TV"
        mult = (size / 55) ** 1.6 * (1.5 if panel == "OLED" else 1.0)
    elif path == "Audio/Headphones":
        kind = str(rng.choice(["over-ear", "in-ear", "on-ear"], p=[0.4, 0.45, 0.15]))
        anc = bool(rng.random() < 0.55)
        attrs = {"type": kind, "wireless": bool(rng.random() < 0.85), "noise_cancelling": anc, "colour": colour,
                 "battery_hours": int(rng.choice([20, 24, 30, 40, 60]))}
        name = f"{brand} {series} {'Noise Cancelling ' if anc else ''}{kind.title()} Headphones, {colour}"
        mult = 1.35 if anc else 0.85
        variant = "/" + cat.COLOUR_CODES[colour]
    elif path == "Audio/Speakers":
        attrs = {"wireless": True, "waterproof": bool(rng.random() < 0.6), "power_w": int(rng.choice([10, 20, 40, 100])),
                 "colour": colour}
        name = f"{brand} {series} Bluetooth Speaker, {colour}"
        mult = (attrs["power_w"] / 20) ** 0.5
    elif path == "Cameras":
        body = str(rng.choice(["mirrorless", "compact", "action", "DSLR"], p=[0.5, 0.2, 0.15, 0.15]))
        mp = int(rng.choice([20, 24, 26, 33, 45, 61]))
        kit = bool(rng.random() < 0.5)
        attrs = {"type": body, "megapixels": mp, "kit_lens": kit, "video": "4K"}
        name = f"{brand} {series} {mp}MP {body.title()} Camera{' with Kit Lens' if kit else ' (Body Only)'}"
        mult = (mp / 24) ** 0.8 * (1.2 if kit else 1.0)
    elif path == "Gaming/Consoles":
        storage = int(rng.choice([512, 1024, 2048], p=[0.4, 0.45, 0.15]))
        edition = str(rng.choice(["Standard", "Digital Edition", "Bundle"], p=[0.5, 0.3, 0.2]))
        attrs = {"storage_gb": storage, "edition": edition, "colour": colour if rng.random() < 0.3 else "Black"}
        name = f"{brand} {series} {storage if storage < 1024 else storage // 1024}{'GB' if storage < 1024 else 'TB'}" \
               f" {edition}"
        mult = 1 + 0.15 * np.log2(storage / 512) + (0.2 if edition == "Bundle" else 0)
    elif path == "Gaming/Games":
        title = f"{cat.GAME_WORDS_A[rng.integers(15)]} of {cat.GAME_WORDS_B[rng.integers(15)]}"
        if rng.random() < 0.4:
            title += f" {int(rng.integers(2, 6))}"
        platform = cat.GAME_PLATFORMS[rng.integers(len(cat.GAME_PLATFORMS))]
        attrs = {"platform": platform, "pegi": int(rng.choice([3, 7, 12, 16, 18])), "format": "physical"}
        name = f"{title} ({platform})"
    elif path == "Accessories/Cables":
        label, connector = cat.CABLES[rng.integers(len(cat.CABLES))]
        length = float(rng.choice([0.5, 1.0, 2.0, 3.0, 5.0]))
        attrs = {"connector": connector, "length_m": length, "braided": bool(rng.random() < 0.5)}
        name = f"{brand} {label} {length:g}m"
        mult = 1 + 0.1 * length
    elif path == "Accessories/Cases":
        fits = cat.CASE_FITS[rng.integers(len(cat.CASE_FITS))]
        style = cat.CASE_STYLES[rng.integers(len(cat.CASE_STYLES))]
        attrs = {"fits": fits, "material": str(rng.choice(["TPU", "polycarbonate", "silicone", "leather"])),
                 "colour": colour, "magsafe": "MagSafe" in style or bool(rng.random() < 0.3)}
        name = f"{brand} {style} Case for {fits}, {colour}"
        mult = 1.8 if attrs["material"] == "leather" else 1.0
        variant = "/" + cat.COLOUR_CODES[colour]
    elif path == "Accessories/Chargers":
        label = cat.CHARGERS[rng.integers(len(cat.CHARGERS))]
        watts = int(rng.choice([15, 20, 30, 45, 65, 100, 140]))
        attrs = {"watts": watts, "ports": int(rng.choice([1, 2, 3])), "connector": "USB-C"}
        name = f"{brand} {watts}W {label}"
        mult = (watts / 30) ** 0.4
    elif path == "Smart Home":
        attrs = {"assistant": str(rng.choice(["Alexa", "Google Assistant", "Apple Home", "Matter"])),
                 "colour": colour if rng.random() < 0.5 else "White", "connectivity": "Wi-Fi"}
        name = f"{brand} {series} ({attrs['colour']})"
    else:  # Wearables
        case_mm = int(rng.choice([40, 41, 42, 44, 45, 46, 49]))
        gps = bool(rng.random() < 0.7)
        attrs = {"case_mm": case_mm, "gps": gps, "colour": colour, "water_resistance": "5 ATM"}
        name = f"{brand} {series} {case_mm}mm {'GPS ' if gps else ''}{colour}"
        variant = "/" + cat.COLOUR_CODES[colour]
    return " ".join(name.split()), attrs, float(mult), variant


def _description(spec: cat.LeafSpec, name: str, brand: str, attrs: dict, warranty: int) -> str:
    shown = {True: "yes", False: "no"}
    features = ", ".join(f"{k.replace('_', ' ')}: {shown[v] if isinstance(v, bool) else v}" for k, v in attrs.items())
    return (f"{name}. {cat.CATEGORY_BLURBS[spec.path]} Key features: {features}. "
            f"Comes with a {warranty}-year {brand} warranty and free UK delivery.")


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
    categories, leaf_cat_ids = _categories()
    products, brands, stock, prod = _products(rng=rng, sc=sc, cal=cal, leaf_cat_ids=leaf_cat_ids)

    step("customers")
    cust = _customers(rng=rng, n=sc.customers, cal=cal, n_leaves=len(cat.LEAVES), n_brands=len(brands["id"]))

    step("promotions")
    promos, cat_discount, prod_promos = _promotions(rng=rng, sc=sc, cal=cal, prod=prod, leaf_cat_ids=leaf_cat_ids)

    step("sessions and events")
    b = _Builder(rng=rng, cal=cal, prod=prod, cust=cust, end_ts=end_ts, cat_discount=cat_discount,
                 prod_promos=prod_promos, n_brands=len(brands["id"]))
    b.browsing_sessions(target_events=sc.target_events)

    step("fraud and fake reviews")
    truth = b.inject_fraud(sc=sc)
    from electroshop.demo.fraud_rings import inject_rings  # builds on this module: imported here to avoid a cycle

    truth["rings"] = inject_rings(b, rings=sc.fraud_rings)
    step("reviews")
    b.genuine_reviews()
    fake = b.fake_reviews(bursts=sc.fake_review_bursts)
    truth["fake_reviews"] = fake

    step("assembling")
    customers, orders, lines, events, reviews = b.assemble()
    truth = b.resolve_truth(truth)
    tastes = _tastes(cust=cust, cust_id=b.cust_id, brand_names=brands["name"])
    truth.update({"seed": seed, "scale": scale if isinstance(scale, str) else "custom",
                  "end_date": end_date.isoformat(), "history_start": cal.start.isoformat(),
                  "black_fridays": [cal.dates[i].isoformat() for i in cal.black_friday_days]})
    data = DemoData(categories=categories, brands=brands, products=products, stock=stock, customers=customers,
                    promotions=promos, orders=orders, order_lines=lines, events=events, reviews=reviews,
                    ground_truth=truth, end_ts=end_ts, customer_tastes=tastes)
    truth["row_counts"] = data.row_counts()
    return data


def _tastes(*, cust: "_Customers", cust_id: np.ndarray, brand_names: list[str]) -> dict[str, list]:
    top = np.argsort(-cust.pref, axis=1)[:, :3]
    paths = np.array([s.path for s in cat.LEAVES], dtype=object)
    n = len(cust.tier)
    return {"customer_id": cust_id[:n].tolist(),
            "favourite_brand": np.asarray(brand_names, dtype=object)[cust.fav_brand].tolist(),
            "budget_tier": np.array(["budget", "mid", "premium"], dtype=object)[cust.tier].tolist(),
            "top_categories": ["|".join(row) for row in paths[top].tolist()]}


def _categories() -> tuple[dict[str, Any], dict[str, int]]:
    ids: dict[str, int] = {}
    cols: dict[str, list] = {"id": [], "name": [], "slug": [], "parent_id": [], "path": []}
    for i, path in enumerate(cat.CATEGORY_PATHS, start=1):
        parent, _, name = path.rpartition("/")
        ids[path] = i
        cols["id"].append(i)
        cols["name"].append(name)
        cols["slug"].append(path.lower().replace("/", "-").replace(" ", "-"))
        cols["parent_id"].append(ids[parent] if parent else None)
        cols["path"].append(path)
    return cols, {spec.path: ids[spec.path] for spec in cat.LEAVES}


@dataclass
class _Products:
    leaf: np.ndarray  # leaf index (into cat.LEAVES) per product
    brand: np.ndarray  # brand index per product
    price: np.ndarray  # pence
    popularity: np.ndarray
    quality: np.ndarray  # mean star rating
    launch_ts: np.ndarray
    tier: np.ndarray  # 0 budget, 1 mid, 2 premium (price tercile within the leaf)
    ids: np.ndarray


def _products(*, rng: np.random.Generator, sc: Scale, cal: Calendar, leaf_cat_ids: dict[str, int]):
    brand_names = sorted({b for spec in cat.LEAVES for b in spec.brands})
    brand_idx = {b: i for i, b in enumerate(brand_names)}
    shares = _norm(np.array([s.share for s in cat.LEAVES]))
    counts = np.maximum(np.floor(shares * sc.products).astype(int), 3)
    counts[np.argmax(counts)] += sc.products - counts.sum()
    leaf = np.repeat(np.arange(len(cat.LEAVES)), counts)
    n = len(leaf)
    cols: dict[str, list] = {k: [] for k in ("id", "sku", "name", "description", "attributes", "price", "currency",
                                             "category_id", "brand_id", "is_active", "created_at")}
    brand = np.empty(n, dtype=np.int64)
    price = np.empty(n, dtype=np.int64)
    price_z = rng.standard_normal(n)
    for i in range(n):
        spec = cat.LEAVES[leaf[i]]
        weights = np.array([cat.BRAND_POPULARITY.get(b, 1.0) for b in spec.brands])
        bname = spec.brands[rng.choice(len(spec.brands), p=_norm(weights))]
        name, attrs, mult, variant = _product_details(rng, spec, bname)
        p = spec.price_median * mult * np.exp(spec.price_sigma * price_z[i])
        pence = max(int(round(p)) * 100 - 1, 299)  # £x.99
        # The running number keeps SKUs unique; the variant suffix ("/BLK") exercises slashes in URLs.
        sku = f"{spec.code}-{''.join(ch for ch in bname.upper() if ch.isalnum())[:3]}{i + 1:05d}{variant}"
        brand[i] = brand_idx[bname]
        price[i] = pence
        cols["id"].append(i + 1)
        cols["sku"].append(sku)
        cols["name"].append(name)
        cols["description"].append(_description(spec, name, bname, attrs, 2 if spec.is_device else 1))
        cols["attributes"].append(attrs)
        cols["price"].append(pence)
        cols["currency"].append("GBP")
        cols["category_id"].append(leaf_cat_ids[spec.path])
        cols["brand_id"].append(brand_idx[bname] + 1)
    # Popularity is heavy-tailed within a category; cheaper items sell a bit more.
    popularity = rng.lognormal(0, 1.1, n)
    for li in range(len(cat.LEAVES)):
        m = leaf == li
        popularity[m] *= (price[m] / np.median(price[m])) ** -0.35
    quality = np.clip(rng.normal(4.1, 0.45, n), 2.2, 4.9)
    # Most of the range predates the history; some products launch during it.
    launch_day = np.where(rng.random(n) < 0.12, rng.integers(30, cal.days - 30, n), -rng.integers(30, 1000, n))
    launch_ts = cal.start_ts + launch_day * DAY + rng.integers(8 * 3600, 18 * 3600, n)
    tier = np.zeros(n, dtype=np.int64)
    for li in range(len(cat.LEAVES)):
        m = np.flatnonzero(leaf == li)
        ranks = np.argsort(np.argsort(price[m], kind="stable"), kind="stable")
        tier[m] = (ranks * 3) // len(m)
    cols["is_active"] = (rng.random(n) > 0.02).tolist()
    cols["created_at"] = launch_ts
    cols["price"] = price
    ids = np.arange(1, n + 1)
    products = {k: (np.asarray(v) if k in ("id", "category_id", "brand_id") else v) for k, v in cols.items()}
    brands = {"id": list(range(1, len(brand_names) + 1)), "name": brand_names}
    # Stock: weeks of cover vary; a few stock-outs; packs and minimums for small items.
    weekly_sales = 1 + 8 * popularity / popularity.mean()
    on_hand = rng.poisson(weekly_sales * rng.uniform(1, 6, n)) + 1
    on_hand[rng.random(n) < 0.07] = 0
    supplier_idx = rng.integers(0, len(cat.SUPPLIERS), n)
    lo = np.array([s[1] for s in cat.SUPPLIERS])[supplier_idx]
    hi = np.array([s[2] for s in cat.SUPPLIERS])[supplier_idx]
    lead = rng.integers(lo, hi + 1)
    pack = np.array([cat.LEAVES[li].pack_sizes[rng.integers(len(cat.LEAVES[li].pack_sizes))] for li in leaf])
    moq = pack * rng.choice([1, 1, 2, 5], n)
    on_order = np.where(rng.random(n) < 0.3, moq * rng.integers(1, 4, n), 0)
    stock = {"id": ids, "product_id": ids, "on_hand": on_hand, "on_order": on_order, "lead_time_days": lead,
             "supplier": np.array([s[0] for s in cat.SUPPLIERS], dtype=object)[supplier_idx].tolist(),
             "pack_size": pack, "minimum_order_quantity": moq}
    prod = _Products(leaf=leaf, brand=brand, price=price, popularity=popularity, quality=quality,
                     launch_ts=launch_ts, tier=tier, ids=ids)
    return products, brands, stock, prod


@dataclass
class _Customers:
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


def _customers(*, rng: np.random.Generator, n: int, cal: Calendar, n_leaves: int, n_brands: int) -> _Customers:
    # 30% joined before the history; the rest sign up along with traffic.
    old = rng.random(n) < 0.3
    cum = np.concatenate([[0], np.cumsum(cal.intensity)])
    new_day = np.searchsorted(cum, rng.random(n) * cum[-1], side="right") - 1
    created_day = np.where(old, -rng.integers(1, 1100, n), new_day)
    created_ts = cal.start_ts + created_day * DAY + (rng.choice(24, n, p=HOUR_WEIGHTS) * 3600
                                                     + rng.integers(0, 3600, n))
    order = np.argsort(created_ts, kind="stable")  # ids follow sign-up order
    created_ts, created_day = created_ts[order], created_day[order]
    country = _pick(rng, cat.COUNTRIES, n, cat.COUNTRY_WEIGHTS).astype(str)
    traffic = np.array([s.traffic for s in cat.LEAVES])
    pref = rng.gamma(0.35 * traffic / traffic.mean(), size=(n, n_leaves)) + 1e-6
    pref /= pref.sum(axis=1, keepdims=True)
    brand_names = sorted({b for spec in cat.LEAVES for b in spec.brands})
    bw = _norm(np.array([cat.BRAND_POPULARITY.get(b, 1.0) for b in brand_names]))
    fav_brand = rng.choice(n_brands, n, p=bw)
    budget = rng.lognormal(0, 0.45, n)
    tier = np.where(budget < 0.8, 0, np.where(budget > 1.3, 2, 1))
    activity = rng.lognormal(0, 0.9, n)
    device = rng.choice(3, n, p=[0.55, 0.35, 0.10])
    first = _pick(rng, cat.FIRST_NAMES, n)
    last = _pick(rng, cat.LAST_NAMES, n)
    domain = _pick(rng, cat.EMAIL_DOMAINS, n, (0.35, 0.2, 0.12, 0.12, 0.1, 0.06, 0.05))
    ids = np.arange(1, n + 1)
    email = [f"{f}.{lname}{i}@{d}".lower().replace("'", "").replace(" ", "")
             for f, lname, i, d in zip(first.tolist(), last.tolist(), ids.tolist(), domain.tolist())]
    home_ip = _ips(rng, country)
    device_id = _hex_ids(rng, n, "dev_")
    device_id2 = _hex_ids(rng, n, "dev_")
    card_fp = _hex_ids(rng, n, "fp_")
    card_fp2 = _hex_ids(rng, n, "fp_")
    card_bin = rng.integers(400000, 560000, n)
    last4 = rng.integers(0, 10000, n)
    city = [cat.CITIES[c][k % len(cat.CITIES[c])] for c, k in zip(country.tolist(), rng.integers(0, 100, n).tolist())]
    street = _pick(rng, cat.STREETS, n)
    num = rng.integers(1, 200, n)
    address = [f"{a} {s}, {c}" for a, s, c in zip(num.tolist(), street.tolist(), city)]
    source = _pick(rng, ("web", "ios", "android", "referral"), n, (0.55, 0.2, 0.2, 0.05))
    cols = {"id": ids, "user_id": [None] * n, "email": email,
            "name": [f"{f} {lname}" for f, lname in zip(first.tolist(), last.tolist())],
            "country": country.tolist(), "created_at": created_ts,
            "marketing_consent": (rng.random(n) < 0.45).tolist(),
            "personalization_consent": (rng.random(n) < 0.9).tolist(),
            "signup_ip": home_ip, "signup_device_id": device_id, "signup_source": source.tolist()}
    return _Customers(created_ts, created_day, country, pref, fav_brand, tier, activity, device, home_ip, device_id,
                      device_id2, card_fp, card_fp2, card_bin, last4, address, email, cols)


def _promotions(*, rng: np.random.Generator, sc: Scale, cal: Calendar, prod: _Products, leaf_cat_ids: dict[str, int]):
    n_leaves = len(cat.LEAVES)
    cat_discount = np.zeros((cal.days, n_leaves))
    leaf_paths = [s.path for s in cat.LEAVES]
    rows: list[tuple] = []  # name, product_id, category_id, start_day, end_day, pct

    def add_cat(name: str, li: int, s: int, e: int, pct: float) -> None:
        s, e = max(s, 0), min(e, cal.days - 1)
        if s > e:
            return
        rows.append((name, None, leaf_cat_ids[leaf_paths[li]], s, e, pct))
        cat_discount[s:e + 1, li] = np.maximum(cat_discount[s:e + 1, li], pct)

    for year in range(cal.start.year, cal.dates[-1].year + 1):
        bf = cal.day_of(black_friday(year))
        for path in ("Phones", "TVs", "Laptops", "Audio/Headphones", "Gaming/Consoles", "Smart Home"):
            add_cat(f"Black Friday {year}: {path.split('/')[-1]}", leaf_paths.index(path), bf - 4, bf + 3,
                    float(rng.choice([15, 20, 25])))
        boxing = cal.day_of(dt.date(year, 12, 26))
        for path in ("TVs", "Audio/Speakers", "Cameras", "Wearables"):
            add_cat(f"Boxing Day sale {year}: {path.split('/')[-1]}", leaf_paths.index(path), boxing, boxing + 5,
                    float(rng.choice([10, 15, 20])))
        for month, path in ((3, "Laptops"), (6, "Audio/Headphones"), (8, "Tablets"), (9, "Accessories/Cases")):
            s = cal.day_of(dt.date(year, month, int(rng.integers(1, 20))))
            add_cat(f"{dt.date(year, month, 1):%B} {year} {path.split('/')[-1]} event", leaf_paths.index(path), s,
                    s + int(rng.integers(6, 13)), float(rng.choice([10, 15])))
    prod_promos: list[tuple[int, int, int, float]] = []  # product index, start, end, pct
    w = _norm(prod.popularity)
    for pi in rng.choice(len(prod.ids), sc.product_promotions, replace=False, p=w).tolist():
        s = int(rng.integers(0, cal.days - 10))
        e = min(s + int(rng.integers(6, 15)), cal.days - 1)
        pct = float(rng.choice([10, 15, 20, 25, 30]))
        prod_promos.append((pi, s, e, pct))
        rows.append((f"Deal of the week: product {prod.ids[pi]}", int(prod.ids[pi]), None, s, e, pct))
    cols = {"id": list(range(1, len(rows) + 1)), "name": [r[0] for r in rows], "product_id": [r[1] for r in rows],
            "category_id": [r[2] for r in rows], "starts_on": [cal.dates[r[3]] for r in rows],
            "ends_on": [cal.dates[r[4]] for r in rows], "discount_percent": [r[5] for r in rows]}
    return cols, cat_discount, prod_promos


class _Builder:
    """Accumulates sessions, events, orders and reviews as arrays, then assembles the tables."""

    def __init__(self, *, rng: np.random.Generator, cal: Calendar, prod: _Products, cust: _Customers, end_ts: int,
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
        out = _sample_weighted_groups(self.rng, key, self.groups)
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
    def browsing_sessions(self, *, target_events: int) -> None:
        rng, cal, cust, prod = self.rng, self.cal, self.cust, self.prod
        L = self.n_leaves
        n_sessions = int(target_events / 4.3)
        n_cust_sessions = int(n_sessions * 0.65)
        n_anon = n_sessions - n_cust_sessions
        cum = np.concatenate([[0.0], np.cumsum(cal.intensity)])
        # Customers: Poisson visits proportional to activity and to their time as customers.
        lo = cum[np.clip(cust.created_day, 0, cal.days)]
        span = (cum[-1] - lo) / cum[-1]
        lam = cust.activity * span
        lam *= n_cust_sessions / lam.sum()
        per_customer = rng.poisson(lam)
        c_idx = np.repeat(np.arange(len(lam)), per_customer)
        u = lo[c_idx] + rng.random(len(c_idx)) * (cum[-1] - lo[c_idx])
        c_day = np.searchsorted(cum, u, side="right") - 1
        a_day = np.searchsorted(cum, rng.random(n_anon) * cum[-1], side="right") - 1
        day = np.concatenate([c_day, a_day]).clip(0, cal.days - 1)
        customer = np.concatenate([c_idx, np.full(n_anon, -1)])
        S = len(day)
        # Which leaf each session browses.
        traffic = _norm(np.array([s.traffic for s in cat.LEAVES]))
        leaf = np.empty(S, dtype=np.int64)
        nc = len(c_idx)
        cp = np.cumsum(cust.pref[c_idx], axis=1)
        leaf[:nc] = (cp < rng.random(nc)[:, None]).sum(axis=1).clip(0, L - 1)
        leaf[nc:] = rng.choice(L, n_anon, p=traffic)
        # Promotions pull extra visits (e-mail, ads) to the discounted leaf: the visible sales lift.
        promo_share = self.cat_discount[day, leaf] / 100 * 2.5
        landing = np.full(S, -1)
        extra = rng.random(S) < promo_share
        tier = np.where(customer >= 0, cust.tier[np.maximum(customer, 0)], rng.choice(3, S, p=[0.3, 0.5, 0.2]))
        tier = np.where(rng.random(S) < 0.2, rng.integers(0, 3, S), tier)
        fav = np.where(customer >= 0, cust.fav_brand[np.maximum(customer, 0)], -1)
        # Duplicate promo-driven sessions (same customer / anonymous visitor type, promo source).
        dup = np.flatnonzero(extra)
        day = np.concatenate([day, day[dup]])
        customer = np.concatenate([customer, np.where(rng.random(len(dup)) < 0.5, customer[dup], -1)])
        leaf = np.concatenate([leaf, leaf[dup]])
        tier = np.concatenate([tier, tier[dup]])
        fav = np.concatenate([fav, fav[dup]])
        landing = np.concatenate([landing, np.full(len(dup), -1)])
        promo_session = np.concatenate([np.zeros(S, bool), np.ones(len(dup), bool)])
        # Product deals bring sessions landing on the product itself.
        for pi, s, e, pct in self.prod_promos:
            k = rng.poisson(pct / 100 * 6 * (e - s + 1) * (1 + 200 * prod.popularity[pi] / prod.popularity.sum()))
            d = rng.integers(s, e + 1, k)
            who = np.where(rng.random(k) < 0.5, rng.integers(0, len(cust.tier), k), -1)
            who = np.where(cust.created_day[np.maximum(who, 0)] <= d, who, -1)  # only existing customers
            day = np.concatenate([day, d])
            customer = np.concatenate([customer, who])
            leaf = np.concatenate([leaf, np.full(k, prod.leaf[pi])])
            tier = np.concatenate([tier, np.full(k, prod.tier[pi])])
            fav = np.concatenate([fav, np.full(k, -1)])
            landing = np.concatenate([landing, np.full(k, pi)])
            promo_session = np.concatenate([promo_session, np.ones(k, bool)])
        S = len(day)
        start = cal.start_ts + day * DAY + rng.choice(24, S, p=HOUR_WEIGHTS) * 3600 + rng.integers(0, 3600, S)
        logged = customer >= 0
        start = np.where(logged, np.maximum(start, cust.created_ts[np.maximum(customer, 0)] + 60), start)
        device = np.where(logged & (rng.random(S) < 0.8), cust.device[np.maximum(customer, 0)],
                          rng.choice(3, S, p=[0.55, 0.35, 0.10]))
        source = np.where(promo_session, rng.choice([3, 4, 2], S), rng.choice(6, S, p=[0.3, 0.3, 0.15, 0.08, 0.1, 0.07]))
        session = np.arange(self.n_sessions, self.n_sessions + S)
        self.n_sessions += S
        # Views.
        n_views = np.minimum(rng.geometric(0.36, S), 15)
        v_sess = np.repeat(np.arange(S), n_views)
        first_of_session = np.concatenate([[0], np.cumsum(n_views)[:-1]])
        pos = np.arange(len(v_sess)) - first_of_session[v_sess]
        dwell = np.minimum(rng.exponential(45, len(v_sess)), 900).round(1)
        gap = dwell + rng.integers(5, 60, len(v_sess))
        csum = np.cumsum(gap)
        offs = csum - (csum - gap)[first_of_session][v_sess]
        v_ts = start[v_sess] + 30 + offs.astype(np.int64)
        v_prod = self.sample_products(leaf[v_sess], tier[v_sess], fav[v_sess], v_ts)
        lands = (pos == 0) & (landing[v_sess] >= 0)
        v_prod[lands] = landing[v_sess][lands]
        v_cust, v_session, v_dev, v_src = customer[v_sess], session[v_sess], device[v_sess], source[v_sess]
        self.add_events(ts=v_ts, etype=EV_VIEW, customer=v_cust, session=v_session, product=v_prod, device=v_dev,
                        source=v_src, dwell=dwell)
        click = rng.random(len(v_sess)) < 0.25
        self.add_events(ts=v_ts[click] - 2, etype=EV_CLICK, customer=v_cust[click], session=v_session[click],
                        product=v_prod[click], device=v_dev[click], source=v_src[click])
        wish = logged[v_sess] & (rng.random(len(v_sess)) < 0.02)
        self.add_events(ts=v_ts[wish] + 5, etype=EV_WISHLIST, customer=v_cust[wish], session=v_session[wish],
                        product=v_prod[wish], device=v_dev[wish], source=v_src[wish])
        # Searches start some sessions.
        srch = np.flatnonzero(rng.random(S) < 0.25)
        bnames = sorted({b for spec in cat.LEAVES for b in spec.brands})
        nouns = [s.noun for s in cat.LEAVES]
        with_brand = rng.random(len(srch)) < 0.4
        q = [f"{bnames[fav[i]].lower()} {nouns[leaf[i]]}" if wb and fav[i] >= 0 else nouns[leaf[i]]
             for i, wb in zip(srch.tolist(), with_brand.tolist())]
        self.add_events(ts=start[srch] + 10, etype=EV_SEARCH, customer=customer[srch], session=session[srch],
                        product=-1, device=device[srch], source=source[srch], query=q)
        # Conversion: the last viewed product is bought.
        last_view = first_of_session + n_views - 1
        last_prod, last_ts = v_prod[last_view], v_ts[last_view]
        disc = self.discount(last_prod, last_ts)
        p_buy = np.where(logged, 0.13, 0.045) * cal.conversion_boost[day] * (1 + disc / 100 * 3)
        p_buy *= np.where(prod.price[last_prod] > 150_000, 0.6, 1.0)
        buy = rng.random(S) < p_buy
        # Abandoned carts; a quarter of logged-in abandoners come back days later and buy.
        cart_only = ~buy & (rng.random(S) < 0.12)
        b_idx = np.flatnonzero(buy)
        self.add_events(ts=last_ts[b_idx] + 20, etype=EV_CART, customer=customer[b_idx], session=session[b_idx],
                        product=last_prod[b_idx], device=device[b_idx], source=source[b_idx])
        ab = np.flatnonzero(cart_only)
        ab_pick = first_of_session[ab] + (rng.random(len(ab)) * n_views[ab]).astype(np.int64)
        self.add_events(ts=v_ts[ab_pick] + 15, etype=EV_CART, customer=customer[ab], session=session[ab],
                        product=v_prod[ab_pick], device=device[ab], source=source[ab])
        back = ab[(customer[ab] >= 0) & (rng.random(len(ab)) < 0.25)]
        back_prod = v_prod[ab_pick][np.isin(ab, back)]
        back_ts = start[back] + rng.integers(1, 6, len(back)) * DAY + rng.integers(-3 * 3600, 3 * 3600, len(back))
        keep = back_ts < self.end_ts - 600
        back, back_prod, back_ts = back[keep], back_prod[keep], back_ts[keep]
        back_session = np.arange(self.n_sessions, self.n_sessions + len(back))
        self.n_sessions += len(back)
        for k, (et, dts) in enumerate(((EV_VIEW, 0), (EV_CART, 40))):
            self.add_events(ts=back_ts + dts, etype=et, customer=customer[back], session=back_session,
                            product=back_prod, device=device[back], source=0,
                            dwell=rng.exponential(60, len(back)).round(1) if et == EV_VIEW else None)
        # Orders: the main item plus accessories that go with devices.
        o_ts = np.concatenate([last_ts[b_idx] + 90, back_ts + 120])
        o_cust = np.concatenate([customer[b_idx], customer[back]])
        o_sess = np.concatenate([session[b_idx], back_session])
        o_dev = np.concatenate([device[b_idx], device[back]])
        o_main = np.concatenate([last_prod[b_idx], back_prod])
        o_ts = np.minimum(o_ts, self.end_ts - 1)
        n_o = len(o_ts)
        main_leaf = prod.leaf[o_main]
        is_dev = np.array([s.is_device for s in cat.LEAVES])[main_leaf]
        qty_main = np.where(is_dev, np.where(rng.random(n_o) < 0.04, 2, 1), rng.integers(1, 4, n_o))
        items = [(np.arange(n_o), o_main, qty_main)]
        leaf_paths = [s.path for s in cat.LEAVES]
        for dev_path, accs in cat.ACCESSORIES_FOR.items():
            dli = leaf_paths.index(dev_path)
            for acc_path, p in accs:
                ali = leaf_paths.index(acc_path)
                off = np.flatnonzero((main_leaf == dli) & (rng.random(n_o) < p))
                if not len(off):
                    continue
                acc = self.sample_products(np.full(len(off), ali), rng.integers(0, 3, len(off)),
                                           np.full(len(off), -1), o_ts[off])
                acc_qty = np.where(acc_path == "Accessories/Cables", rng.integers(1, 3, len(off)), 1)
                items.append((off, acc, acc_qty))
                self.add_events(ts=o_ts[off] - 50, etype=EV_VIEW, customer=o_cust[off], session=o_sess[off],
                                product=acc, device=o_dev[off], source=0, dwell=rng.exponential(30, len(off)).round(1))
                self.add_events(ts=o_ts[off] - 30, etype=EV_CART, customer=o_cust[off], session=o_sess[off],
                                product=acc, device=o_dev[off], source=0)
        self.add_orders(ts=o_ts, customer=o_cust, session=o_sess, device=o_dev, items=items)

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

    def inject_fraud(self, *, sc: Scale) -> dict[str, Any]:
        rng, prod = self.rng, self.prod
        truth: dict[str, Any] = {"card_testing": [], "stolen_card": [], "bot_signups": []}
        window_lo = self.cal.start_ts + 60 * DAY
        window_hi = self.end_ts - 2 * DAY
        cheap = np.flatnonzero(prod.price <= 1_999)
        if len(cheap) < 5:
            cheap = np.argsort(prod.price)[:20]
        pricey = self.high_value_devices()
        # Card testing: many small orders on one card within minutes, mostly declined.
        for _ in range(sc.card_testing_bursts):
            k = int(rng.integers(8, 26))
            t0 = int(rng.integers(window_lo, window_hi))
            ts = np.sort(t0 + rng.integers(0, 25 * 60, k))
            ipc = str(rng.choice(cat.FRAUD_IP_COUNTRIES))
            account = rng.random() < 0.5
            if account:
                cidx = self.new_customers(created_ts=np.array([t0 - int(rng.integers(120, 1800))]), country=["GB"],
                                          ip=_ips(rng, np.array([ipc])), device_id=_hex_ids(rng, 1, "dev_"),
                                          emails=self._disposable_emails(1), names=self._random_names(1),
                                          source="web", kind="card_testing")
                customer = np.full(k, cidx[0])
            else:
                customer = np.full(k, -1)
            sess = self.n_sessions
            self.n_sessions += 1
            fp = _hex_ids(rng, 1, "fp_")[0]
            ip = _ips(rng, np.array([ipc]))[0]
            devid = _hex_ids(rng, 1, "dev_")[0]
            p = cheap[rng.integers(0, len(cheap), k)]
            status = np.where(rng.random(k) < 0.75, ST_CANCELLED, ST_COMPLETED)
            keys = self.add_orders(
                ts=ts, customer=customer, session=np.full(k, sess), device=np.full(k, 1),
                items=[(np.arange(k), p, np.ones(k, dtype=np.int64))], kind="card_testing",
                status=status, ip=[ip] * k, ip_country=[ipc] * k, device_id=[devid] * k, card_fp=[fp] * k,
                card_country=[str(rng.choice(["GB", "US"]))] * k,
                billing_country=list(_pick(rng, cat.COUNTRIES, k)), shipping_country=["GB"] * k,
                email=self._disposable_emails(k), user_agent=[cat.USER_AGENTS["bot"]] * k)
            self.add_events(ts=ts - 20, etype=EV_CART, customer=customer, session=sess, product=p, device=1, source=0)
            truth["card_testing"].append({"card_fingerprint": fp, "ip": ip, "device_id": devid, "order_keys": keys})
        # Stolen cards: brand-new account, several high-value orders within hours, countries disagree.
        for _ in range(sc.stolen_card_sprees):
            k = int(rng.integers(2, 6))
            t0 = int(rng.integers(window_lo, window_hi))
            ship = str(rng.choice(cat.FRAUD_SHIP_COUNTRIES))
            ipc = str(rng.choice(cat.FRAUD_IP_COUNTRIES))
            ip = _ips(rng, np.array([ipc]))[0]
            devid = _hex_ids(rng, 1, "dev_")[0]
            cidx = self.new_customers(created_ts=np.array([t0 - int(rng.integers(300, 7200))]), country=["GB"],
                                      ip=[ip], device_id=[devid], emails=self._disposable_emails(1),
                                      names=self._random_names(1), source="web", kind="stolen_card")
            ts = np.sort(t0 + rng.integers(0, 6 * 3600, k))
            p = pricey[rng.choice(len(pricey), k, replace=False)]
            q = np.where(rng.random(k) < 0.2, 2, 1)
            old = ts < self.end_ts - 25 * DAY
            status = np.where(old & (rng.random(k) < 0.7), ST_REFUNDED, np.where(old, ST_COMPLETED, ST_PAID))
            fps = _hex_ids(rng, 2, "fp_")
            sess = self.n_sessions
            self.n_sessions += 1
            keys = self.add_orders(
                ts=ts, customer=np.full(k, cidx[0]), session=np.full(k, sess), device=np.full(k, 1),
                items=[(np.arange(k), p, q)], kind="stolen_card", status=status, ip=[ip] * k, ip_country=[ipc] * k,
                device_id=[devid] * k, card_fp=[fps[int(i)] for i in rng.integers(0, 2, k)],
                card_country=["GB"] * k, billing_country=["GB"] * k, shipping_country=[ship] * k)
            self.add_events(ts=ts - 120, etype=EV_VIEW, customer=cidx[0], session=sess, product=p, device=1, source=0,
                            dwell=rng.exponential(8, k).round(1))
            self.add_events(ts=ts - 60, etype=EV_CART, customer=cidx[0], session=sess, product=p, device=1, source=0)
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
            idx = self.new_customers(created_ts=created, country=["GB"] * k, ip=[ip] * k, device_id=[devid] * k,
                                     emails=self._disposable_emails(k), names=self._random_names(k), source="web",
                                     kind="bot_signup")
            nv = rng.integers(2, 8, k)
            who = np.repeat(idx, nv)
            sess = np.repeat(np.arange(self.n_sessions, self.n_sessions + k), nv)
            self.n_sessions += k
            ts = np.repeat(created, nv) + 5 + np.arange(len(who)) % 8 * 3
            self.add_events(ts=ts, etype=EV_VIEW, customer=who, session=sess,
                            product=rng.integers(0, len(prod.ids), len(who)), device=1, source=0,
                            dwell=rng.uniform(0.3, 2.5, len(who)).round(1))
            truth["bot_signups"].append({"ip": ip, "device_id": devid, "customer_idx": idx})
        return truth

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

    def fake_reviews(self, *, bursts: int) -> list[dict[str, Any]]:
        rng, prod = self.rng, self.prod
        out = []
        # Targets: weak products that need a boost.
        weak = np.flatnonzero(prod.quality < np.quantile(prod.quality, 0.3))
        for pi in rng.choice(weak, bursts, replace=False).tolist():
            k = int(rng.integers(8, 21))
            t0 = int(rng.integers(self.cal.start_ts + 60 * DAY, self.end_ts - 5 * DAY))
            created = np.sort(t0 + rng.integers(0, 2 * DAY, k))
            ips = _ips(rng, np.array(["GB"] * k))
            idx = self.new_customers(created_ts=created, country=["GB"] * k, ip=ips,
                                     device_id=_hex_ids(rng, k, "dev_"), emails=self._disposable_emails(k),
                                     names=self._random_names(k), source="web", kind="fake_review")
            r_ts = created + rng.integers(600, DAY, k)
            r_idx = self._reviews(customer=idx, product=np.full(k, pi), ts=r_ts, rating=np.full(k, 5), fake=True)
            out.append({"product_idx": pi, "customer_idx": idx, "review_idx": r_idx})
        return out

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
