"""The order, demand and interaction reads of the Oscar adapter (a mixin of ``OscarShopAdapter``).

Demand is Oscar's order lines (``order.Line``: product, quantity, ``unit_price_incl_tax``) of
orders placed (``date_placed``) by a user or a guest, except orders whose status is one of
``ELECTROSHOP_OSCAR["NOT_DEMAND_STATUSES"]``. Lines whose product was deleted are left out.
Browsing is Oscar's own records, unioned with the plugin's events table (``seam.Event``: what
the storefront widgets and the events API record): ``analytics.UserProductView`` rows are views
and basket lines of signed-in users' baskets are cart events (session ``basket:<basket id>``).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

import pandas as pd
from django.db.models import F, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from oscar.core.loading import get_model

from electroshop.seam.adapter import INTERACTION_COLUMNS, ORDER_LINE_COLUMNS, ORDER_SESSION_PREFIX, EventType
from electroshop.seam.frames import in_window, to_compact_frame, to_frame

from .conf import oscar_setting

Order = get_model("order", "Order")
Line = get_model("order", "Line")
BasketLine = get_model("basket", "Line")
ProductCategory = get_model("catalogue", "ProductCategory")
UserProductView = get_model("analytics", "UserProductView")

BASKET_SESSION_PREFIX = "basket:"


class OscarOrderReads:
    """Orders, demand and interactions over Oscar's order, basket and analytics apps."""

    def not_demand_statuses(self) -> tuple[str, ...]:
        return tuple(oscar_setting("NOT_DEMAND_STATUSES"))

    def _demand_lines(self) -> QuerySet:
        return Line.objects.filter(product_id__isnull=False).exclude(order__status__in=self.not_demand_statuses())

    def _placed_in(self, queryset: QuerySet, *, since: datetime | None, until: datetime | None) -> QuerySet:
        return in_window(queryset, "order__date_placed", since=since, until=until)

    # --- interactions --------------------------------------------------------------------------

    def interactions_frame(self, *, since: datetime | None = None, until: datetime) -> pd.DataFrame:
        lines = self._placed_in(self._demand_lines(), since=since, until=until).values_list(
            "order__user_id", "order__number", "product_id", "order__date_placed", "quantity")
        purchases = to_compact_frame(lines, ["customer_id", "number", "product_id", "occurred_at", "quantity"],
                                     datetimes=["occurred_at"])
        purchases.insert(1, "session_id", ORDER_SESSION_PREFIX + purchases.pop("number").astype(str))
        purchases.insert(3, "event_type", EventType.PURCHASE.value)

        views = in_window(UserProductView.objects.all(), "date_created", since=since, until=until).values_list(
            "user_id", "product_id", "date_created")
        viewed = to_compact_frame(views, ["customer_id", "product_id", "occurred_at"], datetimes=["occurred_at"])
        viewed["session_id"], viewed["event_type"] = "", EventType.VIEW.value

        carts = in_window(BasketLine.objects.filter(basket__owner_id__isnull=False, product_id__isnull=False),
                          "date_created", since=since, until=until).values_list(
            "basket__owner_id", "basket_id", "product_id", "date_created")
        carted = to_compact_frame(carts, ["customer_id", "basket_id", "product_id", "occurred_at"],
                                  datetimes=["occurred_at"])
        carted["session_id"] = BASKET_SESSION_PREFIX + carted.pop("basket_id").astype(str)
        carted["event_type"] = EventType.CART.value

        events = in_window(self.event_model.objects.filter(product_id__isnull=False), "occurred_at", since=since,
                           until=until).order_by().values_list(*INTERACTION_COLUMNS[:-1])
        logged = to_compact_frame(events, INTERACTION_COLUMNS[:-1], datetimes=["occurred_at"])
        for browsing in (viewed, carted, logged):
            browsing["quantity"] = 1

        parts = [part[INTERACTION_COLUMNS] for part in (purchases, viewed, carted, logged) if not part.empty]
        frame = pd.concat(parts, ignore_index=True) if parts else logged[INTERACTION_COLUMNS]
        frame = frame.astype({"customer_id": "Int64", "product_id": "int64", "quantity": "int64"})
        frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
        return frame.sort_values("occurred_at", kind="stable").reset_index(drop=True)

    # --- orders and demand ---------------------------------------------------------------------

    def order_lines_frame(self, *, until: datetime, since: datetime | None = None) -> pd.DataFrame:
        lines = self._placed_in(Line.objects.filter(product_id__isnull=False), since=since, until=until)
        rows = lines.values_list("order_id", "order__number", "order__user_id", "product_id", "quantity",
                                 "unit_price_incl_tax", "order__date_placed", "order__status")
        frame = to_frame(rows, ORDER_LINE_COLUMNS)
        frame = frame.astype({"customer_id": "Int64", "quantity": "int64", "unit_price": "float64"})
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
        return frame.sort_values(["created_at", "order_id"], kind="stable").reset_index(drop=True)

    def _daily(self, queryset: QuerySet, *, since: datetime | None, until: datetime, revenue: bool) -> pd.DataFrame:
        sums = {"units": Sum("quantity")}
        if revenue:
            sums["revenue"] = Sum(F("quantity") * F("unit_price_incl_tax"))
        rows = (self._placed_in(queryset, since=since, until=until)
                .annotate(date=TruncDate("order__date_placed")).values("product_id", "date").annotate(**sums)
                .order_by("product_id", "date").values_list("product_id", "date", *sums))
        frame = to_frame(rows, ["product_id", "date", *sums])
        frame["date"] = pd.to_datetime(frame["date"])
        return frame.astype({"product_id": "int64", "units": "int64", **({"revenue": "float64"} if revenue else {})})

    def daily_units_frame(self, *, until: datetime, since: datetime | None = None) -> pd.DataFrame:
        return self._daily(self._demand_lines(), since=since, until=until, revenue=False)

    def daily_units_for_products(self, *, product_ids: Iterable[int], until: datetime,
                                 since: datetime | None = None) -> pd.DataFrame:
        lines = self._demand_lines().filter(product_id__in=list(product_ids))
        return self._daily(lines, since=since, until=until, revenue=True)

    def product_revenue(self, *, until: datetime, since: datetime | None = None) -> dict[int, float]:
        rows = (self._placed_in(self._demand_lines(), since=since, until=until)
                .values("product_id").annotate(revenue=Sum(F("quantity") * F("unit_price_incl_tax"))).order_by()
                .values_list("product_id", "revenue"))
        return {pid: float(revenue or 0) for pid, revenue in rows}

    def recent_daily_units(self, *, until: datetime, since: datetime, product_id: int | None = None,
                           category_ids: Iterable[int] | None = None) -> list[tuple]:
        """A category's products are those listed in it, and the children of those listed in it."""
        queryset = self._demand_lines()
        if product_id is not None:
            queryset = queryset.filter(product_id=product_id)
        elif category_ids is not None:
            listed = ProductCategory.objects.filter(category_id__in=list(category_ids)).values("product_id")
            queryset = queryset.filter(Q(product_id__in=listed) | Q(product__parent_id__in=listed))
        rows = (self._placed_in(queryset, since=since, until=until).annotate(date=TruncDate("order__date_placed"))
                .values("date").annotate(units=Sum("quantity")).order_by("date").values_list("date", "units"))
        return list(rows)

    def popular_products_uncached(self, *, days: int, limit: int) -> list[tuple[int, float]]:
        latest = Order.objects.aggregate(latest=Max("date_placed"))["latest"]
        if latest is None:
            return []
        rows = (self._demand_lines().filter(order__date_placed__gte=latest - timedelta(days=days))
                .values("product_id").annotate(units=Sum("quantity")).order_by("-units", "product_id")[:limit])
        return [(row["product_id"], float(row["units"])) for row in rows]

    def purchased_product_ids(self, customer_id: int) -> list[int]:
        return sorted(set(self._demand_lines().filter(order__user_id=customer_id).values_list("product_id", flat=True)))

    def purchase_times(self, customer_id: int) -> dict[int, list[datetime]]:
        out: dict[int, list[datetime]] = {}
        for product_id, placed in (self._demand_lines().filter(order__user_id=customer_id)
                                   .order_by("order__date_placed").values_list("product_id", "order__date_placed")):
            out.setdefault(product_id, []).append(placed)
        return out

    def order_product_ids(self, order_id: int) -> list[int]:
        """The products of an order's lines (for the live lists of order_placed)."""
        return sorted(set(Line.objects.filter(order_id=order_id, product_id__isnull=False)
                          .values_list("product_id", flat=True)))
