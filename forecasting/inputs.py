"""What the forecasting engine is given for a chunk of products: demand history and known inputs.

``chunk_history`` builds the engine's long frame for a chunk: every product has a row for every day
from the chunk's first sale (or stock-out) to the day before the origin (censored stock-out days
flagged), and the known inputs, past (so their effect is learned) and future:

* ``holiday``: 1 on the public holidays of ``FORECAST_COUNTRY`` (the ``holidays`` package; none when
  the setting is empty);
* ``promo``: the discount percent of the shop's promotions on the product or its category (0 when none);
* ``event``: 1 on the days of a merchant-entered ``ForecastEvent`` (a planned campaign, a launch) of the
  product, of its category or one of its ancestors, or of the whole shop;
* ``price``: the price in effect on a day: the average unit price of the product's last selling day
  before it (so a day's price never comes from that day's own sales), the catalogue price before the
  first sale and for the forecast days. The engine uses the price at the origin and its ratio to the
  28 days before (``forecasting.ml.models.GlobalGBM``).

``engine_settings`` reads the ``FORECAST_*`` settings that shape the engine (``forecasting.ml.config``):
``retrain forecasting`` and ``backtest_forecasts`` both pass them, so both run one configuration.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from electroshop.conf import electroshop_settings
from electroshop.seam import get_adapter

from . import selectors
from .ml.config import EngineSettings
from .models import ForecastEvent

HISTORY_DAYS = 730          # at most two years of daily history per product
PRICE_COL = "price"
INPUT_COLUMNS = ("holiday", "promo", "event", PRICE_COL)   # the order the engine sees them in


def engine_settings() -> EngineSettings:
    """The engine's settings from ``electroshop.conf`` (FORECAST_STAT_WINDOW_DAYS, ...)."""
    return EngineSettings(stat_window_days=int(electroshop_settings.FORECAST_STAT_WINDOW_DAYS),
                          auto_ets_max_series=int(electroshop_settings.FORECAST_AUTO_ETS_MAX_SERIES),
                          per_series_min_sales=int(electroshop_settings.FORECAST_PER_SERIES_MIN_SALES))


def holiday_days(start: date, end: date, country: str | None = None) -> list[date]:
    """Public holidays of ``country`` (default FORECAST_COUNTRY) in [start, end); [] when it is empty."""
    country = electroshop_settings.FORECAST_COUNTRY if country is None else country
    if not country or end <= start:
        return []
    import holidays

    try:
        calendar = holidays.country_holidays(country, years=range(start.year, end.year + 1))
    except NotImplementedError as exc:
        raise ImproperlyConfigured(f"FORECAST_COUNTRY {country!r}: not a country the holidays package knows") from exc
    return sorted(day for day in calendar if start <= day < end)


def _marks(spans: list[tuple[list[int], date, date, float]], start: date, end: date, column: str) -> pd.DataFrame:
    """[series_id, date, column]: each (products, first, last, value) span clipped to [start, end),
    the largest value where spans overlap."""
    parts = []
    for targets, first, last, value in spans:
        first, last = max(first, start), min(last, end - timedelta(days=1))
        if not targets or first > last:
            continue
        days = pd.date_range(first, last)
        parts.append(pd.DataFrame({"series_id": np.repeat(np.asarray(targets, dtype="int64"), len(days)),
                                   "date": np.tile(days.to_numpy(), len(targets)), column: float(value)}))
    if not parts:
        return pd.DataFrame(columns=["series_id", "date", column])
    return pd.concat(parts, ignore_index=True).groupby(["series_id", "date"], as_index=False)[column].max()


def _targets(product_ids: list[int], product_id, category_id, ancestors: dict[int, list[int]]) -> list[int]:
    """The chunk's products a promotion or event applies to: one product, a category with its
    subcategories, or (neither) the whole shop."""
    if product_id is not None and not pd.isna(product_id):
        return [int(product_id)] if int(product_id) in set(product_ids) else []
    if category_id is not None and not pd.isna(category_id):
        return [pid for pid in product_ids if int(category_id) in ancestors.get(pid, [])]
    return list(product_ids)


def promotion_discounts(product_ids: list[int], start: date, end: date,
                        ancestors: dict[int, list[int]]) -> pd.DataFrame:
    """[series_id, date, promo] discount percent per product and day in [start, end)."""
    promotions = get_adapter().promotions_frame()
    spans = [(_targets(product_ids, p.product_id, p.category_id, ancestors), p.starts_on.date(), p.ends_on.date(),
              p.discount_percent) for p in promotions.itertuples()]
    return _marks(spans, start, end, "promo")


def event_days(product_ids: list[int], start: date, end: date, ancestors: dict[int, list[int]]) -> pd.DataFrame:
    """[series_id, date, event] 1 on the days of the ForecastEvents that apply to each product."""
    events = ForecastEvent.objects.filter(starts_on__lt=end, ends_on__gte=start).values_list(
        "product_id", "category_id", "starts_on", "ends_on")
    spans = [(_targets(product_ids, pid, cid, ancestors), first, last, 1.0) for pid, cid, first, last in events]
    return _marks(spans, start, end, "event")


def _unit_prices(history: pd.DataFrame) -> pd.Series:
    """Average unit price of each row of ``history`` that sold (revenue / units), NaN elsewhere."""
    sold = history["y"] > 0
    return (history["revenue"] / history["y"].where(sold)).where(sold)


def daily_prices(history: pd.DataFrame, catalogue: pd.Series) -> pd.Series:
    """The price in effect on each row of a dense, (series_id, date)-sorted ``history`` with ``y`` and
    ``revenue``: the average unit price of the series' last selling day strictly before, else the
    catalogue price."""
    last = _unit_prices(history).groupby(history["series_id"]).shift(1)
    last = last.groupby(history["series_id"]).ffill()
    return last.fillna(history["series_id"].map(catalogue)).fillna(0.0).astype(float)


def origin_prices(history: pd.DataFrame, catalogue: pd.Series) -> pd.Series:
    """series_id -> the price in effect at the origin under ``daily_prices``' definition: the average
    unit price of the series' last selling day in ``history``, else (never sold) the catalogue price.
    The forecast days carry it, so the model reads price the same way in training and forecasting."""
    last = _unit_prices(history).groupby(history["series_id"]).last()
    ids = pd.Index(history["series_id"].unique())
    return last.reindex(ids).fillna(pd.Series(ids.map(catalogue), index=ids)).fillna(0.0).astype(float)


def chunk_history(*, product_ids: list[int], until: datetime, horizon: int,
                  ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(dense history [series_id, date, y, censored, inputs...], future inputs [series_id, date,
    inputs...], input columns: of ``INPUT_COLUMNS`` those that apply, ``PRICE_COL`` last)."""
    since = until - timedelta(days=HISTORY_DAYS)
    history = selectors.demand_history(product_ids=product_ids, until=until, since=since)
    origin = timezone.localdate(until)
    first = history["date"].min() if not history.empty else pd.Timestamp(origin - timedelta(days=1))
    calendar = pd.date_range(first, pd.Timestamp(origin - timedelta(days=1)))
    full = pd.MultiIndex.from_product([product_ids, calendar], names=["series_id", "date"])
    dense = (history.rename(columns={"product_id": "series_id", "units": "y"})
             .set_index(["series_id", "date"])[["y", "censored", "revenue"]].reindex(full))
    dense["y"] = dense["y"].fillna(0).astype(float)
    dense["revenue"] = dense["revenue"].fillna(0.0).astype(float)
    dense["censored"] = dense["censored"].astype("boolean").fillna(False).astype(bool)
    dense = dense.reset_index()
    future = pd.MultiIndex.from_product([product_ids, pd.date_range(origin, periods=horizon)],
                                        names=["series_id", "date"]).to_frame(index=False)
    start, end = (calendar[0].date() if len(calendar) else origin), origin + timedelta(days=horizon)
    columns = []
    holidays = pd.to_datetime(holiday_days(start, end))
    if electroshop_settings.FORECAST_COUNTRY:
        dense["holiday"] = dense["date"].isin(holidays).astype(float)
        future["holiday"] = future["date"].isin(holidays).astype(float)
        columns.append("holiday")
    ancestors = get_adapter().product_category_ids(product_ids)
    for column, marks in (("promo", promotion_discounts(product_ids, start, end, ancestors)),
                          ("event", event_days(product_ids, start, end, ancestors))):
        if marks.empty:
            continue
        marks["date"] = pd.to_datetime(marks["date"])
        marks["series_id"] = marks["series_id"].astype(dense["series_id"].dtype)
        dense = dense.merge(marks, on=["series_id", "date"], how="left").fillna({column: 0.0})
        future = future.merge(marks, on=["series_id", "date"], how="left").fillna({column: 0.0})
        columns.append(column)
    catalogue = get_adapter().products_frame(product_ids).set_index("id")["price"]
    dense[PRICE_COL] = daily_prices(dense, catalogue)
    future[PRICE_COL] = future["series_id"].map(origin_prices(dense, catalogue)).fillna(0.0)
    columns.append(PRICE_COL)
    return dense.drop(columns="revenue"), future, columns
