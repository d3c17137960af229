"""The fraud and review reads of the Oscar adapter (a mixin of ``OscarShopAdapter``).

An order's identities are what Oscar keeps: the user or guest email, the shipping address (line 1,
town, postcode and country, as one text) and the billing and shipping countries; the payment
method is the code of the order's first payment source type. Oscar records no IP address,
device, user agent or card details, so those read as blank and the rules using them stay silent.

Reviews are ``reviews.ProductReview``: score is the rating, body the text; Oscar's statuses map
"requires moderation" to "pending", "approved" to "published", "rejected" to "rejected".
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

import pandas as pd
from django.db.models import Case, CharField, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat, NullIf
from oscar.core.loading import get_model

from electroshop.seam.adapter import ORDER_ENTITY_FIELDS, ORDER_RISK_FIELDS
from electroshop.seam.frames import in_window, order_risk_frame, to_frame, with_blanks

from .conf import oscar_setting

Order = get_model("order", "Order")
Source = get_model("payment", "Source")
ProductReview = get_model("reviews", "ProductReview")

# The risk fields Oscar has (annotated below); the others read as blank.
ORDER_FIELDS = ("id", "number", "customer_id", "email", "created_at", "status", "total", "currency",
                "billing_country", "shipping_country", "shipping_text", "payment_method")
REVIEW_STATUS = {ProductReview.FOR_MODERATION: "pending", ProductReview.APPROVED: "published",
                 ProductReview.REJECTED: "rejected"}
SEAM_REVIEW_STATUS = {"held": ProductReview.FOR_MODERATION, "published": ProductReview.APPROVED,
                      "rejected": ProductReview.REJECTED}


def _with_blanks(row: dict, fields: Iterable[str]) -> dict:
    """``row`` (shipping_text as shipping_address) with the fields Oscar lacks blank, in ``fields`` order."""
    if "shipping_text" in row:
        row["shipping_address"] = row.pop("shipping_text")
    return with_blanks(row, fields)


class OscarRiskReads:
    """Order identities for fraud scoring and product reviews for review scoring."""

    def _risk_orders(self) -> QuerySet:
        address = Concat("shipping_address__line1", Value(", "), "shipping_address__line4", Value(", "),
                         "shipping_address__postcode", Value(", "), "shipping_address__country_id",
                         output_field=CharField())
        return Order.objects.annotate(
            customer_id=F("user_id"),
            email=Coalesce(NullIf("user__email", Value("")), "guest_email", Value("")),
            created_at=F("date_placed"),
            total=F("total_incl_tax"),
            billing_country=Coalesce("billing_address__country_id", Value("")),
            shipping_country=Coalesce("shipping_address__country_id", Value("")),
            # "shipping_address" is Oscar's foreign key: the text is renamed by _with_blanks
            shipping_text=Case(When(shipping_address__isnull=True, then=Value("")), default=address),
            payment_method=Coalesce(Subquery(Source.objects.filter(order_id=OuterRef("pk")).order_by("pk")
                                             .values("source_type__code")[:1]), Value("")),
            customer_created_at=F("user__date_joined"),
        )

    # --- fraud ---------------------------------------------------------------------------------

    def order_for_risk(self, order_id: int) -> dict | None:
        if not 0 < order_id <= 2**63 - 1:
            return None
        row = self._risk_orders().filter(pk=order_id).values(*ORDER_FIELDS, "customer_created_at").first()
        return None if row is None else _with_blanks(row, ORDER_RISK_FIELDS)

    def orders_sharing_entities(self, *, customer_id: int | None, entities: dict, since: datetime, until: datetime,
                                exclude_order_id: int | None = None) -> list[dict]:
        match = Q(user_id=customer_id) if customer_id is not None else Q()
        for field, lookup in (("email", "email"), ("shipping_address", "shipping_text")):
            if entities.get(field):
                match |= Q(**{f"{lookup}__iexact": entities[field]})
        if not match:
            return []
        orders = self._risk_orders().filter(match, date_placed__gte=since, date_placed__lte=until)
        if exclude_order_id is not None:
            orders = orders.exclude(pk=exclude_order_id)
        fields = ["id", "customer_id", "created_at", "total", *ORDER_ENTITY_FIELDS]
        return [_with_blanks(row, fields) for row in orders.order_by().values(
            "id", "customer_id", "created_at", "total", "email", "shipping_text")]

    def orders_risk_frame(self, *, since: datetime | None = None, until: datetime) -> pd.DataFrame:
        rows = in_window(self._risk_orders(), "date_placed", since=since, until=until).order_by(
            "date_placed", "id").values_list(*ORDER_FIELDS, "customer_created_at")
        frame = to_frame(rows, [*ORDER_FIELDS, "customer_created_at"]).rename(columns={"shipping_text": "shipping_address"})
        return order_risk_frame(frame)

    def order_ids_for_numbers(self, numbers: Iterable[str]) -> dict[str, tuple[int, datetime]]:
        wanted = list(dict.fromkeys(numbers))
        found: dict[str, tuple[int, datetime]] = {}
        for start in range(0, len(wanted), 500):
            rows = Order.objects.filter(number__in=wanted[start:start + 500]).values_list("number", "pk", "date_placed")
            found.update({number: (pk, placed) for number, pk, placed in rows})
        return found

    # --- reviews -------------------------------------------------------------------------------

    def _reviews(self) -> QuerySet:
        return ProductReview.objects.annotate(customer_id=F("user_id"), rating=F("score"), text=F("body"),
                                              created_at=F("date_created"))

    def review_for_risk(self, review_id: int) -> dict | None:
        row = self._reviews().filter(pk=review_id).values(
            "id", "product_id", "customer_id", "rating", "title", "text", "status", "created_at").first()
        if row is None:
            return None
        row["status"] = REVIEW_STATUS.get(row["status"], "pending")
        earlier = ProductReview.objects.filter(date_created__lt=row["created_at"])
        author = row["customer_id"]
        row["verified_purchase"] = bool(author) and self._demand_lines().filter(
            order__user_id=author, product_id=row["product_id"], order__date_placed__lte=row["created_at"]).exists()
        row["author_reviews_before_1d"] = 0 if not author else earlier.filter(
            user_id=author, date_created__gte=row["created_at"] - timedelta(days=1)).count()
        text = (row["text"] or "").strip()
        row["same_text_before"] = 0 if len(text) < 20 else earlier.filter(body=row["text"]).exclude(pk=review_id).count()
        return row

    def review_texts(self, review_ids: Iterable[int]) -> dict[int, str]:
        rows = ProductReview.objects.filter(pk__in=list(review_ids)).values_list("pk", "title", "body")
        return {pk: f"{title} {body}".strip() for pk, title, body in rows}

    def review_cards(self, review_ids: Iterable[int]) -> dict[int, dict]:
        rows = self._reviews().filter(pk__in=list(review_ids)).annotate(
            product_name=Coalesce(NullIf("product__title", Value("")), "product__parent__title", Value(""))
        ).values_list("pk", "product_name", "rating", "title", "text", "created_at")
        return {pk: {"product": product, "rating": rating, "title": title, "text": text, "created_at": created_at}
                for pk, product, rating, title, text, created_at in rows}

    def set_review_status(self, review_id: int, status: str) -> bool:
        """Writes Oscar's review only when ``ELECTROSHOP_OSCAR["HOLD_REVIEWS"]`` is True (default
        False: nothing is written, False returned; the assessment and the moderation queue are the
        plugin's own tables). Then "held" puts an approved review back into moderation, which hides
        it in Oscar (a review awaiting moderation already is), and "published" / "rejected" set
        Oscar's status. Saved one by one: Oscar's review save updates the product's rating."""
        if status not in SEAM_REVIEW_STATUS:
            raise ValueError(f"unknown review status {status!r}")
        if not oscar_setting("HOLD_REVIEWS"):
            return False
        reviews = ProductReview.objects.filter(pk=review_id).exclude(status=SEAM_REVIEW_STATUS[status])
        if status == "held":
            reviews = reviews.filter(status=ProductReview.APPROVED)
        changed = False
        for review in reviews:
            review.status = SEAM_REVIEW_STATUS[status]
            review.save()
            changed = True
        return changed
