"""Order importers: the UCI Online Retail file and the generic order file (see the package docstring)."""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum

from electroshop.conf import electroshop_settings
from electroshop.seam.adapter import ORDER_SESSION_PREFIX
from electroshop.shop.models import Event, Order, OrderLine

from .dates import parse_datetimes
from .identities import IDENTITY_COLUMNS, identity_fields, order_identities
from .rows import (
    BadRowLimit, ImportFileError, ImportResult, Reasons, customer_ids, flag_too_long, parse_cents, parse_int, read_csv,
    until_timestamp,
)
from .writing import (
    cents_to_decimal, chunks, create_returning_ids, ensure_customers, ensure_products, existing_values, finish_result,
    import_transaction, insert_rows, lookup_chunk_size, normalise_path, progress_bar, settle, to_pydatetimes,
)

# Purchase events mirrored from order lines carry this dedupe_key prefix; the adapter's interactions skip them.
ORDER_EVENT_KEY_PREFIX = "order:"

ONLINE_RETAIL_COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
GENERIC_ORDER_COLUMNS = ["order_id", "customer_id", "sku", "quantity", "unit_price", "ordered_at"]
GENERIC_ORDER_OPTIONAL = ["product_name", "category", "brand", "country", *IDENTITY_COLUMNS]
ORDER_FORMATS = ("online-retail", "generic")


def _order_line_key(number: str, sku: str, quantity: int, cents: int) -> str:
    key = f"{ORDER_EVENT_KEY_PREFIX}{number}:{sku}:{quantity}:{Decimal(cents).scaleb(-2)}"
    if len(key) > 128:
        key = ORDER_EVENT_KEY_PREFIX + hashlib.sha1(key.encode()).hexdigest()
    return key


def _import_order_frame(
    frame: pd.DataFrame,
    reasons: Reasons,
    result: ImportResult,
    *,
    until: date | datetime | None,
    max_bad_rows: BadRowLimit | None,
    progress: bool,
) -> None:
    """Write the order rows of a canonical frame.

    Canonical columns: line, number, sku, quantity (positive int), price_cents, created_at (UTC),
    customer_id (Int64, NA = guest), country, name, category, brand, cancelled (bool).
    """
    # An order has one customer: rows disagreeing with the first valid row of their order are bad.
    valid = ~reasons.bad_mask
    first_customer = frame[valid].drop_duplicates("number").set_index("number")["customer_id"]
    expected = frame["number"].map(first_customer).astype("Float64").fillna(-1)
    differs = valid & (frame["customer_id"].astype("Float64").fillna(-1) != expected)
    reasons.flag(differs, "customer differs from the first row of order " + frame["number"])

    cutoff = until_timestamp(until)
    good = ~reasons.bad_mask
    if cutoff is not None:
        skipped = good & (frame["created_at"] >= cutoff)
        result.skipped = int(skipped.sum())
        good &= ~skipped
    rows = frame[good]
    rows = rows.assign(quantity=rows["quantity"].astype("int64"), price_cents=rows["price_cents"].astype("int64"))

    key = ["number", "sku", "quantity", "price_cents"]
    in_file_duplicate = rows.duplicated(subset=key)
    duplicates = int(in_file_duplicate.sum())
    rows = rows[~in_file_duplicate]

    with import_transaction(result):
        # Orders that already exist: their customer must match, their lines count as duplicates.
        existing_orders = {
            number: (pk, customer_id, status)
            for number, pk, customer_id, status in existing_values(
                Order.objects, "number", rows["number"].unique().tolist(), "number", "pk", "customer_id", "status"
            )
        }
        if existing_orders:
            db_customer = rows["number"].map({n: c for n, (_, c, _) in existing_orders.items()})
            in_db = rows["number"].isin(existing_orders.keys())
            conflict = in_db & (rows["customer_id"].astype("Float64").fillna(-1) != db_customer.astype("Float64").fillna(-1))
            if conflict.any():
                reasons.flag(
                    pd.Series(frame.index.isin(rows.index[conflict]), index=frame.index),
                    "customer differs from the customer of existing order " + frame["number"],
                )
                rows = rows[~conflict]

        ensure_customers(rows, result)
        product_ids = ensure_products(rows, result)
        rows = rows.assign(product_id=rows["sku"].map(product_ids).astype("int64"))

        if existing_orders:
            existing_pks = [pk for pk, _, _ in existing_orders.values()]
            have = {
                (order_id, product_id, quantity, int(round(price * 100)))
                for order_id, product_id, quantity, price in existing_values(
                    OrderLine.objects, "order_id", existing_pks, "order_id", "product_id", "quantity", "unit_price"
                )
            }
            order_pk = rows["number"].map({n: pk for n, (pk, _, _) in existing_orders.items()})
            in_db = pd.Series(
                [
                    pk == pk and (int(pk), p, q, c) in have
                    for pk, p, q, c in zip(order_pk, rows["product_id"], rows["quantity"], rows["price_cents"])
                ],
                index=rows.index,
                dtype=bool,
            )
            duplicates += int(in_db.sum())
            rows = rows[~in_db]

        # New orders: one per number, earliest time, status from the invoice prefix.
        new_numbers = rows.loc[~rows["number"].isin(existing_orders.keys())]
        orders: list[Order] = []
        if not new_numbers.empty:
            amounts = new_numbers["quantity"] * new_numbers["price_cents"]
            grouped = new_numbers.assign(amount=amounts).groupby("number", sort=False)
            with_identities = all(column in new_numbers for column in IDENTITY_COLUMNS)
            heads = grouped.agg(
                created_at=("created_at", "min"),
                customer_id=("customer_id", "first"),
                country=("country", "first"),
                cancelled=("cancelled", "first"),
                total=("amount", "sum"),
                **({column: (column, "first") for column in IDENTITY_COLUMNS} if with_identities else {}),
            )
            for head in heads.itertuples():
                number = head.Index
                country = (head.country or "").strip()[:100]
                fields = {"billing_country": country, "shipping_country": country}
                if with_identities:  # a file's billing / shipping country wins over its country
                    fields.update({k: v for k, v in identity_fields(head).items() if v or k not in fields})
                orders.append(
                    Order(
                        number=number,
                        customer_id=None if pd.isna(head.customer_id) else int(head.customer_id),
                        created_at=head.created_at.to_pydatetime(),
                        status=Order.Status.CANCELLED if head.cancelled else Order.Status.COMPLETED,
                        total=Decimal(int(head.total)).scaleb(-2),
                        currency=electroshop_settings.CURRENCY,
                        **fields,
                    )
                )
        order_ids = {n: pk for n, (pk, _, _) in existing_orders.items()}
        order_ids.update(create_returning_ids(Order, orders, "number"))
        result.created["orders"] = len(orders)
        cancelled = {n for n, (_, _, s) in existing_orders.items() if s in (Order.Status.CANCELLED, Order.Status.REFUNDED)}
        cancelled |= {o.number for o in orders if o.status == Order.Status.CANCELLED}

        rows = rows.assign(order_id=rows["number"].map(order_ids).astype("int64"))
        is_purchase = ~rows["number"].isin(cancelled)
        purchases = rows[is_purchase]
        bar = progress_bar(len(rows) + len(purchases), enabled=progress, desc="orders")
        with bar:
            insert_rows(
                OrderLine,
                {
                    "order_id": rows["order_id"].tolist(),
                    "product_id": rows["product_id"].tolist(),
                    "quantity": rows["quantity"].tolist(),
                    "unit_price": cents_to_decimal(rows["price_cents"]),
                },
                bar=bar,
            )
            keys = [
                _order_line_key(n, s, q, c)
                for n, s, q, c in zip(purchases["number"], purchases["sku"], purchases["quantity"], purchases["price_cents"])
            ]
            sessions = (ORDER_SESSION_PREFIX + purchases["number"]).tolist()
            # Mirrored events of these orders already in the database (e.g. their lines were deleted).
            already = {
                key
                for (key,) in existing_values(
                    Event.objects.filter(dedupe_key__startswith=ORDER_EVENT_KEY_PREFIX), "session_id", sessions, "dedupe_key"
                )
            }
            keep = [key not in already for key in keys] if already else None
            size = len(keys)
            event_columns = {
                "customer_id": [None if pd.isna(c) else int(c) for c in purchases["customer_id"]],
                "session_id": sessions,
                "product_id": purchases["product_id"].tolist(),
                "event_type": [Event.Type.PURCHASE.value] * size,
                "occurred_at": to_pydatetimes(purchases["created_at"]),
                "query": [""] * size,
                "device": [""] * size,
                "traffic_source": [""] * size,
                "dwell_seconds": [None] * size,
                "recommendation_id": [""] * size,
                "dedupe_key": keys,
            }
            if keep is not None:
                event_columns = {name: [v for v, k in zip(values, keep) if k] for name, values in event_columns.items()}
            events = insert_rows(Event, event_columns, bar=bar)
        result.created["order_lines"] = len(rows)
        result.created["events"] = events

        # Orders that existed and got new lines: recompute their totals from all their lines.
        touched = sorted(set(rows.loc[rows["number"].isin(existing_orders.keys()), "order_id"].tolist()))
        if touched:
            line_total = (
                OrderLine.objects.filter(order=OuterRef("pk"))
                .values("order")
                .annotate(
                    s=Sum(ExpressionWrapper(F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=14, decimal_places=2)))
                )
                .values("s")
            )
            for chunk in chunks(touched, lookup_chunk_size()):
                Order.objects.filter(pk__in=chunk).update(total=Subquery(line_total))

        settle(result, reasons, imported=len(rows), duplicates=duplicates, max_bad_rows=max_bad_rows)


def import_online_retail_orders(
    *,
    path: str | Path,
    until: date | datetime | None = None,
    date_format: str | None = None,
    max_bad_rows: BadRowLimit | None = None,
    progress: bool = False,
) -> ImportResult:
    """Import the UCI Online Retail file (see the package docstring for the mapping and bad rows)."""
    frame, bad, data_lines = read_csv(Path(path), required=ONLINE_RETAIL_COLUMNS)
    result = ImportResult(data_lines=data_lines, bad_rows=bad)
    reasons = Reasons(frame)
    number = frame["InvoiceNo"].str.strip()
    sku = frame["StockCode"]  # verbatim: SKUs are case-sensitive and kept as written
    reasons.flag(number == "", "empty InvoiceNo")
    reasons.flag(sku.str.strip() == "", "empty StockCode")
    flag_too_long(reasons, "InvoiceNo", 64)
    flag_too_long(reasons, "StockCode", 64)
    quantity, bad_quantity = parse_int(frame["Quantity"])
    reasons.flag(bad_quantity | quantity.isna(), "unparsable Quantity " + reasons.value("Quantity"))
    cancelled = number.str.upper().str.startswith("C")
    reasons.flag(quantity == 0, "Quantity is 0")
    reasons.flag(
        (quantity < 0) & ~cancelled,
        "negative Quantity " + reasons.value("Quantity") + " on invoice " + number + ", which is not a cancellation",
    )
    price_cents = parse_cents(frame["UnitPrice"], reasons, "UnitPrice", required=True)
    created_at = parse_datetimes(frame["InvoiceDate"], reasons, "InvoiceDate", date_format=date_format)
    customer_id = customer_ids(frame["CustomerID"], reasons, "CustomerID")
    canonical = pd.DataFrame(
        {
            "line": frame["line"],
            "number": number,
            "sku": sku,
            "quantity": quantity.abs(),
            "price_cents": price_cents,
            "created_at": created_at,
            "customer_id": customer_id,
            "country": frame["Country"],
            "name": frame["Description"],
            "cancelled": cancelled,
        }
    )
    _import_order_frame(canonical, reasons, result, until=until, max_bad_rows=max_bad_rows, progress=progress)
    return finish_result(result)


def import_generic_orders(
    *,
    path: str | Path,
    until: date | datetime | None = None,
    date_format: str | None = None,
    max_bad_rows: BadRowLimit | None = None,
    progress: bool = False,
) -> ImportResult:
    """Import a generic order file: order_id, customer_id, sku, quantity, unit_price, ordered_at
    (+ optional product_name, category ``A/B/C``, brand, country, and the order identities fraud
    scoring uses: :data:`IDENTITY_COLUMNS`). All orders get status completed."""
    frame, bad, data_lines = read_csv(Path(path), required=GENERIC_ORDER_COLUMNS, optional=GENERIC_ORDER_OPTIONAL)
    result = ImportResult(data_lines=data_lines, bad_rows=bad)
    reasons = Reasons(frame)
    number = frame["order_id"].str.strip()
    sku = frame["sku"]
    reasons.flag(number == "", "empty order_id")
    reasons.flag(sku.str.strip() == "", "empty sku")
    flag_too_long(reasons, "order_id", 64)
    flag_too_long(reasons, "sku", 64)
    quantity, bad_quantity = parse_int(frame["quantity"])
    reasons.flag(bad_quantity | quantity.isna(), "unparsable quantity " + reasons.value("quantity"))
    reasons.flag(quantity == 0, "quantity is 0")
    reasons.flag(quantity < 0, "negative quantity " + reasons.value("quantity"))
    price_cents = parse_cents(frame["unit_price"], reasons, "unit_price", required=True)
    created_at = parse_datetimes(frame["ordered_at"], reasons, "ordered_at", date_format=date_format)
    customer_id = customer_ids(frame["customer_id"], reasons, "customer_id")
    flag_too_long(reasons, "category", 1000)
    flag_too_long(reasons, "brand", 200)
    identities = order_identities(frame, reasons)
    canonical = pd.DataFrame(
        {
            "line": frame["line"],
            "number": number,
            "sku": sku,
            "quantity": quantity,
            "price_cents": price_cents,
            "created_at": created_at,
            "customer_id": customer_id,
            "country": frame["country"],
            "name": frame["product_name"],
            "category": frame["category"].map(normalise_path),
            "brand": frame["brand"].str.strip(),
            "cancelled": False,
            **identities,
        }
    )
    _import_order_frame(canonical, reasons, result, until=until, max_bad_rows=max_bad_rows, progress=progress)
    return finish_result(result)


def import_orders(
    *,
    path: str | Path,
    format: str,
    until: date | datetime | None = None,
    date_format: str | None = None,
    max_bad_rows: BadRowLimit | None = None,
    progress: bool = False,
) -> ImportResult:
    """Dispatch on ``format`` (``online-retail`` or ``generic``)."""
    importer = {"online-retail": import_online_retail_orders, "generic": import_generic_orders}.get(format)
    if importer is None:
        raise ImportFileError(f"unknown order format {format!r}; choose one of {', '.join(ORDER_FORMATS)}")
    return importer(path=path, until=until, date_format=date_format, max_bad_rows=max_bad_rows, progress=progress)
