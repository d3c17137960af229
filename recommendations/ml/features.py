"""What the re-ranker knows about items, customers and (customer, item) pairs, besides the generators'
scores and ranks. Every model (the validation windows' and the served one) computes these with the
same functions from its own history, so training and serving describe a pair the same way.

Item features (``item_stats``): price, popularity (distinct customers overall, last 7 and 30 days),
age, days since the last interaction, and stock: ``in_stock`` and ``days_of_cover`` (units on hand
over the units sold per day in the 30 days before ``as_of``), from an ``on_hand`` column of the
products when the shop manages stock (NaN otherwise). The shop's stock is read once, when training
starts; earlier windows see it rewound by the units sold since (``stock_at``).

Customer features (``user_stats``): recency, frequency, the median price and the price band (the 10th
and 90th percentile of log prices of what the customer bought; of everything they interacted with if
they bought nothing).

Pair features (``pair_features``): ``price_vs_customer_median`` (log price minus the customer's
median), ``customer_price_band_position`` (where the price sits in the customer's own band: 0 at its
low end, 1 at its high end, below 0 cheaper, above 1 dearer) and ``customer_category_share`` (the
share of the customer's products that are in the item's category).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "COVER_CAP_DAYS",
    "item_stats",
    "user_stats",
    "stock_features",
    "stock_at",
    "price_band",
    "pair_features",
    "align_features",
]

# Days of cover above this are "plenty": also what an item in stock with no recent sales gets.
COVER_CAP_DAYS = 365.0
SALES_WINDOW_DAYS = 30
PRICE_BAND_QUANTILES = (0.1, 0.5, 0.9)
# A band narrower than this (log units, ~10%) counts as this wide: a customer who bought one price
# point should not see items 1% dearer as far outside their band.
MIN_BAND_WIDTH = 0.1
BAND_POSITION_CLIP = (-5.0, 6.0)

# Pair features renamed since earlier versions: a stored model trained with the old name reads the new one.
RENAMED = {"price_vs_user": "price_vs_customer_median", "category_affinity": "customer_category_share"}


def stock_at(products: pd.DataFrame | None, events: pd.DataFrame, *, when: pd.Timestamp,
             read_at: pd.Timestamp, purchase_types: Sequence[str] = ("purchase",)) -> pd.DataFrame | None:
    """``products`` with ``on_hand`` rewound from ``read_at`` (when the shop's stock was read) to
    ``when``: plus the units bought in between. An earlier window (validation, ranker training) must
    not see the stock-outs its own sales caused, or the ranker learns "sold out now" as a sign of
    demand. Restocks in between are unknown, so an item restocked since reads a little high."""
    if products is None or "on_hand" not in products.columns or when >= read_at:
        return products
    later = events[(events["timestamp"] >= when) & (events["timestamp"] < read_at)]
    if "event_type" in later.columns:
        later = later[later["event_type"].isin(list(purchase_types))]
    units = (later["quantity"] if "quantity" in later.columns else pd.Series(1, index=later.index))
    sold = units.groupby(later["product_id"]).sum()
    rewound = products.copy()
    rewound["on_hand"] = rewound["on_hand"] + rewound["product_id"].map(sold).fillna(0)
    return rewound


def stock_features(on_hand: np.ndarray, events: pd.DataFrame, n_items: int, as_of: pd.Timestamp) -> dict[str, np.ndarray]:
    """``in_stock`` (1 / 0) and ``days_of_cover`` per item position from units ``on_hand`` (NaN: the
    shop does not manage that item's stock; both features are then NaN) and the purchases in
    ``events`` of the last ``SALES_WINDOW_DAYS`` before ``as_of`` (``quantity`` units each).

    Days of cover = on hand / units sold per day, capped at ``COVER_CAP_DAYS`` (an item in stock that
    did not sell has the cap; an item out of stock has 0)."""
    on_hand = np.asarray(on_hand, dtype=np.float64)
    recent = events[(events["timestamp"] >= as_of - pd.Timedelta(days=SALES_WINDOW_DAYS))
                    & (events["event_type"] == "purchase")]
    units = np.zeros(n_items)
    if len(recent):
        qty = recent["quantity"].to_numpy(dtype=np.float64) if "quantity" in recent.columns else np.ones(len(recent))
        units = np.bincount(recent["item_idx"].to_numpy(), weights=qty, minlength=n_items)
    per_day = units / SALES_WINDOW_DAYS
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(per_day > 0, np.maximum(on_hand, 0) / per_day, np.where(on_hand > 0, COVER_CAP_DAYS, 0.0))
    cover = np.minimum(cover, COVER_CAP_DAYS)
    known = np.isfinite(on_hand)
    return {
        "in_stock": np.where(known, (on_hand > 0).astype(np.float32), np.nan).astype(np.float32),
        "days_of_cover": np.where(known, cover, np.nan).astype(np.float32),
    }


def item_stats(data) -> dict[str, np.ndarray]:
    """The item features of a :class:`~.training_data.TrainingData` (see the module docstring)."""
    n = data.n_items
    ev = data.events
    as_of = data.as_of
    out: dict[str, np.ndarray] = {}
    price = np.full(n, np.nan)
    on_hand = np.full(n, np.nan)
    if data.products is not None:
        if "price" in data.products.columns:
            price = pd.to_numeric(data.products["price"], errors="coerce").to_numpy(dtype=float)
        if "on_hand" in data.products.columns:
            on_hand = pd.to_numeric(data.products["on_hand"], errors="coerce").to_numpy(dtype=float)
    if "price" in ev.columns:
        med = pd.to_numeric(ev["price"], errors="coerce").groupby(ev["item_idx"]).median()
        fill = np.full(n, np.nan)
        fill[med.index.to_numpy()] = med.to_numpy()
        price = np.where(np.isnan(price), fill, price)
    out["price"] = price
    pairs = ev[["user_idx", "item_idx"]].drop_duplicates()
    out["log_users"] = np.log1p(np.bincount(pairs["item_idx"], minlength=n)).astype(np.float32)
    for days in (7, 30):
        recent = ev[ev["timestamp"] >= as_of - pd.Timedelta(days=days)][["user_idx", "item_idx"]].drop_duplicates()
        out[f"log_users_{days}d"] = np.log1p(np.bincount(recent["item_idx"], minlength=n)).astype(np.float32)
    g = ev.groupby("item_idx")["timestamp"]
    first = np.full(n, np.nan)
    last = np.full(n, np.nan)
    if len(ev):
        mn, mx = g.min(), g.max()
        first[mn.index.to_numpy()] = ((as_of - mn).dt.total_seconds() / 86400).to_numpy()
        last[mx.index.to_numpy()] = ((as_of - mx).dt.total_seconds() / 86400).to_numpy()
    out["age_days"] = first
    out["days_since_last"] = last
    if np.isfinite(on_hand).any():  # a shop without stock data gets no constant NaN columns
        out.update(stock_features(on_hand, ev, n, as_of))
    return out


def price_band(log_prices: np.ndarray, groups: np.ndarray) -> pd.DataFrame:
    """Per group (customer): ``low``, ``median``, ``high`` = the PRICE_BAND_QUANTILES of its log prices
    (NaN prices ignored). Index: the groups that have a price."""
    frame = pd.DataFrame({"g": groups, "p": log_prices}).dropna()
    if frame.empty:
        return pd.DataFrame(columns=["low", "median", "high"], dtype=float)
    q = frame.groupby("g")["p"].quantile(list(PRICE_BAND_QUANTILES)).unstack()
    q.columns = ["low", "median", "high"]
    return q


def _log_price(price: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(np.asarray(price, dtype=np.float64), 1e-3))


def user_stats(events: pd.DataFrame, n_users: int, as_of: pd.Timestamp, item_price: np.ndarray) -> dict[str, np.ndarray]:
    """Recency / frequency features and the price band per user position."""
    ev = events
    nan = np.full(n_users, np.nan, dtype=np.float32)
    keys = ("log_events", "log_items", "log_baskets", "days_since_last", "days_since_first", "log_price",
            "price_low", "price_high")
    out = {k: nan.copy() for k in keys}
    if ev.empty:
        return out
    g = ev.groupby("user_idx")
    idx = g.size().index.to_numpy()
    out["log_events"][idx] = np.log1p(g.size().to_numpy())
    out["log_items"][idx] = np.log1p(g["item_idx"].nunique().to_numpy())
    if "session_id" in ev.columns and ev["session_id"].notna().any():
        baskets = g["session_id"].nunique()
    else:
        baskets = g["timestamp"].apply(lambda t: t.dt.floor("D").nunique())
    out["log_baskets"][idx] = np.log1p(baskets.to_numpy())
    out["days_since_last"][idx] = ((as_of - g["timestamp"].max()).dt.total_seconds() / 86400).to_numpy()
    out["days_since_first"][idx] = ((as_of - g["timestamp"].min()).dt.total_seconds() / 86400).to_numpy()
    # what they paid for when they bought something, else what they looked at
    bought = ev["event_type"].to_numpy() == "purchase"
    buyers = np.zeros(n_users, dtype=bool)
    buyers[ev["user_idx"].to_numpy()[bought]] = True
    use = bought | ~buyers[ev["user_idx"].to_numpy()]
    band = price_band(_log_price(item_price[ev["item_idx"].to_numpy()[use]]), ev["user_idx"].to_numpy()[use])
    rows = band.index.to_numpy(dtype=np.int64)
    out["log_price"][rows] = band["median"].to_numpy()
    out["price_low"][rows] = band["low"].to_numpy()
    out["price_high"][rows] = band["high"].to_numpy()
    return out


def pair_features(block, item_price: np.ndarray | None, user_feats: dict[str, np.ndarray],
                  category_share: np.ndarray | None) -> dict[str, np.ndarray]:
    """The per-pair features of a candidate ``block`` (see the module docstring). ``category_share``:
    ``(rows, items)`` share of each row's products in each item's category, or None (no categories)."""
    pair: dict[str, np.ndarray] = {}
    if item_price is not None and "log_price" in user_feats:
        item_lp = _log_price(item_price)[block.items]
        pair["price_vs_customer_median"] = item_lp - user_feats["log_price"][block.rows]
        if "price_low" in user_feats:
            low, high = user_feats["price_low"][block.rows], user_feats["price_high"][block.rows]
            width = np.maximum(high - low, MIN_BAND_WIDTH)
            pair["customer_price_band_position"] = np.clip((item_lp - low) / width, *BAND_POSITION_CLIP)
    if category_share is not None:
        pair["customer_category_share"] = category_share[block.rows, block.items]
    return pair


def align_features(features: np.ndarray, names: Sequence[str], wanted: Sequence[str]) -> np.ndarray:
    """``features`` (columns ``names``) as the columns a ranker was trained on (``wanted``): a model
    stored before a feature was added or renamed keeps scoring; a column it knows that is no longer
    computed is NaN (the booster's missing-value branch)."""
    if list(names) == list(wanted):
        return features
    position = {RENAMED.get(name, name): k for k, name in enumerate(names)}
    out = np.full((features.shape[0], len(wanted)), np.nan, dtype=np.float32)
    for j, name in enumerate(wanted):
        k = position.get(RENAMED.get(name, name))
        if k is not None:
            out[:, j] = features[:, k]
    return out
