"""Inventory advice from a demand forecast: pure arithmetic, no I/O.

Conventions (documented choices):

* **Stock-out date**: the first forecast day on which cumulative forecast demand exceeds the
  stock available that day by half a unit or more (an expected lost sale, rounded). Available
  stock = on hand, plus each expected arrival (a list of ``(date, quantity)``: the open purchase
  orders' remaining lines on their expected dates) from its arrival day on. Stock on order whose
  arrival is unknown is given the end of the lead time by the caller: the pessimistic end of "within
  lead time", so a stock-out before the delivery is reported rather than hidden by stock that is
  not there yet.
* **Reorder point** = the ``service_level`` quantile of the demand over the (uncertain) lead time,
  from ``ml.distribution``: ``(m_L, v_L) = lead_time_demand(mean, variance, lead_time_days,
  lead_time_std_days)`` and ``ROP = demand_quantile(m_L, v_L, service_level)`` (whole units; a
  negative binomial, or Poisson when the variance is not above the mean). Safety stock = ROP − m_L,
  so it grows with both the demand's and the lead time's variability. A product with under half a
  unit of forecast demand over lead time + review period has ROP −1: it is never reordered on its
  own (an order would be minimum-order stock that nobody buys).
* **Reorder now** exactly when the inventory position (on hand + on order) is at or below the
  reorder point. Only then is a quantity suggested: order-up-to level S = the same quantile over
  lead time + review period; quantity = S − position (at least 1), raised to the minimum order and
  rounded *up* to whole packs. So ``reorder_now`` <=> ``suggested_order_qty > 0``.
* **Price breaks** (``[{"min_quantity": q, "unit_price": p}]``, or ``"discount_percent": d`` off the
  base unit cost): the unit price at a quantity is the break with the highest ``min_quantity`` at or
  below it, else the base unit cost. The quantity is raised to a break (in whole packs) only when
  that costs no more in total (more units for the same or less money); among several such breaks
  the cheapest total wins.
* **Overstock**: inventory position more than a whole unit above S plus ``overstock_days`` of forecast
  demand.
  **Dead stock**: stock on hand, no sale for ``dead_days`` days and (almost) no forecast demand.
* **Lost sales** on a stock-out (censored) day: expected demand = the mean of the product's
  uncensored days within ``neighbour_days`` of it, times its weekday factor (the weekday's mean over
  the overall mean of uncensored days in the window), minus what sold that day (at least 0).
* **ABC** by revenue share (A: the items making the first 80%, B: next 15%, C: last 5%).
  **XYZ** by coefficient of variation of per-period demand (X ≤ 0.5 < Y ≤ 1.0 < Z).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .distribution import demand_quantile, lead_time_demand

__all__ = ["projected_stockout_date",
           "round_order_quantity", "unit_price_at", "apply_price_breaks", "ReorderAdvice", "reorder_advice",
           "advice_reason", "lost_sales", "abc_classes", "xyz_classes"]

Arrival = tuple[date, float]
SHORTFALL_UNITS = 0.5     # a stock-out: expected unmet demand of at least half a unit (a sale, rounded)
MIN_COVER_DEMAND = 0.5    # below this many units expected over lead time + review period: never reordered


def projected_stockout_date(*, on_hand: float, daily_forecast, start: date,
                            arrivals: list[Arrival] | tuple = ()) -> date | None:
    """First day (``start`` = day 0 of ``daily_forecast``) whose cumulative demand exceeds the
    available stock (on hand + the ``(date, quantity)`` arrivals from their day on), or None if the
    stock lasts the whole forecast. An arrival dated before ``start`` (overdue) counts from day 0."""
    f = np.clip(np.asarray(daily_forecast, dtype=float), 0, None)
    if f.size == 0:
        return None
    days = np.arange(f.size)
    available = np.full(f.size, float(on_hand))
    for day, quantity in arrivals:
        available += np.where(days >= (day - start).days, float(quantity), 0.0)
    short = np.flatnonzero(np.cumsum(f) >= available + SHORTFALL_UNITS)
    return start + timedelta(days=int(short[0])) if short.size else None


def round_order_quantity(quantity: float, *, pack_size: int = 1, min_order: int = 0) -> int:
    """0 when nothing is needed; else at least ``min_order``, rounded up to whole packs."""
    if quantity <= 0:
        return 0
    q = max(quantity, min_order)
    pack = max(int(pack_size), 1)
    return int(math.ceil(q / pack - 1e-9) * pack)


def _breaks(price_breaks, unit_cost: float | None) -> list[tuple[int, float]]:
    """[(min_quantity, unit price)] sorted; a break given as ``discount_percent`` is off ``unit_cost``
    (dropped when the unit cost is unknown)."""
    out = []
    for b in price_breaks or ():
        if b.get("min_quantity") is None:
            continue
        if b.get("unit_price") is not None:
            out.append((int(b["min_quantity"]), float(b["unit_price"])))
        elif b.get("discount_percent") is not None and unit_cost is not None:
            out.append((int(b["min_quantity"]), round(unit_cost * (1 - float(b["discount_percent"]) / 100), 4)))
    return sorted(out)


def unit_price_at(quantity: int, *, unit_cost: float | None, price_breaks=()) -> float | None:
    """The unit price at ``quantity``: the highest break at or below it, else ``unit_cost`` (None: unknown).
    A break is ``{"min_quantity": q, "unit_price": p}`` or ``{"min_quantity": q, "discount_percent": d}``."""
    price = unit_cost
    for minimum, break_price in _breaks(price_breaks, unit_cost):
        if quantity >= minimum:
            price = break_price
    return price


def apply_price_breaks(quantity: int, *, pack_size: int = 1, unit_cost: float | None,
                       price_breaks=()) -> tuple[int, float | None]:
    """(quantity, unit price): ``quantity`` raised to a price break (whole packs) when that costs no
    more in total; the cheapest total wins, a tie goes to the larger quantity. Unchanged when the
    price at ``quantity`` is unknown or there is nothing to order."""
    price = unit_price_at(quantity, unit_cost=unit_cost, price_breaks=price_breaks)
    if quantity <= 0 or price is None:
        return quantity, price
    best = (quantity * price, -quantity)
    pack = max(int(pack_size), 1)
    for minimum, _ in _breaks(price_breaks, unit_cost):
        if minimum <= quantity:
            continue
        raised = int(math.ceil(minimum / pack) * pack)
        raised_price = unit_price_at(raised, unit_cost=unit_cost, price_breaks=price_breaks)
        if (raised * raised_price, -raised) < best and raised * raised_price <= quantity * price + 1e-9:
            best = (raised * raised_price, -raised)
    chosen = -best[1]
    return chosen, unit_price_at(chosen, unit_cost=unit_cost, price_breaks=price_breaks)


@dataclass
class ReorderAdvice:
    stockout_date: date | None
    lead_time_demand: float
    lead_time_variance: float
    safety_stock: float
    reorder_point: float
    order_up_to: float
    inventory_position: float
    reorder_now: bool
    suggested_order_qty: int
    unit_price: float | None
    days_of_cover: float | None
    overstock: bool
    dead_stock: bool
    next_arrival: date | None = None
    reason: str = ""
    arrivals: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _day(d: date) -> str:
    return f"{d.day} {d:%b}"


def _units(x: float) -> str:
    if abs(x) < 0.05:
        return "0" if abs(x) < 5e-4 else f"{x:.1g}"      # a slow mover's 0.003, never "-0.0"
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"


def advice_reason(advice: ReorderAdvice, *, start: date, lead_time_days: float, lead_time_std_days: float,
                  service_level: float, pack_size: int, min_order: int, on_hand: float,
                  days_since_last_sale: int | None, needed: float) -> str:
    """The advice in words: the stock-out and the deliveries it meets, then what to do and why."""
    parts = []
    if advice.stockout_date is not None:
        text = f"projected stock-out on {_day(advice.stockout_date)}"
        later = [d for d, _ in advice.arrivals if d > advice.stockout_date]
        if later:
            text += f", {(min(later) - advice.stockout_date).days} days before the next delivery"
        elif advice.stockout_date < start + timedelta(days=math.ceil(lead_time_days)):
            text += f", before an order placed today can arrive ({lead_time_days:g}-day lead time)"
        parts.append(text)
    for day, quantity in sorted(advice.arrivals)[:3]:
        when = f"overdue since {_day(day)}" if day < start else f"arriving {_day(day)}"
        parts.append(f"{_units(quantity)} on order {when}")
    lead = f"{lead_time_days:g}" + (f"±{lead_time_std_days:g}" if lead_time_std_days > 0 else "")
    if advice.reorder_now:
        text = (f"order {advice.suggested_order_qty:,} now: {_units(advice.inventory_position)} in stock and on order "
                f"is at or below the reorder point {_units(advice.reorder_point)} "
                f"({_units(advice.lead_time_demand)} expected over the {lead}-day lead time "
                f"+ {_units(advice.safety_stock)} safety stock for {service_level:.0%} service)")
        rounded = round_order_quantity(needed, pack_size=pack_size, min_order=min_order)
        if advice.suggested_order_qty > rounded:
            text += f", raised to {advice.suggested_order_qty:,} for a price break (no more in total)"
        elif rounded > math.ceil(needed - 1e-9):
            text += (f", {math.ceil(needed - 1e-9):,} needed, rounded up to the minimum order of {min_order:,}"
                     if min_order >= math.ceil(needed - 1e-9) and min_order == rounded
                     else f", {math.ceil(needed - 1e-9):,} needed, rounded up to packs of {pack_size}")
        if advice.unit_price is not None:
            text += f" at {advice.unit_price:,.2f} a unit"
        parts.append(text)
    elif advice.dead_stock:
        parts.append(f"dead stock: {_units(on_hand)} on hand, no sale for {days_since_last_sale} days")
    elif advice.overstock:
        cover = (f"{advice.days_of_cover:,.0f} days of cover" if advice.days_of_cover is not None
                 else "no forecast demand")
        parts.append(f"overstock: {_units(advice.inventory_position)} in stock and on order, {cover}")
    elif advice.reorder_point < 0:
        parts.append(f"under {MIN_COVER_DEMAND:g} units expected over the lead time and review period: "
                     f"not reordered")
    else:
        parts.append(f"no order needed: {_units(advice.inventory_position)} in stock and on order is above the "
                     f"reorder point {_units(advice.reorder_point)}")
        if advice.stockout_date is not None and any(d > advice.stockout_date for d, _ in advice.arrivals):
            parts.append("bring the delivery forward to avoid the stock-out")
    return "; ".join(parts)[:500]


def reorder_advice(*, on_hand: float, mean, variance, start: date,
                   arrivals: list[Arrival] | None = None, on_order: float = 0.0, lead_time_days: float = 7,
                   lead_time_std_days: float = 0.0, review_days: int = 7, service_level: float = 0.95,
                   pack_size: int = 1, min_order: int = 0, unit_cost: float | None = None, price_breaks=(),
                   overstock_days: int = 90, days_since_last_sale: int | None = None,
                   dead_days: int = 90, judge_overstock: bool = True) -> ReorderAdvice:
    """All inventory figures for one product from its daily forecast: ``mean`` and ``variance`` of
    units per day.

    ``arrivals``: the expected deliveries ``[(date, quantity)]``; without them ``on_order`` arrives at
    the end of the lead time. The inventory position is on hand + everything on order.
    ``judge_overstock`` False (a product too new to have sold): never overstock or dead stock."""
    mean = np.clip(np.asarray(mean, float), 0, None)
    variance = np.clip(np.asarray(variance, float), 0, None)
    if arrivals is None:
        arrivals = [(start + timedelta(days=math.ceil(lead_time_days)), on_order)] if on_order > 0 else []
    arrivals = [(d, float(q)) for d, q in arrivals if q > 0]
    position = on_hand + sum(q for _, q in arrivals)
    m_lead, v_lead = lead_time_demand(mean, variance, lead_time_days=lead_time_days,
                                      lead_time_std_days=lead_time_std_days)
    m_cover, v_cover = lead_time_demand(mean, variance, lead_time_days=lead_time_days + review_days,
                                        lead_time_std_days=lead_time_std_days)
    if m_cover >= MIN_COVER_DEMAND:
        rop = float(demand_quantile(m_lead, v_lead, service_level))
        order_up_to = max(float(demand_quantile(m_cover, v_cover, service_level)), rop)
    else:  # (almost) no forecast demand: an order would only be minimum-order stock nobody buys
        rop, order_up_to = -1.0, 0.0
    safety = rop - m_lead if rop >= 0 else 0.0
    reorder_now = position <= rop
    needed = max(order_up_to - position, 1.0) if reorder_now else 0.0
    qty = round_order_quantity(needed, pack_size=pack_size, min_order=min_order)
    qty, price = apply_price_breaks(qty, pack_size=pack_size, unit_cost=unit_cost, price_breaks=price_breaks)
    daily = float(mean.mean()) if mean.size else 0.0
    cover = position / daily if daily > 0 else None
    m_over, _ = lead_time_demand(mean, variance, lead_time_days=lead_time_days + review_days + overstock_days)
    # more than a whole unit beyond S and the next overstock_days of demand
    overstock = judge_overstock and position > math.ceil(order_up_to + (m_over - m_cover) - 1e-9)
    dead = (judge_overstock and on_hand > 0 and days_since_last_sale is not None
            and days_since_last_sale >= dead_days and float(mean.sum()) < 1.0)
    overstock = overstock and not dead
    stockout = projected_stockout_date(on_hand=on_hand, daily_forecast=mean, start=start, arrivals=arrivals)
    upcoming = sorted(d for d, _ in arrivals)
    advice = ReorderAdvice(stockout_date=stockout, lead_time_demand=m_lead, lead_time_variance=v_lead,
                           safety_stock=safety, reorder_point=rop, order_up_to=order_up_to,
                           inventory_position=position, reorder_now=bool(reorder_now), suggested_order_qty=qty,
                           unit_price=price, days_of_cover=cover, overstock=bool(overstock), dead_stock=bool(dead),
                           next_arrival=upcoming[0] if upcoming else None, arrivals=arrivals)
    advice.reason = advice_reason(advice, start=start, lead_time_days=lead_time_days,
                                  lead_time_std_days=lead_time_std_days, service_level=service_level,
                                  pack_size=pack_size, min_order=min_order, on_hand=on_hand,
                                  days_since_last_sale=days_since_last_sale, needed=needed)
    return advice


def lost_sales(history: pd.DataFrame, *, origin: date, window_days: int = 90, neighbour_days: int = 28,
               ) -> pd.DataFrame:
    """Estimated demand lost on the censored (stock-out) days of the ``window_days`` before ``origin``.

    ``history``: dense [series_id, date, y, censored]. Expected demand on a censored day = the mean
    of the series' uncensored days within ``neighbour_days`` of it, times the weekday factor (that
    weekday's mean over the overall mean of the uncensored days from ``window_days + neighbour_days``
    before the origin); a day without uncensored neighbours is skipped. Returns [series_id, date,
    expected, sold, lost] with lost = max(expected − sold, 0)."""
    columns = ["series_id", "date", "expected", "sold", "lost"]
    first = pd.Timestamp(origin - timedelta(days=window_days))
    recent = history[history["date"] >= first - pd.Timedelta(days=neighbour_days)]
    wanted = recent[recent["censored"] & (recent["date"] >= first)]["series_id"].unique()
    out = []
    for series_id, rows in recent[recent["series_id"].isin(wanted)].groupby("series_id"):
        rows = rows.sort_values("date")
        y = rows["y"].to_numpy(float)
        seen = ~rows["censored"].to_numpy(bool)
        dates = rows["date"].to_numpy()
        weekday = rows["date"].dt.weekday.to_numpy()
        # cumulative sums of uncensored units and days: a window's mean in O(1)
        units_sum = np.concatenate([[0.0], np.cumsum(np.where(seen, y, 0.0))])
        days_sum = np.concatenate([[0], np.cumsum(seen)])
        overall = y[seen].mean() if seen.any() else 0.0
        factor = np.ones(7)
        for wd in range(7):
            mine = seen & (weekday == wd)
            if overall > 0 and mine.sum() >= 2:
                factor[wd] = y[mine].mean() / overall
        for i in np.flatnonzero(~seen & (dates >= np.datetime64(first))):
            lo, hi = max(i - neighbour_days, 0), min(i + neighbour_days + 1, len(y))
            n = days_sum[hi] - days_sum[lo]
            if n == 0:
                continue
            expected = (units_sum[hi] - units_sum[lo]) / n * factor[weekday[i]]
            out.append((int(series_id), pd.Timestamp(dates[i]).date(), float(expected), float(y[i]),
                        float(max(expected - y[i], 0.0))))
    return pd.DataFrame(out, columns=columns)


def abc_classes(revenue: pd.Series, *, a: float = 0.80, b: float = 0.15) -> pd.Series:
    """A / B / C per item: sorted by revenue, an item belongs to the class in which the
    cumulative share *before* it falls (so the item crossing 80% is still A)."""
    r = revenue.clip(lower=0).sort_values(ascending=False, kind="stable")
    total = r.sum()
    if total <= 0:
        return pd.Series("C", index=revenue.index)
    before = (r.cumsum() - r) / total
    eps = 1e-9   # 0.80 + 0.15 is not exactly 0.95 in floating point
    cls = np.where(before < a - eps, "A", np.where(before < a + b - eps, "B", "C"))
    return pd.Series(cls, index=r.index).reindex(revenue.index)


def xyz_classes(demand: pd.DataFrame, *, x: float = 0.5, y: float = 1.0) -> pd.Series:
    """X / Y / Z per item from the coefficient of variation of per-period demand.

    ``demand``: one row per item, one column per period (zeros included). Items with no
    demand at all are Z."""
    m = demand.mean(axis=1)
    sd = demand.std(axis=1, ddof=0)
    cv = (sd / m.where(m > 0)).fillna(np.inf)
    return pd.Series(np.where(cv <= x, "X", np.where(cv <= y, "Y", "Z")), index=demand.index)
