"""Merchant-entered events (``ForecastEvent``: a planned campaign, a launch): create, list, delete.

An event is a known input of the forecast (``inputs.event_days``): the engine learns the uplift of past
events and applies it on the days of future ones. It takes effect at the next retrain.
"""
from __future__ import annotations

from datetime import date

from .models import ForecastEvent


def create_event(*, name: str, kind: str, starts_on: date, ends_on: date, product_id: int | None = None,
                 category_id: int | None = None) -> ForecastEvent:
    """A validated event of a product, a category (with its subcategories) or, with neither, the whole
    shop (the caller checked the product or category exists)."""
    event = ForecastEvent(name=name, kind=kind, starts_on=starts_on, ends_on=ends_on, product_id=product_id,
                          category_id=category_id)
    event.full_clean()
    event.save()
    return event


def delete_event(event_id: int) -> ForecastEvent | None:
    """Delete the event and return it as it was (None if there is none)."""
    event = ForecastEvent.objects.filter(pk=event_id).first()
    if event is not None:
        ForecastEvent.objects.filter(pk=event_id).delete()
    return event


def list_events(*, product_id: int | None = None, category_id: int | None = None, active_on: date | None = None,
                limit: int = 100, offset: int = 0) -> tuple[int, list[ForecastEvent]]:
    """(count, page) of events, the latest period first; optionally one product's or category's (as
    entered: a category's events are not listed under its products), or those covering a day."""
    queryset = ForecastEvent.objects.all()
    if product_id is not None:
        queryset = queryset.filter(product_id=product_id)
    if category_id is not None:
        queryset = queryset.filter(category_id=category_id)
    if active_on is not None:
        queryset = queryset.filter(starts_on__lte=active_on, ends_on__gte=active_on)
    return queryset.count(), list(queryset.order_by("-starts_on", "-pk")[offset:offset + limit])
