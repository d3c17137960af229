"""The demo catalogue: category tree, products (names, attributes, prices), what fits what, and stock.

Products come in groups that share a name stem, a price, a popularity, a quality and a launch date:
one group per device model and tier (``Apple iPhone 16 256GB``) or accessory line, sold in one or
more colours (``..., Black`` with SKU ``PH-APP00012/BLA``). Devices come from the real-looking
ranges of ``product_ranges``; accessories are made for the devices in the catalogue.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from electroshop.demo import catalog as cat
from electroshop.demo import product_ranges as pr
from electroshop.demo.fitting import fitting_groups
from electroshop.demo.sampling import norm
from electroshop.demo.seasons import DAY, Calendar


@dataclass
class _Group:
    """Products sharing a name stem and a price: one model tier, or one accessory line."""

    leaf: str
    brand: str
    stem: str  # the name without the colour
    price: float  # GBP
    attrs: dict[str, Any]
    colours: tuple[str, ...] = ()  # () for products without colour variants (TVs, games, ...)
    model: int = 0  # groups of the same model (tiers of a phone) share popularity, quality, launch


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
    # fit_group[product, accessory leaf]: the group (key of ``fit_groups``) of accessories in that leaf
    # that fit the product, -1 if none; fit_groups: group -> (products, cumulative popularity).
    fit_group: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    fit_groups: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


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


# --------------------------------------------------------------------------------------------
# Groups: devices from the ranges, accessories for the devices taken
# --------------------------------------------------------------------------------------------

def _storage(gb: int) -> str:
    return f"{gb // 1024}TB" if gb >= 1024 else f"{gb}GB"


def _device_group(path: str, m: pr.DeviceModel, tier: int) -> tuple[str, dict]:
    """Name stem and attributes of one tier of a device model."""
    attrs: dict[str, Any] = {"model": m.model, **m.extra, "connector": m.connector}
    if m.charging_watts:
        attrs["charging_watts"] = m.charging_watts
    stem = f"{m.brand} {m.model}"
    if path in ("Phones", "Tablets", "Laptops", "Gaming/Consoles") and tier:
        attrs["storage_gb"] = tier
        stem += f" {_storage(tier)}" + (" SSD" if path == "Laptops" else "")
    elif path == "TVs":
        attrs.update(screen_inches=tier, hdr=m.extra["resolution"] != "HD", smart_tv=True)
        stem = f"{m.brand} {tier}\" {m.model} {m.extra['resolution']} {m.extra['panel']} Smart TV"
    elif path == "Wearables" and tier:
        attrs["case_mm"] = tier
        stem += f" {tier}mm"
    elif path == "Cameras" and len(m.tiers) > 1:
        attrs["kit_lens"] = bool(tier)
        stem += " with Kit Lens" if tier else " Body Only"
    if path == "Audio/Headphones":
        attrs["wireless"] = m.connector != "3.5mm"
    return stem, attrs


def _weighted_order(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """A random order in which heavier items tend to come first (sampling without replacement)."""
    keys = -np.log(rng.random(len(weights))) / np.maximum(weights, 1e-9)
    return np.argsort(keys, kind="stable")


def _device_groups(rng: np.random.Generator, path: str, want: int) -> list[_Group]:
    """Whole models, popular brands more likely first, until ``want`` products; the last one may be cut."""
    models = pr.DEVICE_MODELS[path]
    weights = np.array([cat.BRAND_POPULARITY.get(m.brand, 1.0) for m in models])
    groups: list[_Group] = []
    taken = 0
    for mi in _weighted_order(rng, weights).tolist():
        if taken >= want:
            break
        m = models[mi]
        colours = _pick_colours(rng, m.colours, min(4, len(m.colours)))
        for ti, tier in enumerate(m.tiers):
            if taken >= want:
                break
            cols = colours[:want - taken]
            stem, attrs = _device_group(path, m, tier)
            shown = cols if path != "TVs" else ()  # TVs are sold without a colour
            groups.append(_Group(path, m.brand, stem, m.price * _growth(path) ** ti, attrs, shown, model=mi))
            taken += max(len(shown), 1)
    return groups


def _round_robin(per_key: list[list[_Group]]) -> list[_Group]:
    """The first group of every key, then the second of every key ...: every device gets some."""
    out: list[_Group] = []
    for i in range(max((len(g) for g in per_key), default=0)):
        out.extend(g[i] for g in per_key if i < len(g))
    return out


def _pick_colours(rng: np.random.Generator, options: tuple[str, ...], most: int) -> tuple[str, ...]:
    """One to ``most`` of the colours, in their listed order."""
    k = int(rng.integers(1, most + 1))
    return tuple(options[j] for j in sorted(rng.permutation(len(options))[:k].tolist()))


def _growth(path: str) -> float:
    return cat.LEAVES[cat.LEAF_INDEX[path]].tier_growth


def _model_names(devices: list[_Group], leaves: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(f"{g.brand} {g.attrs['model']}" for g in devices if g.leaf in leaves))


def _case_lines(rng: np.random.Generator, devices: list[_Group]) -> list[_Group]:
    path, per_model = "Accessories/Cases", []
    tablets = set(_model_names(devices, ("Tablets",)))
    for fit in _model_names(devices, ("Phones", "Tablets")):
        lines = []
        for brand, factor in pr.CASE_BRANDS.items():
            for style, price in pr.CASE_STYLES:
                if "MagSafe" in style and not fit.startswith("Apple iPhone"):
                    continue
                shop_price = price * factor * (pr.TABLET_CASE_FACTOR if fit in tablets else 1.0)
                attrs = {"fits": fit, "material": "leather" if "Leather" in style else "TPU",
                         "magsafe": "MagSafe" in style}
                lines.append(_Group(path, brand, f"{brand} {style} for {fit}", shop_price, attrs,
                                    _pick_colours(rng, pr.CASE_COLOURS, 3)))
        per_model.append([lines[i] for i in rng.permutation(len(lines)).tolist()])
    return _round_robin(per_model)


def _protector_lines(rng: np.random.Generator, devices: list[_Group]) -> list[_Group]:
    path, per_model = "Accessories/Screen Protectors", []
    for fit in _model_names(devices, ("Phones", "Tablets")):
        lines = [_Group(path, brand, f"{brand} {kind} for {fit}" + (f", {pack}" if pack else ""), price * factor,
                        {"fits": fit, "pack": pack or "single"})
                 for brand, factor in pr.PROTECTOR_BRANDS.items() for kind, pack, price in pr.PROTECTOR_KINDS]
        per_model.append([lines[i] for i in rng.permutation(len(lines)).tolist()])
    return _round_robin(per_model)


def _cable_lines(rng: np.random.Generator, devices: list[_Group]) -> list[_Group]:
    path, per_label = "Accessories/Cables", []
    connectors = {g.attrs["connector"] for g in devices}
    for label, connector, price, lengths in pr.CABLES:
        if connector not in connectors:
            continue
        lines = []
        for brand, factor in pr.CABLE_BRANDS.items():
            colours = _pick_colours(rng, pr.CABLE_COLOURS, 2)
            lines += [_Group(path, brand, f"{brand} {label} {length}m", price * factor * _growth(path) ** ti,
                             {"connector": connector, "length_m": length}, colours)
                      for ti, length in enumerate(lengths)]
        per_label.append(lines)
    return _round_robin(per_label)


def _charger_lines(rng: np.random.Generator, devices: list[_Group]) -> list[_Group]:
    path, per_label = "Accessories/Chargers", []
    for label, price, watts in pr.CHARGERS:
        lines = []
        for brand, factor in pr.CHARGER_BRANDS.items():
            colours = _pick_colours(rng, pr.CHARGER_COLOURS, 2)
            lines += [_Group(path, brand, f"{brand} {w}W {label}", price * factor * _growth(path) ** ti,
                             {"watts": w, "connector": "USB-C", "wireless": "Wireless" in label}, colours)
                      for ti, w in enumerate(watts)]
        per_label.append(lines)
    return _round_robin(per_label)


def _game_lines(rng: np.random.Generator, devices: list[_Group]) -> list[_Group]:
    """Titles in random order, each on every console platform of the catalogue, in both editions."""
    path = "Gaming/Games"
    platforms = list(dict.fromkeys(g.attrs["platform"] for g in devices if g.leaf == "Gaming/Consoles"))
    titles = [f"{a} of {b}" + (f" {n}" if n else "") for a in pr.GAME_WORDS_A for b in pr.GAME_WORDS_B
              for n in (0, 2, 3, 4, 5)]
    brands = cat.LEAVES[cat.LEAF_INDEX[path]].brands
    out = []
    for t in rng.permutation(len(titles)).tolist():
        price = pr.GAME_PRICES[rng.integers(len(pr.GAME_PRICES))]
        brand = brands[rng.integers(len(brands))]
        pegi = int(rng.choice([3, 7, 12, 16, 18]))
        out += [_Group(path, brand, f"{titles[t]} {edition} ({pr.GAME_PLATFORM_SHORT[p]})",
                       price * _growth(path) ** ei,
                       {"platform": p, "edition": edition, "pegi": pegi, "format": "physical"}, model=t)
                for p in platforms for ei, edition in enumerate(pr.GAME_EDITIONS)]
    return out


# Every accessory group a leaf could hold for the devices taken, in the order to take them.
ACCESSORY_LINES = {"Accessories/Cases": _case_lines, "Accessories/Screen Protectors": _protector_lines,
                   "Accessories/Cables": _cable_lines, "Accessories/Chargers": _charger_lines,
                   "Gaming/Games": _game_lines}


def _take(candidates: list[_Group], want: int) -> tuple[list[_Group], int]:
    """Groups from the front until ``want`` products; returns them and how many products they hold."""
    out, taken = [], 0
    for g in candidates:
        if taken >= want:
            break
        if g.colours and taken + len(g.colours) > want:
            g.colours = g.colours[:want - taken]
        out.append(g)
        taken += max(len(g.colours), 1)
    return out, taken


def _all_groups(rng: np.random.Generator, n_products: int) -> list[_Group]:
    """Devices first (a leaf holds at most its ranges), accessories for them fill the rest."""
    shares = norm(np.array([s.share for s in cat.LEAVES]))
    want = np.maximum(np.floor(shares * n_products).astype(int), 3)
    want[np.argmax(want)] += n_products - want.sum()
    groups: dict[str, list[_Group]] = {}
    short = 0
    for spec, w in zip(cat.LEAVES, want.tolist()):
        if spec.is_device:
            groups[spec.path] = _device_groups(rng, spec.path, w)
            short += w - sum(max(len(g.colours), 1) for g in groups[spec.path])
    devices = [g for path in groups for g in groups[path]]
    accessory_leaves = [spec for spec in cat.LEAVES if not spec.is_device]
    acc_share = norm(np.array([s.share for s in accessory_leaves]))
    extra = np.floor(acc_share * short).astype(int)
    extra[-1] += short - extra.sum()
    carry = 0  # what a leaf could not hold moves on to the next (games, last, hold the most)
    accessory_leaves_games_last = sorted(range(len(accessory_leaves)),
                                         key=lambda i: accessory_leaves[i].path == "Gaming/Games")
    for i in accessory_leaves_games_last:
        spec = accessory_leaves[i]
        w = int(want[cat.LEAF_INDEX[spec.path]] + extra[i] + carry)
        groups[spec.path], taken = _take(ACCESSORY_LINES[spec.path](rng, devices), w)
        carry = w - taken
    if carry:
        raise ValueError(f"the demo product ranges hold {n_products - carry} products, {n_products} asked for")
    return [g for spec in cat.LEAVES for g in groups[spec.path]]


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------

def _colour_codes(colours: tuple[str, ...]) -> list[str]:
    """SKU suffixes: BLA for Black, TIB for Titanium Black; the whole colour where two would clash
    (CHALK, CHARCOAL)."""
    words = [re.findall(r"[A-Za-z0-9]+", c) for c in colours]
    short = [(w[0][:3] if len(w) == 1 else w[0][:2] + "".join(x[0] for x in w[1:])).upper() for w in words]
    if len(set(short)) == len(short):
        return short
    return ["".join(w).upper() for w in words]


def _pence(pounds: float) -> int:
    """Shop prices end in .99."""
    return max(round(pounds) * 100 - 1, 299)


def _description(spec: cat.LeafSpec, name: str, brand: str, attrs: dict, warranty: int) -> str:
    shown = {True: "yes", False: "no"}
    features = ", ".join(f"{k.replace('_', ' ')}: {shown[v] if isinstance(v, bool) else v}" for k, v in attrs.items())
    return (f"{name}. {cat.CATEGORY_BLURBS[spec.path]} Key features: {features}. "
            f"Comes with a {warranty}-year {brand} warranty and free UK delivery.")


def build_products(*, rng: np.random.Generator, n_products: int, cal: Calendar, leaf_cat_ids: dict[str, int]):
    brand_names = sorted({b for spec in cat.LEAVES for b in spec.brands})
    brand_idx = {b: i for i, b in enumerate(brand_names)}
    groups = _all_groups(rng, n_products)
    cols: dict[str, list] = {k: [] for k in ("sku", "name", "description", "attributes", "price", "currency",
                                             "category_id", "brand_id")}
    leaf, group_of, colour_rank = [], [], []
    group_price = np.empty(len(groups), dtype=np.int64)
    for gi, g in enumerate(groups):
        spec = cat.LEAVES[cat.LEAF_INDEX[g.leaf]]
        pence = _pence(g.price)
        # Tiers of one model: a larger tier always costs more, whatever the rounding did.
        if gi and spec.is_device and groups[gi - 1].leaf == g.leaf and groups[gi - 1].model == g.model:
            pence = max(pence, int(group_price[gi - 1]) + 1_000)
        group_price[gi] = pence
        code = "".join(ch for ch in g.brand.upper() if ch.isalnum())[:3]
        stem_sku = f"{spec.code}-{code}{gi + 1:05d}"
        codes = _colour_codes(g.colours)
        for rank, colour in enumerate(g.colours or (None,)):
            attrs = dict(g.attrs) if colour is None else {**g.attrs, "colour": colour}
            name = g.stem if colour is None else f"{g.stem}, {colour}"
            # Colour variants share the stem; the suffix ("/BLA") also exercises slashes in URLs.
            cols["sku"].append(stem_sku if colour is None else f"{stem_sku}/{codes[rank]}")
            cols["name"].append(name)
            cols["description"].append(_description(spec, name, g.brand, attrs, 2 if spec.is_device else 1))
            cols["attributes"].append(attrs)
            cols["price"].append(pence)
            cols["currency"].append("GBP")
            cols["category_id"].append(leaf_cat_ids[spec.path])
            cols["brand_id"].append(brand_idx[g.brand] + 1)
            leaf.append(cat.LEAF_INDEX[g.leaf])
            group_of.append(gi)
            colour_rank.append(rank)
    leaf_arr, group_arr = np.asarray(leaf), np.asarray(group_of)
    n = len(leaf_arr)
    price = np.asarray(cols["price"], dtype=np.int64)
    brand = np.asarray(cols["brand_id"]) - 1
    # A model's tiers and colours share its popularity (the smallest tier and the first colour sell
    # most), quality and launch; cheaper items sell a bit more.
    model_of_group = _model_of_group(groups)
    model_of = model_of_group[group_arr]
    n_models = int(model_of.max()) + 1
    tier_rank = _tier_rank(groups, model_of_group)[group_arr]
    popularity = rng.lognormal(0, 1.1, n_models)[model_of] * 0.6 ** tier_rank / (1 + 0.5 * np.asarray(colour_rank))
    for li in range(len(cat.LEAVES)):
        m = leaf_arr == li
        if m.any():
            popularity[m] *= (price[m] / np.median(price[m])) ** -0.35
    quality = np.clip(rng.normal(4.1, 0.45, n_models), 2.2, 4.9)[model_of]
    # Most of the range predates the history; some models launch during it.
    launch_day = np.where(rng.random(n_models) < 0.12, rng.integers(30, cal.days - 30, n_models),
                          -rng.integers(30, 1000, n_models))
    launch_ts = (cal.start_ts + launch_day * DAY + rng.integers(8 * 3600, 18 * 3600, n_models))[model_of]
    tier = np.zeros(n, dtype=np.int64)
    for li in range(len(cat.LEAVES)):
        m = np.flatnonzero(leaf_arr == li)
        ranks = np.argsort(np.argsort(price[m], kind="stable"), kind="stable")
        tier[m] = (ranks * 3) // max(len(m), 1)
    ids = np.arange(1, n + 1)
    products = {"id": ids, **cols, "category_id": np.asarray(cols["category_id"]), "brand_id": np.asarray(brand + 1),
                "price": price, "is_active": (rng.random(n) > 0.02).tolist(), "created_at": launch_ts}
    brands = {"id": list(range(1, len(brand_names) + 1)), "name": brand_names}
    stock = _stock(rng=rng, leaf=leaf_arr, model_of=model_of, popularity=popularity, ids=ids)
    prod = Products(leaf=leaf_arr, brand=brand, price=price, popularity=popularity, quality=quality,
                    launch_ts=launch_ts, tier=tier, ids=ids)
    prod.fit_group, prod.fit_groups = fitting_groups(attributes=cols["attributes"], leaf=leaf_arr,
                                                     brand=[brand_names[b] for b in brand.tolist()],
                                                     popularity=popularity)
    return products, brands, stock, prod


def _model_of_group(groups: list[_Group]) -> np.ndarray:
    """Model number per group: a device model's tiers share one, so do a game's platforms and editions;
    every other accessory line is its own."""
    index: dict[tuple[str, int], int] = {}
    out = np.empty(len(groups), dtype=np.int64)
    for gi, g in enumerate(groups):
        shared = cat.LEAVES[cat.LEAF_INDEX[g.leaf]].is_device or g.leaf == "Gaming/Games"
        out[gi] = index.setdefault((g.leaf, g.model) if shared else (g.leaf, -1 - gi), len(index))
    return out


def _tier_rank(groups: list[_Group], model_of_group: np.ndarray) -> np.ndarray:
    """0 for a device model's smallest tier, 1 for the next ...; 0 for accessories."""
    rank = np.zeros(len(groups), dtype=np.int64)
    for gi in range(1, len(groups)):
        if cat.LEAVES[cat.LEAF_INDEX[groups[gi].leaf]].is_device and model_of_group[gi] == model_of_group[gi - 1]:
            rank[gi] = rank[gi - 1] + 1
    return rank


def _stock(*, rng: np.random.Generator, leaf: np.ndarray, model_of: np.ndarray, popularity: np.ndarray,
           ids: np.ndarray) -> dict[str, Any]:
    """Weeks of cover vary; ~7% stock-outs; one supplier per model; packs and minimums for small items."""
    n = len(leaf)
    weekly_sales = 1 + 8 * popularity / popularity.mean()
    on_hand = rng.poisson(weekly_sales * rng.uniform(1, 6, n)) + 1  # refitted to the sales: fit_stock_to_sales
    on_hand[rng.random(n) < 0.07] = 0
    is_device = np.array([s.is_device for s in cat.LEAVES])[leaf]
    dev_pick = np.asarray(cat.DEVICE_SUPPLIERS)[rng.integers(0, len(cat.DEVICE_SUPPLIERS), model_of.max() + 1)]
    acc_pick = np.asarray(cat.ACCESSORY_SUPPLIERS)[rng.integers(0, len(cat.ACCESSORY_SUPPLIERS), model_of.max() + 1)]
    supplier_idx = np.where(is_device, dev_pick[model_of], acc_pick[model_of])
    lo = np.array([s[1] for s in cat.SUPPLIERS])[supplier_idx]
    hi = np.array([s[2] for s in cat.SUPPLIERS])[supplier_idx]
    lead = rng.integers(lo, hi + 1)
    pack = np.array([cat.LEAVES[li].pack_sizes[rng.integers(len(cat.LEAVES[li].pack_sizes))] for li in leaf])
    moq = pack * rng.choice([1, 1, 2, 5], n)
    on_order = np.where(rng.random(n) < 0.3, moq * rng.integers(1, 4, n), 0)
    return {"id": ids, "product_id": ids, "on_hand": on_hand, "on_order": on_order, "lead_time_days": lead,
            "supplier": np.array([s[0] for s in cat.SUPPLIERS], dtype=object)[supplier_idx].tolist(),
            "pack_size": pack, "minimum_order_quantity": moq}


def fit_stock_to_sales(*, stock: dict[str, Any], orders: dict[str, Any], order_lines: dict[str, Any], end_ts: int,
                       seed: int) -> None:
    """Stock levels that match the generated demand (in place): on hand = 1 to 10 weeks of the product's
    sales over the last 8 weeks (a tenth of the products 20 to 40 weeks: overstock), at least 1; the
    products chosen to be out of stock stay at 0. Stock on order = about one lead time of sales, at
    least the minimum order, in whole packs, for the products that sold in those weeks. Its own random
    stream: the rest of the shop is unchanged."""
    rng = np.random.default_rng(seed + 101)
    ids = np.asarray(stock["product_id"])
    recent = np.asarray(orders["created_at"]) >= end_ts - 56 * 86400
    recent_ids = set(np.asarray(orders["id"])[recent].tolist())
    line_recent = np.isin(np.asarray(order_lines["order_id"]), list(recent_ids))
    units = pd.Series(np.asarray(order_lines["quantity"])[line_recent],
                      index=np.asarray(order_lines["product_id"])[line_recent]).groupby(level=0).sum()
    weekly = units.reindex(ids, fill_value=0).to_numpy(float) / 8
    n = len(ids)
    weeks = np.where(rng.random(n) < 0.1, rng.uniform(20, 40, n), rng.uniform(1, 10, n))
    on_hand = np.asarray(stock["on_hand"])
    stock["on_hand"] = np.where(on_hand == 0, 0, np.maximum(np.round(weekly * weeks), 1)).astype(np.int64)
    pack, moq = np.asarray(stock["pack_size"]), np.asarray(stock["minimum_order_quantity"])
    lead_weeks = np.asarray(stock["lead_time_days"]) / 7
    wanted = np.maximum(weekly * lead_weeks * rng.uniform(1, 2, n), moq)
    on_order = np.ceil(wanted / pack) * pack
    # only products that sell are on order (nobody orders the minimum of a product that sold nothing lately)
    stock["on_order"] = np.where((np.asarray(stock["on_order"]) > 0) & (weekly > 0), on_order, 0).astype(np.int64)
