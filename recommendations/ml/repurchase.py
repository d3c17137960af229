"""Repurchase timing for "buy it again": how often a product is bought again, and how due it is.

Intervals are days between a customer's consecutive purchase *days* of the same product (two orders
on one day are one purchase). The fill stores the medians per product and per category from the
training history; the read compares the time since a customer's last purchase with the most
specific interval known (theirs, the product's, the category's, the shop's).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import pandas as pd

# A product not bought again for more than this many intervals was probably given up (or is bought
# elsewhere): its score falls from there on, so lapsed purchases sink below the ones coming due.
LAPSED_AFTER = 3.0


def repurchase_gaps(purchases: pd.DataFrame) -> pd.DataFrame:
    """``customer_id, product_id, timestamp`` purchases -> ``product_id, gap_days``: one row per
    repeat purchase (days since the same customer's previous purchase day of the product)."""
    if purchases.empty:
        return pd.DataFrame({"product_id": pd.Series(dtype=np.int64), "gap_days": pd.Series(dtype=float)})
    days = (purchases.assign(day=pd.to_datetime(purchases["timestamp"]).dt.floor("D"))
            [["customer_id", "product_id", "day"]].drop_duplicates()
            .sort_values(["customer_id", "product_id", "day"]))
    gaps = days.groupby(["customer_id", "product_id"])["day"].diff().dt.days
    out = pd.DataFrame({"product_id": days["product_id"].astype(np.int64), "gap_days": gaps.astype(float)})
    return out.dropna().reset_index(drop=True)


def median_intervals(gaps: pd.DataFrame, categories: Mapping[int, int]) -> dict[int, tuple[float, dict[int, float]]]:
    """category id -> (median gap of its products, {product id: its median gap}); category 0 is the
    whole shop (every product's gaps). ``categories``: product id -> its category id (uncategorised
    products count only in the whole shop's)."""
    if gaps.empty:
        return {}
    per_product = gaps.groupby("product_id")["gap_days"].median()
    frame = gaps.assign(category_id=gaps["product_id"].map(lambda pid: categories.get(int(pid), 0)))
    out: dict[int, tuple[float, dict[int, float]]] = {0: (float(gaps["gap_days"].median()), {})}
    for category_id, part in frame[frame["category_id"] != 0].groupby("category_id"):
        products = {int(pid): round(float(per_product[pid]), 2) for pid in part["product_id"].unique()}
        out[int(category_id)] = (float(part["gap_days"].median()), products)
    uncategorised = frame.loc[frame["category_id"] == 0, "product_id"].unique()
    out[0][1].update({int(pid): round(float(per_product[pid]), 2) for pid in uncategorised})
    return out


def own_interval(times: Sequence[datetime]) -> float | None:
    """The median days between a customer's purchase days of one product; None if bought on one day."""
    days = sorted({pd.Timestamp(t).floor("D") for t in times})
    if len(days) < 2:
        return None
    return float(np.median([(b - a).days for a, b in zip(days, days[1:])]))


def due_score(days_since: float, interval_days: float) -> float:
    """How due a repeat purchase is: the intervals elapsed since the last purchase (1 = due today),
    up to ``LAPSED_AFTER``; after that ``LAPSED_AFTER ** 2 / elapsed`` (continuous, falling)."""
    elapsed = max(days_since, 0.0) / max(interval_days, 1.0)
    return elapsed if elapsed <= LAPSED_AFTER else LAPSED_AFTER ** 2 / elapsed
