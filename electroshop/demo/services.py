"""Writes of the demo shop: put generated column arrays into the shop tables, or clear them.

``write_demo_data`` uses PostgreSQL ``COPY`` (psycopg 3) on PostgreSQL, ``executemany`` of
pre-converted parameters on SQLite and ``bulk_create`` in large batches on anything else. Ids come
from the generator, so rows are written without reading anything back; PostgreSQL sequences are
moved past them afterwards. Rows are inserted directly: no ``save()`` and no model signals run.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models.base import ModelState

from electroshop.demo.generator import DemoData
from electroshop.shop.models import (
    Brand, Category, Customer, Event, Order, OrderLine, Product, Promotion, Review, Stock,
)
from electroshop.seam.stamps import forget_shop_stamp

# Children before parents, so deleting in this order never trips a PROTECT or a foreign key.
SHOP_MODELS_DELETE_ORDER: tuple[type[models.Model], ...] = (
    Event, Review, OrderLine, Promotion, Order, Stock, Product, Brand, Category, Customer,
)
SEQUENCED_MODELS = (Category, Brand, Product, Customer, Promotion, Order, OrderLine, Event, Review)
BATCH_ROWS = 20_000  # rows per insert call / progress update

ProgressFactory = Callable[[str, int], Any]  # (label, total rows) -> object with update(n) and close()


def shop_has_data() -> bool:
    return any(m.objects.exists() for m in (Product, Customer, Order, Event, Category))


def delete_shop_data() -> dict[str, int]:
    """Delete every row of the shop tables (what ``seed_demo --reset`` does first)."""
    deleted: dict[str, int] = {}
    with transaction.atomic():
        for model in SHOP_MODELS_DELETE_ORDER:
            _count, per_model = model.objects.all().delete()
            for label, n in per_model.items():
                deleted[label] = deleted.get(label, 0) + n
    forget_shop_stamp()
    return deleted


# ------------------------------------------------------------------------------------------------
# Columns: the generator's arrays per model attribute. Times stay int64 epoch seconds and money
# int64 pence here; ``_convert`` turns them into what each write path wants.
# ------------------------------------------------------------------------------------------------

def _nullable_ids(ids: np.ndarray) -> list[int | None]:
    return [None if i < 0 else i for i in np.asarray(ids).tolist()]


def _as_list(values: Any) -> list:
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def table_columns(data: DemoData) -> list[tuple[type[models.Model], dict[str, Any]]]:
    """Per model, attname → values (lists or arrays), in insertion order."""
    p, s, c, o, ln, e, r, pr = (data.products, data.stock, data.customers, data.orders, data.order_lines,
                                data.events, data.reviews, data.promotions)
    dwell = np.asarray(e["dwell_seconds"], dtype=float)
    n_events = len(dwell)
    return [
        (Category, {"id": data.categories["id"], "name": data.categories["name"], "slug": data.categories["slug"],
                    "parent_id": data.categories["parent_id"], "path": data.categories["path"]}),
        (Brand, {"id": data.brands["id"], "name": data.brands["name"]}),
        (Product, {k: p[k] for k in ("id", "sku", "name", "description", "attributes", "price", "currency",
                                     "category_id", "brand_id", "is_active", "created_at")}),
        (Stock, {**{k: s[k] for k in ("product_id", "on_hand", "on_order", "lead_time_days", "supplier",
                                      "pack_size", "minimum_order_quantity")},
                 "updated_at": np.full(len(s["product_id"]), data.end_ts, dtype=np.int64)}),
        (Customer, {k: c[k] for k in ("id", "user_id", "email", "name", "country", "created_at", "marketing_consent",
                                      "personalization_consent", "signup_ip", "signup_device_id", "signup_source")}),
        (Promotion, {k: pr[k] for k in ("id", "name", "product_id", "category_id", "starts_on", "ends_on",
                                        "discount_percent")}),
        (Order, {k: o[k] for k in ("id", "number", "customer_id", "email", "created_at", "status", "total",
                                   "currency", "billing_country", "shipping_country", "shipping_address",
                                   "ip_address", "ip_country", "device_id", "user_agent", "payment_method",
                                   "card_fingerprint", "card_bin", "card_last4", "card_country")}),
        (OrderLine, {"id": ln["id"], "order_id": ln["order_id"], "product_id": ln["product_id"],
                     "quantity": ln["quantity"], "unit_price": ln["unit_price"]}),
        (Event, {"id": e["id"], "customer_id": _nullable_ids(e["customer_id"]), "session_id": e["session_id"],
                 "product_id": _nullable_ids(e["product_id"]), "event_type": e["event_type"],
                 "occurred_at": e["occurred_at"], "query": e["query"], "device": e["device"],
                 "traffic_source": e["traffic_source"],
                 "dwell_seconds": [None if x != x else x for x in dwell.tolist()],  # NaN -> NULL
                 "recommendation_id": [""] * n_events, "dedupe_key": [None] * n_events}),
        (Review, {k: r[k] for k in ("id", "product_id", "customer_id", "rating", "title", "text", "status",
                                    "created_at")}),
    ]


def _timestamp_strings(ts: Any, suffix: str) -> list[str]:
    text = np.datetime_as_string(np.asarray(ts, dtype=np.int64).astype("datetime64[s]"), unit="s")
    if text.size == 0:  # an empty table (np.char.replace cannot size an empty array)
        return []
    return np.char.add(np.char.replace(text, "T", " "), suffix).tolist()


def _datetimes(seconds: Any, target: str) -> list:
    """Epoch seconds (None: NULL) as the write path wants them."""
    known = seconds if isinstance(seconds, np.ndarray) else [v for v in seconds if v is not None]
    if target == "python":
        converted = [d.replace(tzinfo=dt.UTC) for d in np.asarray(known, "datetime64[s]").tolist()]
    else:  # the database stores UTC; SQLite as naive text, like Django does
        converted = _timestamp_strings(known, "" if target == "sqlite" else "+00")
    if len(known) == len(seconds):
        return converted
    filled = iter(converted)
    return [None if v is None else next(filled) for v in seconds]


def _convert(model: type[models.Model], cols: dict[str, Any], target: str) -> dict[str, list]:
    """Values for one write path: "python" (model fields), "sqlite" (raw parameters), "copy" (COPY text)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    out: dict[str, list] = {}
    for name, values in cols.items():
        field = fields[name]
        if isinstance(field, models.DateTimeField):
            out[name] = _datetimes(values, target)
        elif isinstance(field, models.DecimalField):
            if name in ("price", "total", "unit_price"):  # pence
                text = [f"{v // 100}.{v % 100:02d}" for v in _as_list(values)]
            else:
                text = [str(v) for v in _as_list(values)]
            out[name] = [Decimal(t) for t in text] if target == "python" else text
        elif isinstance(field, models.JSONField) and target != "python":
            out[name] = [json.dumps(v) for v in values]
        elif isinstance(field, models.DateField) and target != "python":
            out[name] = [d.isoformat() for d in values]
        elif isinstance(field, models.BooleanField) and target == "sqlite":
            out[name] = [int(v) for v in _as_list(values)]
        else:
            out[name] = _as_list(values)
    return out


# ------------------------------------------------------------------------------------------------
# Writers
# ------------------------------------------------------------------------------------------------

def _instances(model: type[models.Model], names: Sequence[str], rows: Iterable[tuple]) -> list[models.Model]:
    # The generator has produced every concrete field, so fill __dict__ instead of running __init__.
    new = model.__new__
    out = []
    for row in rows:
        obj = new(model)
        d = obj.__dict__
        d.update(zip(names, row))
        d["_state"] = ModelState()
        out.append(obj)
    return out


def _bulk_create(model: type[models.Model], cols: dict[str, list], bar: Any) -> None:
    names = list(cols)
    values = [cols[k] for k in names]
    for start in range(0, len(values[0]), BATCH_ROWS):
        objs = _instances(model, names, zip(*(v[start:start + BATCH_ROWS] for v in values)))
        model.objects.bulk_create(objs, batch_size=BATCH_ROWS)
        bar.update(len(objs))


def _insert_sql(model: type[models.Model], names: Sequence[str]) -> str:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(fields[k].column) for k in names)
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"


def _executemany(model: type[models.Model], cols: dict[str, list], bar: Any) -> None:
    # bulk_create spends ~90% of its time preparing each value in Python (measured ~1-3k events/s on
    # this 2-core box); parameters converted once per column and handed to executemany are ~100x faster.
    names = list(cols)
    values = [cols[k] for k in names]
    sql = _insert_sql(model, names)
    with connection.cursor() as cursor:
        for start in range(0, len(values[0]), BATCH_ROWS):
            rows = list(zip(*(v[start:start + BATCH_ROWS] for v in values)))
            cursor.executemany(sql, rows)
            bar.update(len(rows))


def _copy(model: type[models.Model], cols: dict[str, list], bar: Any) -> None:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    names = list(cols)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(fields[k].column) for k in names)
    values = [cols[k] for k in names]
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(sql) as copy:
            for i, row in enumerate(zip(*values), start=1):
                copy.write_row(row)
                if i % BATCH_ROWS == 0:
                    bar.update(BATCH_ROWS)
    bar.update(len(values[0]) % BATCH_ROWS)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def write_method() -> str:
    """How rows are written on this database: COPY (PostgreSQL), executemany (SQLite), else bulk_create."""
    return {"postgresql": "copy", "sqlite": "sqlite"}.get(connection.vendor, "python")


def write_rows(model: type[models.Model], columns: dict[str, Any], *, progress: ProgressFactory | None = None) -> int:
    """Insert one table's columns (attname -> values, ids included) by this database's fast path.

    Times are epoch seconds, money pence; no ``save()`` and no model signals run.
    """
    target = write_method()
    writer = {"copy": _copy, "sqlite": _executemany, "python": _bulk_create}[target]
    cols = _convert(model, columns, target)
    n = len(next(iter(cols.values())))
    bar = progress(str(model._meta.verbose_name_plural), n) if progress else _NoBar()
    writer(model, cols, bar)
    bar.close()
    return n


def move_sequences_past_ids(models_written: Sequence[type[models.Model]]) -> None:
    """After inserting explicit ids on PostgreSQL, move the id sequences past them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(models_written)):
                cursor.execute(sql)


def write_demo_data(*, data: DemoData, progress: ProgressFactory | None = None) -> dict[str, int]:
    """Insert every generated row in one transaction; returns rows written per model."""
    written: dict[str, int] = {}
    with transaction.atomic():
        if connection.vendor == "sqlite":
            # A million rows update ~10 indexes of the events table: keep their pages in memory
            # (200 MB page cache for this connection) instead of re-reading them from disk.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -200000")
        for model, raw in table_columns(data):
            written[model._meta.label] = write_rows(model, raw, progress=progress)
        move_sequences_past_ids(SEQUENCED_MODELS)
    forget_shop_stamp()  # bulk writes send no model signals
    return written


def write_ground_truth(*, data: DemoData, path: Path) -> tuple[Path, Path]:
    """The fraud / fake-review labels (JSON) and, beside it, the customers' hidden tastes (CSV)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data.ground_truth, indent=1, sort_keys=True))
    tastes_path = path.with_name("customer_tastes.csv")
    with tastes_path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        names = list(data.customer_tastes)
        writer.writerow(names)
        writer.writerows(zip(*(data.customer_tastes[k] for k in names)))
    return path, tastes_path
