"""Writing an import: fast bulk inserts, find-or-create of catalogue rows (categories, brands,
customers, products) and closing the books inside the import's one transaction."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Any

import pandas as pd
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils.text import slugify
from tqdm import tqdm

from electroshop.conf import electroshop_settings
from electroshop.shop.models import Brand, Category, Customer, Product
from electroshop.seam.stamps import forget_shop_stamp

from .rows import BadRowLimit, ImportResult, Reasons, refusal_reason

logger = logging.getLogger(__name__)


class ImportRefused(Exception):
    """Raised inside the import's transaction to roll it back; the message says why."""


def chunks(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def lookup_chunk_size() -> int:
    """How many values one ``IN (...)`` lookup may bind."""
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        try:  # SQLite >= 3.32 allows 32766 bound parameters; older builds 999.
            limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except (AttributeError, sqlite3.Error):
            limit = 999
        return max(100, min(limit - 10, 20000))
    return 20000


def existing_values(queryset, key: str, values: Iterable[Any], *fields: str) -> list[tuple]:
    """Rows of ``queryset`` whose exact ``key`` is one of ``values``, as tuples of ``fields``."""
    values = list(dict.fromkeys(values))
    out: list[tuple] = []
    for chunk in chunks(values, lookup_chunk_size()):
        out.extend(queryset.filter(**{f"{key}__in": chunk}).values_list(*fields))
    return out


def insert_rows(model, columns: dict[str, Sequence[Any]], *, bar: tqdm | None) -> int:
    """Insert rows given as equally long value columns (field name -> values), fast.

    PostgreSQL: one COPY. Elsewhere: ``executemany`` in batches of IMPORT_BATCH_SIZE with values
    adapted once per distinct value (the ORM's per-object ``bulk_create`` costs ~10x more for the
    million rows of an online-retail import). No model instances, no signals: callers pass every
    column that has no database default.
    """
    batch_size = int(electroshop_settings.IMPORT_BATCH_SIZE)
    fields = list(columns)
    db_columns = [model._meta.get_field(name).column for name in fields]
    count = 0
    if connection.vendor == "postgresql":
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, db_columns))
        )
        with connection.cursor() as cursor:
            with cursor.cursor.copy(statement) as copy:
                for row in zip(*columns.values()):
                    copy.write_row(row)
                    count += 1
                    if bar is not None and count % batch_size == 0:
                        bar.update(batch_size)
        if bar is not None:
            bar.update(count % batch_size)
        return count
    adapted = []
    for name, values in columns.items():
        adapt = _adapter(model._meta.get_field(name))
        adapted.append(values if adapt is None else [adapt(v) for v in values])
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in db_columns)
    statement = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(fields))})"
    rows = zip(*adapted)
    with connection.cursor() as cursor:
        while batch := list(islice(rows, batch_size)):
            cursor.executemany(statement, batch)
            count += len(batch)
            if bar is not None:
                bar.update(len(batch))
    return count


@contextmanager
def _write_tuning() -> Iterator[None]:
    """On SQLite, a bigger page cache while importing: index upkeep of big tables needs it."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")  # KiB: 256 MiB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _adapter(model_field) -> Any:
    """A cached value -> database value function for fields that need adapting, else None."""
    from django.db import models

    if isinstance(model_field, models.DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
    elif isinstance(model_field, models.DecimalField):
        def adapt(value, field=model_field):
            return connection.ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
    else:
        return None
    cache: dict[Any, Any] = {}

    def cached(value: Any) -> Any:
        if value is None:
            return None
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = adapt(value)
            return result

    return cached


def create_returning_ids(model, objects: list, key: str) -> dict[Any, int]:
    """bulk_create and map each object's ``key`` to its new id (re-read if the backend returns none)."""
    batch_size = int(electroshop_settings.IMPORT_BATCH_SIZE)
    created = model.objects.bulk_create(objects, batch_size=batch_size)
    ids = {getattr(obj, key): obj.pk for obj in created}
    if any(pk is None for pk in ids.values()):
        ids = dict(existing_values(model.objects, key, list(ids), key, "pk"))
    return ids


def category_path_from_code(code: str) -> str:
    """``appliances.environment.water_heater`` -> ``Appliances/Environment/Water heater``."""
    parts = [p.strip().replace("_", " ") for p in code.split(".") if p.strip()]
    return "/".join(p[:1].upper() + p[1:] for p in parts)


def normalise_path(path: str) -> str:
    return "/".join(part.strip() for part in path.split("/") if part.strip())


def ensure_categories(*, paths: Iterable[str]) -> dict[str, int]:
    """Find or create the category trees for ``paths`` (``"Electronics/Phones"``); path -> id."""
    wanted: set[str] = set()
    for path in paths:
        parts = normalise_path(path).split("/") if path else []
        for depth in range(1, len(parts) + 1):
            wanted.add("/".join(parts[:depth]))
    if not wanted:
        return {}
    ids = dict(existing_values(Category.objects, "path", wanted, "path", "pk"))
    missing = sorted(wanted - ids.keys(), key=lambda p: (p.count("/"), p))
    by_depth: dict[int, list[str]] = {}
    for path in missing:
        by_depth.setdefault(path.count("/"), []).append(path)
    for depth in sorted(by_depth):
        objects = []
        for path in by_depth[depth]:
            parent_path, _, name = path.rpartition("/")
            objects.append(
                Category(
                    name=name[:200], slug=slugify(name)[:220] or "category", path=path, parent_id=ids.get(parent_path)
                )
            )
        ids.update(create_returning_ids(Category, objects, "path"))
    return ids


def ensure_brands(*, names: Iterable[str]) -> dict[str, int]:
    """Find or create brands by exact name; name -> id."""
    wanted = {n for n in names if n}
    if not wanted:
        return {}
    ids = dict(existing_values(Brand.objects, "name", wanted, "name", "pk"))
    missing = sorted(wanted - ids.keys())
    if missing:
        ids.update(create_returning_ids(Brand, [Brand(name=n) for n in missing], "name"))
    return ids


def ensure_customers(frame: pd.DataFrame, result: ImportResult) -> None:
    """Create the customers of ``frame`` (columns customer_id, country, created_at) that do not exist yet.

    A new customer's account dates from their first order in the file (the earliest the shop knew
    them), not from the import: fraud scoring reads an account's age at each order.
    """
    known = frame.loc[frame["customer_id"].notna(), ["customer_id", "country", "created_at"]]
    if known.empty:
        return
    countries = known.assign(country=known["country"].str.strip()).replace({"country": {"": None}})
    firsts = countries.groupby("customer_id", sort=False).agg(country=("country", "first"), since=("created_at", "min"))
    existing = {pk for (pk,) in existing_values(Customer.objects, "pk", [int(i) for i in firsts.index], "pk")}
    new = [
        Customer(id=int(pk), country=(country or "")[:100], created_at=since.to_pydatetime())
        for pk, country, since in zip(firsts.index, firsts["country"], firsts["since"])
        if int(pk) not in existing
    ]
    Customer.objects.bulk_create(new, batch_size=int(electroshop_settings.IMPORT_BATCH_SIZE))
    result.created["customers"] = len(new)
    if new:
        # Explicit ids do not move PostgreSQL's sequence: move it past them so that customers
        # created later by the shop do not collide with imported ones.
        statements = connection.ops.sequence_reset_sql(no_style(), [Customer])
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)


def ensure_products(frame: pd.DataFrame, result: ImportResult) -> dict[str, int]:
    """sku -> id for every sku of ``frame``, creating missing products.

    ``frame`` has sku, name, price_cents and optionally category, brand, attributes. A new
    product takes the last non-empty name and the last positive price of its rows.
    """
    skus = frame["sku"].unique().tolist()
    ids = dict(existing_values(Product.objects, "sku", skus, "sku", "pk"))  # exact, case-sensitive match
    new_rows = frame[~frame["sku"].isin(ids.keys())]
    if new_rows.empty:
        result.created["products"] = 0
        return ids
    names = new_rows.loc[new_rows["name"].str.strip() != ""].groupby("sku", sort=False)["name"].last()
    prices = new_rows.loc[new_rows["price_cents"].fillna(0) > 0].groupby("sku", sort=False)["price_cents"].last()
    category_ids = ensure_categories(paths=new_rows["category"].unique().tolist()) if "category" in new_rows else {}
    brand_ids = ensure_brands(names=new_rows["brand"].str.strip().unique().tolist()) if "brand" in new_rows else {}
    firsts = new_rows.drop_duplicates("sku")
    objects = []
    for row in firsts.itertuples(index=False):
        sku = row.sku
        category = normalise_path(getattr(row, "category", "") or "")
        objects.append(
            Product(
                sku=sku,
                name=str(names.get(sku, sku)).strip()[:300],
                price=Decimal(int(prices[sku])).scaleb(-2) if sku in prices.index else Decimal("0"),
                currency=electroshop_settings.CURRENCY,
                category_id=category_ids.get(category) if category else None,
                brand_id=brand_ids.get((getattr(row, "brand", "") or "").strip()),
                attributes=getattr(row, "attributes", None) or {},
            )
        )
    ids.update(create_returning_ids(Product, objects, "sku"))
    result.created["products"] = len(objects)
    return ids


def progress_bar(total: int, *, enabled: bool, desc: str) -> tqdm:
    # disable=None: tqdm switches itself off when stderr is not a terminal.
    return tqdm(total=total, desc=desc, unit="rows", unit_scale=True, disable=None if enabled else True, leave=False)


def to_pydatetimes(series: pd.Series) -> list[datetime]:
    cache: dict[Any, datetime] = {}
    out = []
    for value in series:
        converted = cache.get(value)
        if converted is None:
            converted = cache[value] = value.to_pydatetime()
        out.append(converted)
    return out


def cents_to_decimal(values: Iterable[int]) -> list[Decimal]:
    cache: dict[int, Decimal] = {}
    out = []
    for value in values:
        converted = cache.get(value)
        if converted is None:
            converted = cache[value] = Decimal(int(value)).scaleb(-2)
        out.append(converted)
    return out


@contextmanager
def import_transaction(result: ImportResult) -> Iterator[None]:
    """The import's one transaction; a refusal (see ``settle``) rolls it back and is recorded on ``result``."""
    try:
        with transaction.atomic(), _write_tuning():
            yield
    except ImportRefused as refused:
        result.refuse(str(refused))


def settle(
    result: ImportResult, reasons: Reasons, *, imported: int, duplicates: int, max_bad_rows: BadRowLimit | None
) -> None:
    """Close the books as the last step inside the import's transaction.

    A miscount (a bug, not a data problem) raises RuntimeError and a refused import raises
    ImportRefused: either way the transaction rolls back and nothing of the file is kept.
    """
    result.imported = imported
    result.duplicates = duplicates
    result.bad_rows = sorted(result.bad_rows + reasons.bad_rows(), key=lambda b: b.line)
    _check_accounting(result)
    refusal = refusal_reason(result, max_bad_rows)
    if refusal:
        raise ImportRefused(refusal)
    forget_shop_stamp()  # bulk writes send no model signals: answers cached from shop data are stale


def _check_accounting(result: ImportResult) -> None:
    accounted = result.imported + result.bad + result.duplicates + result.skipped
    if accounted != result.data_lines:  # a bug, not a data problem: never report a wrong count
        raise RuntimeError(f"import accounted for {accounted} rows out of {result.data_lines} data lines")


def finish_result(result: ImportResult) -> ImportResult:
    logger.debug("import finished: %s (%s skipped; created %s)", result.summary_line(), result.skipped, result.created)
    return result
