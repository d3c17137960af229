"""The demo catalogue: category tree, products (names, attributes, prices) and their stock."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from electroshop.demo import catalog as cat
from electroshop.demo.sampling import norm
from electroshop.demo.seasons import DAY, Calendar


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


def build_categories() -> tuple[dict[str, Any], dict[str, int]]:
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
class Products:
    leaf: np.ndarray  # leaf index (into cat.LEAVES) per product
    brand: np.ndarray  # brand index per product
    price: np.ndarray  # pence
    popularity: np.ndarray
    quality: np.ndarray  # mean star rating
    launch_ts: np.ndarray
    tier: np.ndarray  # 0 budget, 1 mid, 2 premium (price tercile within the leaf)
    ids: np.ndarray


def build_products(*, rng: np.random.Generator, n_products: int, cal: Calendar, leaf_cat_ids: dict[str, int]):
    brand_names = sorted({b for spec in cat.LEAVES for b in spec.brands})
    brand_idx = {b: i for i, b in enumerate(brand_names)}
    shares = norm(np.array([s.share for s in cat.LEAVES]))
    counts = np.maximum(np.floor(shares * n_products).astype(int), 3)
    counts[np.argmax(counts)] += n_products - counts.sum()
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
        bname = spec.brands[rng.choice(len(spec.brands), p=norm(weights))]
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
    prod = Products(leaf=leaf, brand=brand, price=price, popularity=popularity, quality=quality,
                     launch_ts=launch_ts, tier=tier, ids=ids)
    return products, brands, stock, prod
