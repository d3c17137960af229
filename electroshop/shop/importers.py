"""CSV importers for the shop's data: orders (online-retail, generic) and events (rees46, generic).

Every importer is one service function with keyword-only arguments that returns an
``ImportResult``. The management commands ``import_orders`` / ``import_events`` only parse
arguments and print the result.

How every importer behaves
--------------------------
* The file may be plain or gzipped CSV (detected by the magic bytes, not the name), UTF-8.
* Line numbers are 1-based physical lines of the file: the header is line 1, the first data row
  line 2 (a quoted field spanning lines is reported at its first line).
* The whole file is imported in one transaction: a missing column, an unreadable file or any
  exception mid-way leaves nothing behind. Missing required columns are reported before any write.
* Every data line ends up in exactly one of three counts: *imported*, *bad* (with line number and
  reason) or *duplicate* (identical to an earlier row of the same file, or already in the
  database). Rows excluded by ``until`` are counted separately as *skipped* (they are not part of
  the final line's N + M + K, which then equals data lines minus skipped lines).
* Re-importing a file imports nothing: its rows are duplicates (or bad again).
* Existing catalogue rows (products, customers, categories, brands) are found by exact, case-sensitive
  keys and never modified; only missing ones are created.

Bad rows (a row is bad for the first reason that applies)
---------------------------------------------------------
orders (online-retail and generic):
  wrong number of fields; empty invoice / order number; empty StockCode / sku; text longer than the
  column (number or sku > 64 characters); unparsable or non-integer quantity; quantity 0; negative
  quantity on an invoice that is not a cancellation (online-retail ``C`` invoices carry negative
  quantities and are stored positive with status cancelled; in the generic format any negative
  quantity is bad); unparsable, negative or sub-penny (more than 2 decimals, e.g. PADS at 0.001)
  unit price; unparsable date; a customer id that is not a positive integer (``17850.0`` is fine);
  a row whose customer differs from the customer of its order in the file or in the database.
  Rows without a customer are guest orders, not bad rows. A duplicate is an identical order line
  (order number, sku, quantity, unit price).
events (rees46 and generic):
  wrong number of fields; unparsable time; an event type the shop does not store (rees46
  ``remove_from_cart`` is reported as a bad row: ``Event`` has no removal type and a removal is not a
  positive signal); empty product id / sku (generic ``search`` events may have none); unparsable or
  negative price; user / customer id that is not a positive integer; neither a user nor a session;
  unparsable or negative dwell_seconds; text too long for its column. A duplicate is an event with
  the same time, type, product, user and session (its ``dedupe_key``).

Mapping choices
---------------
* online-retail: CustomerID -> ``Customer.id`` (country from the first row that names it); StockCode
  -> ``Product.sku`` verbatim; the product's name is the last non-empty Description, its price the
  last positive UnitPrice (the file is chronological); InvoiceNo -> ``Order.number``; the order's
  time is its earliest row, status ``cancelled`` for ``C`` invoices else ``completed``.
  Every new non-cancelled order line also becomes a ``purchase`` Event with
  ``session_id = "order:<number>"`` (guests have no customer, so the session identifies them) and
  ``dedupe_key = "order:<number>:<sku>:<quantity>:<price>"``. ``selectors.interactions_frame`` reads
  purchases from the order lines (so a later cancellation or refund counts) and skips these events.
* rees46: ``product_id`` -> sku, ``category_code`` ``electronics.smartphone`` -> category tree
  ``Electronics/Smartphone`` (underscores become spaces, first letter capitalised), the numeric
  ``category_id`` is kept in ``Product.attributes["rees46_category_id"]``; brand verbatim;
  ``user_id`` -> ``Customer.id``; ``user_session`` -> ``session_id``. Products get the name
  "<brand> <category_code> <product_id>" since the file has no names.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from electroshop.conf import electroshop_settings
from electroshop.shop.models import Brand, Category, Customer, Event, Order, OrderLine, Product
from electroshop.shop.stamps import forget_shop_stamp

logger = logging.getLogger(__name__)

# Purchase events mirrored from order lines carry this dedupe_key prefix; selectors skip them.
ORDER_EVENT_KEY_PREFIX = "order:"
ORDER_SESSION_PREFIX = "order:"

ONLINE_RETAIL_COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
GENERIC_ORDER_COLUMNS = ["order_id", "customer_id", "sku", "quantity", "unit_price", "ordered_at"]
GENERIC_ORDER_OPTIONAL = ["product_name", "category", "brand", "country"]
REES46_COLUMNS = ["event_time", "event_type", "product_id", "category_id", "category_code", "brand", "price", "user_id", "user_session"]
GENERIC_EVENT_COLUMNS = ["event_time", "event_type", "sku", "customer_id", "session_id"]
GENERIC_EVENT_OPTIONAL = ["product_name", "category", "brand", "price", "device", "traffic_source", "dwell_seconds", "recommendation_id"]
REES46_EVENT_TYPES = {"view": Event.Type.VIEW.value, "cart": Event.Type.CART.value, "purchase": Event.Type.PURCHASE.value}

ORDER_FORMATS = ("online-retail", "generic")
EVENT_FORMATS = ("rees46", "generic")


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, not CSV, a required column missing)."""


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportResult:
    """What an import did. ``imported + bad + duplicates + skipped == data_lines``."""

    data_lines: int = 0
    imported: int = 0
    duplicates: int = 0
    skipped: int = 0  # rows on or after ``until``
    bad_rows: list[BadRow] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)  # model name -> rows created

    @property
    def bad(self) -> int:
        return len(self.bad_rows)

    def summary_line(self) -> str:
        return f"{self.imported} rows imported, {self.bad} bad rows, {self.duplicates} duplicate rows"


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _open_text(path: Path) -> Any:
    try:
        with open(path, "rb") as fh:
            magic = fh.read(2)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _read_csv(
    path: Path, *, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[pd.DataFrame, list[BadRow], int]:
    """Read the file into a frame of strings (only the known columns) plus a ``line`` column.

    Returns the frame of well-formed rows, the malformed rows as bad rows, and the number of
    data lines. Raises ImportFileError when the header lacks a required column.
    """
    bad: list[BadRow] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        with _open_text(Path(path)) as fh:
            reader = csv.reader(fh)
            try:
                header = next(reader)
            except StopIteration:
                raise ImportFileError(f"{path} is empty: no header line") from None
            header = [h.strip() for h in header]
            missing = [c for c in required if c not in header]
            if missing:
                raise ImportFileError(
                    f"{path}: missing required column(s) {', '.join(missing)}; the header has {', '.join(header)}"
                )
            width = len(header)
            wanted = [c for c in list(required) + list(optional) if c in header]
            positions = [header.index(c) for c in wanted]
            all_positions = positions == list(range(width))
            previous = reader.line_num
            data_lines = 0
            for row in reader:
                start = previous + 1
                previous = reader.line_num
                if not row:  # a blank line is not a data line
                    continue
                data_lines += 1
                if len(row) != width:
                    bad.append(BadRow(start, f"expected {width} fields, got {len(row)}"))
                    continue
                rows.append(row if all_positions else [row[p] for p in positions])
                lines.append(start)
    except (UnicodeDecodeError, csv.Error, gzip.BadGzipFile, EOFError) as exc:
        raise ImportFileError(f"{path} is not a readable UTF-8 CSV file: {exc}") from exc
    frame = pd.DataFrame(rows, columns=wanted, dtype=object) if rows else pd.DataFrame(columns=wanted, dtype=object)
    for column in optional:
        if column not in frame.columns:
            frame[column] = ""
    frame["line"] = pd.array(lines, dtype="int64")
    return frame.reset_index(drop=True), bad, data_lines


class _Reasons:
    """First-reason-wins bookkeeping of bad rows, vectorised."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.reason = pd.Series("", index=frame.index, dtype=object)

    def flag(self, mask: pd.Series, message: str | pd.Series) -> None:
        mask = mask.fillna(False).astype(bool) & (self.reason == "")
        if not mask.any():
            return
        self.reason[mask] = message[mask] if isinstance(message, pd.Series) else message

    def value(self, column: str) -> pd.Series:
        return self.frame[column].map(repr)

    @property
    def bad_mask(self) -> pd.Series:
        return self.reason != ""

    def bad_rows(self) -> list[BadRow]:
        mask = self.bad_mask
        return [BadRow(int(line), reason) for line, reason in zip(self.frame.loc[mask, "line"], self.reason[mask])]


def _parse_int(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Strings -> float values and a mask of unparsable / non-integer values (empty = NaN, not bad)."""
    stripped = series.str.strip()
    numbers = pd.to_numeric(stripped, errors="coerce")
    unparsable = numbers.isna() & (stripped != "")
    not_integer = numbers.notna() & ((numbers % 1 != 0) | ~numbers.abs().lt(2**62))
    return numbers, unparsable | not_integer


def _parse_cents(series: pd.Series, reasons: _Reasons, column: str, *, required: bool) -> pd.Series:
    """Prices -> integer cents (Int64, NA when empty and not required); flags bad values."""
    stripped = series.str.strip()
    numbers = pd.to_numeric(stripped, errors="coerce")
    empty = stripped == ""
    reasons.flag((numbers.isna() | ~numbers.abs().lt(1e10)) & ~empty, f"unparsable {column} " + reasons.value(column))
    if required:
        reasons.flag(empty, f"empty {column}")
    reasons.flag(numbers < 0, f"negative {column} " + reasons.value(column))
    cents = (numbers * 100).round(6)
    reasons.flag(cents.notna() & (cents % 1 != 0), f"{column} " + reasons.value(column) + " has more than 2 decimals")
    return cents.round().astype("Int64")


def _parse_datetime(series: pd.Series, reasons: _Reasons, column: str) -> pd.Series:
    """ISO dates/times -> UTC timestamps. Naive values are in the project's time zone; "UTC" suffixes are honoured."""
    stripped = series.str.strip()
    has_utc = stripped.str.endswith(" UTC")
    if has_utc.all() and len(stripped):
        parsed = pd.to_datetime(stripped.str[:-4], format="%Y-%m-%d %H:%M:%S", errors="coerce", utc=True)
        retry = parsed.isna()
        if retry.any():
            parsed[retry] = pd.to_datetime(stripped[retry].str[:-4], format="ISO8601", errors="coerce", utc=True)
    else:
        text = stripped.str.replace(r" UTC$", "+00:00", regex=True)
        try:
            parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        except (ValueError, TypeError):  # naive and zoned values mixed: read naive ones as UTC
            parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_convert("UTC")
        elif len(parsed):
            zone = str(timezone.get_default_timezone())
            parsed = parsed.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
        else:
            parsed = parsed.dt.tz_localize("UTC")
    reasons.flag(parsed.isna(), f"unparsable {column} " + reasons.value(column))
    return parsed


def _until_timestamp(until: date | datetime | None) -> pd.Timestamp | None:
    """``until`` as a UTC timestamp: a date means midnight at its start in the project's time zone."""
    if until is None:
        return None
    if not isinstance(until, datetime):
        until = datetime.combine(until, time.min)
    if timezone.is_naive(until):
        until = timezone.make_aware(until, timezone.get_default_timezone())
    return pd.Timestamp(until).tz_convert("UTC")


def _to_pydatetimes(series: pd.Series) -> list[datetime]:
    cache: dict[Any, datetime] = {}
    out = []
    for value in series:
        converted = cache.get(value)
        if converted is None:
            converted = cache[value] = value.to_pydatetime()
        out.append(converted)
    return out


def _cents_to_decimal(values: Iterable[int]) -> list[Decimal]:
    cache: dict[int, Decimal] = {}
    out = []
    for value in values:
        converted = cache.get(value)
        if converted is None:
            converted = cache[value] = Decimal(int(value)).scaleb(-2)
        out.append(converted)
    return out


def _customer_ids(series: pd.Series, reasons: _Reasons, column: str) -> pd.Series:
    """Customer ids like "17850" or "17850.0" -> Int64 (NA for empty = guest)."""
    numbers, bad = _parse_int(series)
    reasons.flag(bad | (numbers <= 0), f"{column} " + reasons.value(column) + " is not a positive integer")
    return numbers.where(~bad & (numbers > 0)).astype("Int64")


def _flag_too_long(reasons: _Reasons, column: str, limit: int) -> None:
    reasons.flag(reasons.frame[column].str.len() > limit, f"{column} longer than {limit} characters")


# --------------------------------------------------------------------------------------------
# Writing helpers
# --------------------------------------------------------------------------------------------


def _chunks(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _lookup_chunk_size() -> int:
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


def _existing(queryset, key: str, values: Iterable[Any], *fields: str) -> list[tuple]:
    """Rows of ``queryset`` whose exact ``key`` is one of ``values``, as tuples of ``fields``."""
    values = list(dict.fromkeys(values))
    out: list[tuple] = []
    for chunk in _chunks(values, _lookup_chunk_size()):
        out.extend(queryset.filter(**{f"{key}__in": chunk}).values_list(*fields))
    return out


def _insert_rows(model, columns: dict[str, Sequence[Any]], *, bar: tqdm | None) -> int:
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


def _create_returning_ids(model, objects: list, key: str) -> dict[Any, int]:
    """bulk_create and map each object's ``key`` to its new id (re-read if the backend returns none)."""
    batch_size = int(electroshop_settings.IMPORT_BATCH_SIZE)
    created = model.objects.bulk_create(objects, batch_size=batch_size)
    ids = {getattr(obj, key): obj.pk for obj in created}
    if any(pk is None for pk in ids.values()):
        ids = dict(_existing(model.objects, key, list(ids), key, "pk"))
    return ids


def category_path_from_code(code: str) -> str:
    """``appliances.environment.water_heater`` -> ``Appliances/Environment/Water heater``."""
    parts = [p.strip().replace("_", " ") for p in code.split(".") if p.strip()]
    return "/".join(p[:1].upper() + p[1:] for p in parts)


def _normalise_path(path: str) -> str:
    return "/".join(part.strip() for part in path.split("/") if part.strip())


def ensure_categories(*, paths: Iterable[str]) -> dict[str, int]:
    """Find or create the category trees for ``paths`` (``"Electronics/Phones"``); path -> id."""
    wanted: set[str] = set()
    for path in paths:
        parts = _normalise_path(path).split("/") if path else []
        for depth in range(1, len(parts) + 1):
            wanted.add("/".join(parts[:depth]))
    if not wanted:
        return {}
    ids = dict(_existing(Category.objects, "path", wanted, "path", "pk"))
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
        ids.update(_create_returning_ids(Category, objects, "path"))
    return ids


def ensure_brands(*, names: Iterable[str]) -> dict[str, int]:
    """Find or create brands by exact name; name -> id."""
    wanted = {n for n in names if n}
    if not wanted:
        return {}
    ids = dict(_existing(Brand.objects, "name", wanted, "name", "pk"))
    missing = sorted(wanted - ids.keys())
    if missing:
        ids.update(_create_returning_ids(Brand, [Brand(name=n) for n in missing], "name"))
    return ids


def _ensure_customers(frame: pd.DataFrame, result: ImportResult) -> None:
    """Create the customers of ``frame`` (columns customer_id, country) that do not exist yet."""
    known = frame.loc[frame["customer_id"].notna(), ["customer_id", "country"]]
    if known.empty:
        return
    countries = known.assign(country=known["country"].str.strip()).replace({"country": {"": None}})
    firsts = countries.groupby("customer_id", sort=False)["country"].first()
    existing = {pk for (pk,) in _existing(Customer.objects, "pk", [int(i) for i in firsts.index], "pk")}
    new = [
        Customer(id=int(pk), country=(country or "")[:100])
        for pk, country in firsts.items()
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


def _ensure_products(frame: pd.DataFrame, result: ImportResult) -> dict[str, int]:
    """sku -> id for every sku of ``frame``, creating missing products.

    ``frame`` has sku, name, price_cents and optionally category, brand, attributes. A new
    product takes the last non-empty name and the last positive price of its rows.
    """
    skus = frame["sku"].unique().tolist()
    ids = dict(_existing(Product.objects, "sku", skus, "sku", "pk"))  # exact, case-sensitive match
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
        category = _normalise_path(getattr(row, "category", "") or "")
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
    ids.update(_create_returning_ids(Product, objects, "sku"))
    result.created["products"] = len(objects)
    return ids


def _progress(total: int, *, enabled: bool, desc: str) -> tqdm:
    # disable=None: tqdm switches itself off when stderr is not a terminal.
    return tqdm(total=total, desc=desc, unit="rows", unit_scale=True, disable=None if enabled else True, leave=False)


# --------------------------------------------------------------------------------------------
# Orders
# --------------------------------------------------------------------------------------------


def _order_line_key(number: str, sku: str, quantity: int, cents: int) -> str:
    key = f"{ORDER_EVENT_KEY_PREFIX}{number}:{sku}:{quantity}:{Decimal(cents).scaleb(-2)}"
    if len(key) > 128:
        key = ORDER_EVENT_KEY_PREFIX + hashlib.sha1(key.encode()).hexdigest()
    return key


def _import_order_frame(
    frame: pd.DataFrame, reasons: _Reasons, result: ImportResult, *, until: date | datetime | None, progress: bool
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

    cutoff = _until_timestamp(until)
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

    with transaction.atomic(), _write_tuning():
        # Orders that already exist: their customer must match, their lines count as duplicates.
        existing_orders = {
            number: (pk, customer_id, status)
            for number, pk, customer_id, status in _existing(
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

        _ensure_customers(rows, result)
        product_ids = _ensure_products(rows, result)
        rows = rows.assign(product_id=rows["sku"].map(product_ids).astype("int64"))

        if existing_orders:
            existing_pks = [pk for pk, _, _ in existing_orders.values()]
            have = {
                (order_id, product_id, quantity, int(round(price * 100)))
                for order_id, product_id, quantity, price in _existing(
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
            heads = grouped.agg(
                created_at=("created_at", "min"),
                customer_id=("customer_id", "first"),
                country=("country", "first"),
                cancelled=("cancelled", "first"),
                total=("amount", "sum"),
            )
            for head in heads.itertuples():
                number = head.Index
                country = (head.country or "").strip()[:100]
                orders.append(
                    Order(
                        number=number,
                        customer_id=None if pd.isna(head.customer_id) else int(head.customer_id),
                        created_at=head.created_at.to_pydatetime(),
                        status=Order.Status.CANCELLED if head.cancelled else Order.Status.COMPLETED,
                        total=Decimal(int(head.total)).scaleb(-2),
                        currency=electroshop_settings.CURRENCY,
                        billing_country=country,
                        shipping_country=country,
                    )
                )
        order_ids = {n: pk for n, (pk, _, _) in existing_orders.items()}
        order_ids.update(_create_returning_ids(Order, orders, "number"))
        result.created["orders"] = len(orders)
        cancelled = {n for n, (_, _, s) in existing_orders.items() if s in (Order.Status.CANCELLED, Order.Status.REFUNDED)}
        cancelled |= {o.number for o in orders if o.status == Order.Status.CANCELLED}

        rows = rows.assign(order_id=rows["number"].map(order_ids).astype("int64"))
        is_purchase = ~rows["number"].isin(cancelled)
        purchases = rows[is_purchase]
        bar = _progress(len(rows) + len(purchases), enabled=progress, desc="orders")
        with bar:
            _insert_rows(
                OrderLine,
                {
                    "order_id": rows["order_id"].tolist(),
                    "product_id": rows["product_id"].tolist(),
                    "quantity": rows["quantity"].tolist(),
                    "unit_price": _cents_to_decimal(rows["price_cents"]),
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
                for (key,) in _existing(
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
                "occurred_at": _to_pydatetimes(purchases["created_at"]),
                "query": [""] * size,
                "device": [""] * size,
                "traffic_source": [""] * size,
                "dwell_seconds": [None] * size,
                "recommendation_id": [""] * size,
                "dedupe_key": keys,
            }
            if keep is not None:
                event_columns = {name: [v for v, k in zip(values, keep) if k] for name, values in event_columns.items()}
            events = _insert_rows(Event, event_columns, bar=bar)
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
            for chunk in _chunks(touched, _lookup_chunk_size()):
                Order.objects.filter(pk__in=chunk).update(total=Subquery(line_total))

        result.imported = len(rows)
        result.duplicates = duplicates
        result.bad_rows = sorted(result.bad_rows + reasons.bad_rows(), key=lambda b: b.line)
        _check_accounting(result)  # inside the transaction: a miscount rolls the import back
        forget_shop_stamp()  # bulk writes send no model signals: answers cached from shop data are stale


def _check_accounting(result: ImportResult) -> None:
    accounted = result.imported + result.bad + result.duplicates + result.skipped
    if accounted != result.data_lines:  # a bug, not a data problem: never report a wrong count
        raise RuntimeError(f"import accounted for {accounted} rows out of {result.data_lines} data lines")


def _finish_result(result: ImportResult) -> ImportResult:
    logger.debug("import finished: %s (%s skipped; created %s)", result.summary_line(), result.skipped, result.created)
    return result


def import_online_retail_orders(
    *, path: str | Path, until: date | datetime | None = None, progress: bool = False
) -> ImportResult:
    """Import the UCI Online Retail file (see the module docstring for the mapping and bad rows)."""
    frame, bad, data_lines = _read_csv(Path(path), required=ONLINE_RETAIL_COLUMNS)
    result = ImportResult(data_lines=data_lines, bad_rows=bad)
    reasons = _Reasons(frame)
    number = frame["InvoiceNo"].str.strip()
    sku = frame["StockCode"]  # verbatim: SKUs are case-sensitive and kept as written
    reasons.flag(number == "", "empty InvoiceNo")
    reasons.flag(sku.str.strip() == "", "empty StockCode")
    _flag_too_long(reasons, "InvoiceNo", 64)
    _flag_too_long(reasons, "StockCode", 64)
    quantity, bad_quantity = _parse_int(frame["Quantity"])
    reasons.flag(bad_quantity | quantity.isna(), "unparsable Quantity " + reasons.value("Quantity"))
    cancelled = number.str.upper().str.startswith("C")
    reasons.flag(quantity == 0, "Quantity is 0")
    reasons.flag(
        (quantity < 0) & ~cancelled,
        "negative Quantity " + reasons.value("Quantity") + " on invoice " + number + ", which is not a cancellation",
    )
    price_cents = _parse_cents(frame["UnitPrice"], reasons, "UnitPrice", required=True)
    created_at = _parse_datetime(frame["InvoiceDate"], reasons, "InvoiceDate")
    customer_id = _customer_ids(frame["CustomerID"], reasons, "CustomerID")
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
    _import_order_frame(canonical, reasons, result, until=until, progress=progress)
    return _finish_result(result)


def import_generic_orders(
    *, path: str | Path, until: date | datetime | None = None, progress: bool = False
) -> ImportResult:
    """Import a generic order file: order_id, customer_id, sku, quantity, unit_price, ordered_at
    (+ optional product_name, category ``A/B/C``, brand, country). All orders get status completed."""
    frame, bad, data_lines = _read_csv(Path(path), required=GENERIC_ORDER_COLUMNS, optional=GENERIC_ORDER_OPTIONAL)
    result = ImportResult(data_lines=data_lines, bad_rows=bad)
    reasons = _Reasons(frame)
    number = frame["order_id"].str.strip()
    sku = frame["sku"]
    reasons.flag(number == "", "empty order_id")
    reasons.flag(sku.str.strip() == "", "empty sku")
    _flag_too_long(reasons, "order_id", 64)
    _flag_too_long(reasons, "sku", 64)
    quantity, bad_quantity = _parse_int(frame["quantity"])
    reasons.flag(bad_quantity | quantity.isna(), "unparsable quantity " + reasons.value("quantity"))
    reasons.flag(quantity == 0, "quantity is 0")
    reasons.flag(quantity < 0, "negative quantity " + reasons.value("quantity"))
    price_cents = _parse_cents(frame["unit_price"], reasons, "unit_price", required=True)
    created_at = _parse_datetime(frame["ordered_at"], reasons, "ordered_at")
    customer_id = _customer_ids(frame["customer_id"], reasons, "customer_id")
    _flag_too_long(reasons, "category", 1000)
    _flag_too_long(reasons, "brand", 200)
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
            "category": frame["category"].map(_normalise_path),
            "brand": frame["brand"].str.strip(),
            "cancelled": False,
        }
    )
    _import_order_frame(canonical, reasons, result, until=until, progress=progress)
    return _finish_result(result)


def import_orders(
    *, path: str | Path, format: str, until: date | datetime | None = None, progress: bool = False
) -> ImportResult:
    """Dispatch on ``format`` (``online-retail`` or ``generic``)."""
    if format == "online-retail":
        return import_online_retail_orders(path=path, until=until, progress=progress)
    if format == "generic":
        return import_generic_orders(path=path, until=until, progress=progress)
    raise ImportFileError(f"unknown order format {format!r}; choose one of {', '.join(ORDER_FORMATS)}")


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


def _event_key(prefix: str, parts: Iterable[Sequence[Any]]) -> list[str]:
    return [prefix + hashlib.sha1("\x1f".join(map(str, p)).encode()).hexdigest() for p in parts]


def _import_event_frame(
    frame: pd.DataFrame, reasons: _Reasons, result: ImportResult, *, until: date | datetime | None, progress: bool
) -> None:
    """Write a canonical event frame.

    Canonical columns: line, occurred_at (UTC), event_type, sku ("" = none), customer_id (Int64),
    session_id, dedupe_key, device, traffic_source, dwell_seconds (float/NaN), recommendation_id,
    name, category, brand, price_cents (Int64), attributes (dict or None).
    """
    cutoff = _until_timestamp(until)
    good = ~reasons.bad_mask
    if cutoff is not None:
        skipped = good & (frame["occurred_at"] >= cutoff)
        result.skipped = int(skipped.sum())
        good &= ~skipped
    rows = frame[good]
    in_file_duplicate = rows.duplicated(subset=["dedupe_key"])
    duplicates = int(in_file_duplicate.sum())
    rows = rows[~in_file_duplicate]

    with transaction.atomic(), _write_tuning():
        existing = {k for (k,) in _existing(Event.objects, "dedupe_key", rows["dedupe_key"].tolist(), "dedupe_key")}
        in_db = rows["dedupe_key"].isin(existing)
        duplicates += int(in_db.sum())
        rows = rows[~in_db]
        _ensure_customers(rows.assign(country=""), result)
        with_product = rows[rows["sku"] != ""]
        product_ids = _ensure_products(with_product, result) if not with_product.empty else {}
        product_column = [product_ids.get(s) if s else None for s in rows["sku"]]
        dwell = [None if d != d else float(d) for d in rows["dwell_seconds"]]
        bar = _progress(len(rows), enabled=progress, desc="events")
        with bar:
            events = _insert_rows(
                Event,
                {
                    "customer_id": [None if pd.isna(c) else int(c) for c in rows["customer_id"]],
                    "session_id": rows["session_id"].tolist(),
                    "product_id": product_column,
                    "event_type": rows["event_type"].tolist(),
                    "occurred_at": _to_pydatetimes(rows["occurred_at"]),
                    "query": [""] * len(rows),
                    "device": rows["device"].tolist(),
                    "traffic_source": rows["traffic_source"].tolist(),
                    "dwell_seconds": dwell,
                    "recommendation_id": rows["recommendation_id"].tolist(),
                    "dedupe_key": rows["dedupe_key"].tolist(),
                },
                bar=bar,
            )
        result.created["events"] = events

        result.imported = len(rows)
        result.duplicates = duplicates
        result.bad_rows = sorted(result.bad_rows + reasons.bad_rows(), key=lambda b: b.line)
        _check_accounting(result)  # inside the transaction: a miscount rolls the import back
        forget_shop_stamp()  # bulk writes send no model signals: answers cached from shop data are stale


def _event_identity(reasons: _Reasons, *, customer_column: str, session_column: str) -> tuple[pd.Series, pd.Series]:
    frame = reasons.frame
    customer_id = _customer_ids(frame[customer_column], reasons, customer_column)
    session = frame[session_column].str.strip()
    reasons.flag(customer_id.isna() & (session == ""), f"neither {customer_column} nor {session_column}")
    _flag_too_long(reasons, session_column, 128)
    return customer_id, session


def import_rees46_events(
    *, path: str | Path, until: date | datetime | None = None, progress: bool = False
) -> ImportResult:
    """Import a REES46 event log (see the module docstring for the mapping and bad rows)."""
    frame, bad, data_lines = _read_csv(Path(path), required=REES46_COLUMNS)
    result = ImportResult(data_lines=data_lines, bad_rows=bad)
    reasons = _Reasons(frame)
    occurred_at = _parse_datetime(frame["event_time"], reasons, "event_time")
    raw_type = frame["event_type"].str.strip()
    event_type = raw_type.map(REES46_EVENT_TYPES)
    reasons.flag(
        raw_type == "remove_from_cart", "event_type 'remove_from_cart' is not stored (the shop has no removal event)"
    )
    reasons.flag(event_type.isna(), "unknown event_type " + reasons.value("event_type"))
    sku = frame["product_id"].str.strip()
    reasons.flag(sku == "", "empty product_id")
    _flag_too_long(reasons, "product_id", 64)
    price_cents = _parse_cents(frame["price"], reasons, "price", required=False)
    customer_id, session = _event_identity(reasons, customer_column="user_id", session_column="user_session")
    brand = frame["brand"].str.strip()
    _flag_too_long(reasons, "brand", 200)
    code = frame["category_code"].str.strip()
    category_id = frame["category_id"].str.strip()
    keys = _event_key(
        "rees46:",
        zip(occurred_at.astype(str), raw_type, sku, customer_id.astype(str), session),
    )
    names = (brand + " " + code + " " + sku).str.split().str.join(" ")
    canonical = pd.DataFrame(
        {
            "line": frame["line"],
            "occurred_at": occurred_at,
            "event_type": event_type.astype(object).where(event_type.notna(), ""),
            "sku": sku,
            "customer_id": customer_id,
            "session_id": session,
            "dedupe_key": keys,
            "device": "",
            "traffic_source": "",
            "dwell_seconds": float("nan"),
            "recommendation_id": "",
            "name": names,
            "category": code.map(category_path_from_code),
            "brand": brand,
            "price_cents": price_cents,
            "attributes": [{"rees46_category_id": c} if c else {} for c in category_id],
        },
        index=frame.index,
    )
    _import_event_frame(canonical, reasons, result, until=until, progress=progress)
    return _finish_result(result)


def import_generic_events(
    *, path: str | Path, until: date | datetime | None = None, progress: bool = False
) -> ImportResult:
    """Import a generic event file: event_time, event_type, sku, customer_id, session_id (+ optional
    product_name, category ``A/B``, brand, price, device, traffic_source, dwell_seconds, recommendation_id)."""
    frame, bad, data_lines = _read_csv(Path(path), required=GENERIC_EVENT_COLUMNS, optional=GENERIC_EVENT_OPTIONAL)
    result = ImportResult(data_lines=data_lines, bad_rows=bad)
    reasons = _Reasons(frame)
    occurred_at = _parse_datetime(frame["event_time"], reasons, "event_time")
    event_type = frame["event_type"].str.strip()
    reasons.flag(~event_type.isin(Event.Type.values), "unknown event_type " + reasons.value("event_type"))
    sku = frame["sku"]
    no_sku = sku.str.strip() == ""
    reasons.flag(no_sku & (event_type != Event.Type.SEARCH), "empty sku")
    sku = sku.where(~no_sku, "")
    _flag_too_long(reasons, "sku", 64)
    price_cents = _parse_cents(frame["price"], reasons, "price", required=False)
    customer_id, session = _event_identity(reasons, customer_column="customer_id", session_column="session_id")
    dwell_text = frame["dwell_seconds"].str.strip()
    dwell = pd.to_numeric(dwell_text, errors="coerce")
    reasons.flag(
        (dwell_text != "") & (dwell.isna() | (dwell < 0) | ~dwell.abs().lt(math.inf)),
        "dwell_seconds " + reasons.value("dwell_seconds") + " is not a non-negative number",
    )
    for column, limit in (("device", 32), ("traffic_source", 64), ("recommendation_id", 64), ("brand", 200), ("category", 1000)):
        _flag_too_long(reasons, column, limit)
    keys = _event_key(
        "event:",
        zip(occurred_at.astype(str), event_type, sku, customer_id.astype(str), session),
    )
    canonical = pd.DataFrame(
        {
            "line": frame["line"],
            "occurred_at": occurred_at,
            "event_type": event_type,
            "sku": sku,
            "customer_id": customer_id,
            "session_id": session,
            "dedupe_key": keys,
            "device": frame["device"].str.strip(),
            "traffic_source": frame["traffic_source"].str.strip(),
            "dwell_seconds": dwell,
            "recommendation_id": frame["recommendation_id"].str.strip(),
            "name": frame["product_name"],
            "category": frame["category"].map(_normalise_path),
            "brand": frame["brand"].str.strip(),
            "price_cents": price_cents,
        },
        index=frame.index,
    )
    _import_event_frame(canonical, reasons, result, until=until, progress=progress)
    return _finish_result(result)


def import_events(
    *, path: str | Path, format: str, until: date | datetime | None = None, progress: bool = False
) -> ImportResult:
    """Dispatch on ``format`` (``rees46`` or ``generic``)."""
    if format == "rees46":
        return import_rees46_events(path=path, until=until, progress=progress)
    if format == "generic":
        return import_generic_events(path=path, until=until, progress=progress)
    raise ImportFileError(f"unknown event format {format!r}; choose one of {', '.join(EVENT_FORMATS)}")

