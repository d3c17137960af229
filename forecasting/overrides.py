"""Merchant overrides of product forecasts (``ForecastOverride``): create, list, delete, and apply
them to a fill chunk's forecasts before they are written (``ml.overrides.apply_overrides``).

An override takes effect at the next retrain (``manage.py retrain forecasting`` or the nightly
task): the served forecast, the reorder suggestion and the category sums of that version respect
it; the version being served is not changed.
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from .ml.hierarchy import interval_columns
from .ml.overrides import apply_overrides
from .models import ForecastOverride

OVERRIDE_COLUMNS = ["product_id", "starts_on", "ends_on", "units_per_day", "percent"]


def overrides_frame(*, product_ids: list[int], start: date, end: date) -> pd.DataFrame:
    """The overrides of these products touching ``[start, end)``, oldest first (the latest wins)."""
    rows = (ForecastOverride.objects.filter(product_id__in=product_ids, ends_on__gte=start, starts_on__lt=end)
            .order_by("created_at", "pk").values_list(*OVERRIDE_COLUMNS))
    return pd.DataFrame.from_records(list(rows), columns=OVERRIDE_COLUMNS)


def apply_chunk_overrides(forecasts: pd.DataFrame, *, product_ids: list[int], origin: date,
                          horizon: int) -> pd.DataFrame:
    """The chunk's forecasts [series_id, date, mean, variance, lo/hi...] with the overrides applied:
    mean and variance changed, intervals recomputed from them on the changed rows, ``model_mean``
    (the forecast before the override; NaN where unchanged) and ``overridden`` columns added."""
    overrides = overrides_frame(product_ids=product_ids, start=origin, end=origin + timedelta(days=horizon))
    out = apply_overrides(forecasts, overrides)
    changed = out["overridden"].to_numpy(bool)
    if changed.any():
        bands = interval_columns(out.loc[changed, "mean"].to_numpy(float), out.loc[changed, "variance"].to_numpy(float))
        for name, values in bands.items():
            out.loc[changed, name] = values
    return out


def model_mean_or_none(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


# --- the merchant's rows (API and admin) ----------------------------------------------------------------

def create_override(*, product_id: int, starts_on: date, ends_on: date, units_per_day: float | None = None,
                    percent: float | None = None, note: str = "", created_by: str = "") -> ForecastOverride:
    """A validated override (the caller checked the product exists); takes effect at the next retrain."""
    override = ForecastOverride(product_id=product_id, starts_on=starts_on, ends_on=ends_on,
                                units_per_day=units_per_day, percent=percent, note=note, created_by=created_by)
    override.full_clean()
    override.save()
    return override


def delete_override(override_id: int) -> ForecastOverride | None:
    """Delete the override and return it as it was (None if there is none)."""
    override = ForecastOverride.objects.filter(pk=override_id).first()
    if override is not None:
        ForecastOverride.objects.filter(pk=override_id).delete()
    return override


def list_overrides(*, product_id: int | None = None, active_on: date | None = None, limit: int = 100,
                   offset: int = 0) -> tuple[int, list[ForecastOverride]]:
    """(count, page) of overrides, the latest period first; optionally one product's, or those covering a day."""
    queryset = ForecastOverride.objects.all()
    if product_id is not None:
        queryset = queryset.filter(product_id=product_id)
    if active_on is not None:
        queryset = queryset.filter(starts_on__lte=active_on, ends_on__gte=active_on)
    return queryset.count(), list(queryset.order_by("-starts_on", "-pk")[offset:offset + limit])
