"""The fraud and review reads of :class:`~electroshop.seam.orm.ModelShopAdapter`.

A mixin over the adapter's models (``order_model``, ``customer_model``, ``review_model``) and its
helpers (``_present``, ``_demand_lines``). Point in time: every read takes the moment being scored
and returns only what existed before it. Order-identity and sign-up columns a model lacks read as
blank ("" or, for IP addresses, None), which rules and features treat as absent.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

import numpy as np
import pandas as pd
from django.db.models import F, Q

from .adapter import ORDER_ENTITY_FIELDS, ORDER_RISK_FIELDS
from .frames import in_window, order_risk_frame, to_frame, with_blanks

SIGNUP_FIELDS = ("id", "email", "created_at", "signup_ip", "signup_device_id", "signup_source", "country")


class ModelRiskReads:
    def order_for_risk(self, order_id: int) -> dict | None:
        if not 0 < order_id <= 2**63 - 1:
            return None
        present = self._present(self.order_model, ORDER_RISK_FIELDS)
        rows = self.order_model.objects.filter(pk=order_id).order_by().values(
            *present, customer_created_at=F("customer__created_at"))
        row = next(iter(rows[:1]), None)
        return None if row is None else with_blanks(row, ORDER_RISK_FIELDS)

    def orders_sharing_entities(self, *, customer_id: int | None, entities: dict, since: datetime, until: datetime,
                                exclude_order_id: int | None = None) -> list[dict]:
        """One query (OR of the entities); the entity fields of ORDER_ENTITY_FIELDS that the order model
        has, each backed by its own index in the built-in shop."""
        present = self._present(self.order_model, ORDER_ENTITY_FIELDS)
        match = Q()
        if customer_id is not None:
            match |= Q(customer_id=customer_id)
        for field, value in entities.items():
            if field in present and value not in (None, ""):
                match |= Q(**{f"{field}__iexact" if field in ("email", "shipping_address") else field: value})
        if not match:
            return []
        queryset = self.order_model.objects.filter(match, created_at__gte=since, created_at__lte=until)
        if exclude_order_id is not None:
            queryset = queryset.exclude(pk=exclude_order_id)
        fields = ["id", "customer_id", "created_at", "total", *ORDER_ENTITY_FIELDS]
        return [with_blanks(row, fields)
                for row in queryset.order_by().values("id", "customer_id", "created_at", "total", *present)]

    def orders_risk_frame(self, *, since: datetime | None = None, until: datetime) -> pd.DataFrame:
        present = self._present(self.order_model, ORDER_RISK_FIELDS)
        rows = in_window(self.order_model.objects.all(), "created_at", since=since, until=until).order_by(
            "created_at", "id").values_list(*present, "customer__created_at")
        return order_risk_frame(to_frame(rows, [*present, "customer_created_at"]))

    def order_ids_for_numbers(self, numbers: Iterable[str]) -> dict[str, tuple[int, datetime]]:
        wanted = list(dict.fromkeys(numbers))
        found: dict[str, tuple[int, datetime]] = {}
        for start in range(0, len(wanted), 500):
            rows = self.order_model.objects.filter(number__in=wanted[start:start + 500]).values_list(
                "number", "pk", "created_at")
            found.update({number: (pk, created) for number, pk, created in rows})
        return found

    def customer_for_signup(self, customer_id: int) -> dict | None:
        """Two queries; sign-up columns the customer model lacks read as blank."""
        present = self._present(self.customer_model, SIGNUP_FIELDS)
        row = self.customer_model.objects.filter(pk=customer_id).values(*present).first()
        if row is None:
            return None
        row = with_blanks(row, SIGNUP_FIELDS)
        first = (self.order_model.objects.filter(customer_id=customer_id).order_by("created_at", "pk")
                 .values_list("created_at", "total").first())
        row["first_order_at"], row["first_order_total"] = first if first else (None, None)
        return row

    def signups_frame(self, *, since: datetime, until: datetime) -> pd.DataFrame:
        """Two queries: the customers, then their orders' first time and total."""
        present = self._present(self.customer_model, SIGNUP_FIELDS)
        rows = list(self.customer_model.objects.filter(created_at__gte=since, created_at__lt=until).order_by("created_at", "pk")
                    .values(*present))
        frame = pd.DataFrame([with_blanks(row, SIGNUP_FIELDS) for row in rows], columns=list(SIGNUP_FIELDS))
        firsts: dict[int, tuple] = {}
        ids = frame["id"].tolist()
        for start in range(0, len(ids), 900):
            for customer_id, created_at, total in (self.order_model.objects.filter(customer_id__in=ids[start:start + 900])
                                                   .order_by("customer_id", "created_at", "pk")
                                                   .values_list("customer_id", "created_at", "total")):
                firsts.setdefault(customer_id, (created_at, total))
        frame["first_order_at"] = pd.to_datetime(frame["id"].map(lambda pk: firsts.get(pk, (None,))[0]), utc=True)
        frame["first_order_total"] = frame["id"].map(lambda pk: float(firsts[pk][1]) if pk in firsts else np.nan)
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
        return frame

    def signups_sharing(self, *, customer_id: int, signup_ip: str | None, device_id: str, since: datetime,
                        until: datetime) -> list[dict]:
        present = self._present(self.customer_model, ("signup_ip", "signup_device_id"))
        match = Q()
        if signup_ip and "signup_ip" in present:
            match |= Q(signup_ip=signup_ip)
        if device_id and "signup_device_id" in present:
            match |= Q(signup_device_id=device_id)
        if not match:
            return []
        rows = (self.customer_model.objects.filter(match, created_at__gte=since, created_at__lte=until)
                .exclude(pk=customer_id).order_by().values("id", "created_at", *present))
        return [with_blanks(row, ["id", "created_at", "signup_ip", "signup_device_id"]) for row in rows]

    # --- reviews -------------------------------------------------------------------------------

    def review_for_risk(self, review_id: int) -> dict | None:
        """At most four queries: whether the author bought the product before, and how many reviews the
        author and identical texts had before it."""
        if self.review_model is None:
            return super().review_for_risk(review_id)
        reviews = self.review_model.objects
        row = reviews.filter(pk=review_id).values(
            "id", "product_id", "customer_id", "rating", "title", "text", "status", "created_at"
        ).first()
        if row is None:
            return None
        earlier = reviews.filter(created_at__lt=row["created_at"])
        row["verified_purchase"] = bool(row["customer_id"]) and self._demand_lines().filter(
            order__customer_id=row["customer_id"], product_id=row["product_id"],
            order__created_at__lte=row["created_at"],
        ).exists()
        row["author_reviews_before_1d"] = 0 if not row["customer_id"] else earlier.filter(
            customer_id=row["customer_id"], created_at__gte=row["created_at"] - timedelta(days=1)
        ).count()
        text = (row["text"] or "").strip()
        row["same_text_before"] = (
            0 if len(text) < 20 else earlier.filter(text=row["text"]).exclude(pk=review_id).count())
        return row

    def review_texts(self, review_ids: Iterable[int]) -> dict[int, str]:
        if self.review_model is None:
            return super().review_texts(review_ids)
        rows = self.review_model.objects.filter(pk__in=list(review_ids)).values_list("pk", "title", "text")
        return {pk: f"{title} {text}".strip() for pk, title, text in rows}

    def review_cards(self, review_ids: Iterable[int]) -> dict[int, dict]:
        if self.review_model is None:
            return super().review_cards(review_ids)
        rows = self.review_model.objects.filter(pk__in=list(review_ids)).values_list(
            "pk", "product__name", "rating", "title", "text", "created_at")
        return {pk: {"product": product, "rating": rating, "title": title, "text": text, "created_at": created_at}
                for pk, product, rating, title, text, created_at in rows}

    def order_lines(self, order_id: int) -> list[dict]:
        if self.order_line_model is None:
            return super().order_lines(order_id)
        rows = self.order_line_model.objects.filter(order_id=order_id).order_by("pk").values_list(
            "product__sku", "product__name", "quantity", "unit_price")
        return [{"sku": sku, "name": name, "quantity": quantity, "unit_price": price} for sku, name, quantity, price in rows]

    def order_status(self, order_id: int) -> str | None:
        if "status" not in self._present(self.order_model, ["status"]):
            return None
        return self.order_model.objects.filter(pk=order_id).values_list("status", flat=True).first()

    def set_order_status(self, order_id: int, status: str, *, expected: str | None = None) -> bool:
        if "status" not in self._present(self.order_model, ["status"]):
            return False
        orders = self.order_model.objects.filter(pk=order_id)
        if expected is not None:
            orders = orders.filter(status=expected)
        return orders.update(status=status) > 0

    def set_review_status(self, review_id: int, status: str) -> bool:
        if self.review_model is None:
            return super().set_review_status(review_id, status)
        reviews = self.review_model.objects.filter(pk=review_id)
        if status == "held":
            reviews = reviews.filter(status__in=self.review_hideable_statuses)
        elif status not in ("published", "rejected"):
            raise ValueError(f"unknown review status {status!r}")
        return reviews.update(status=status) > 0
