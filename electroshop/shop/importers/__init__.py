"""CSV importers for the shop's data: orders (online-retail, generic) and events (rees46, generic).

Every importer is one service function with keyword-only arguments that returns an
``ImportResult``. The management commands ``import_orders`` / ``import_events`` only parse
arguments and print the result. Modules by job: ``rows`` reads a file and judges its rows,
``dates`` reads its date column, ``writing`` writes in one transaction, ``orders`` and ``events``
map each file format onto the shop's tables.

How every importer behaves
--------------------------
* The file may be plain or gzipped CSV (detected by the magic bytes, not the name), UTF-8.
* Line numbers are 1-based physical lines of the file: the header is line 1, the first data row
  line 2 (a quoted field spanning lines is reported at its first line).
* The whole file is imported in one transaction: a missing column, an unreadable file, dates whose
  layout cannot be told or any exception mid-way leave nothing behind. Missing required columns
  and undecidable dates are reported before any write.
* An import is refused (its transaction rolls back, ``ImportResult.refused`` says why) when it
  would import nothing, or when its bad rows exceed ``max_bad_rows`` (a count or a percentage of the
  data lines; the commands' ``--max-bad-rows`` defaults to 1%). Its bad rows are still reported.
* Dates: ISO 8601, the UCI export's ``M/D/YYYY H:MM`` or any strptime layout named by
  ``date_format``; how a file's day/month order is decided is in ``dates.py``.
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
  (order number, sku, quantity, unit price). Generic files may also carry the order's identities
  (``identities.IDENTITY_COLUMNS``: email, device_id, ip_address, card_fingerprint, billing_country,
  shipping_country, payment_method, ...): a value too long for its column, an e-mail that is not
  one, an IP that is not one or a card_bin that is not 6-8 digits makes its row bad.
events (rees46 and generic):
  wrong number of fields; unparsable time; an event type the shop does not store (rees46
  ``remove_from_cart`` is reported as a bad row: ``Event`` has no removal type and a removal is not a
  positive signal); empty product id / sku (generic ``search`` events may have none); unparsable or
  negative price; user / customer id that is not a positive integer; neither a user nor a session;
  unparsable or negative dwell_seconds; text too long for its column. A duplicate is an event with
  the same time, type, product, user and session (its ``dedupe_key``).

Mapping choices
---------------
* online-retail: CustomerID -> ``Customer.id`` (country from the first row that names it; a new customer's
  account dates from their first row in the file, in every format); StockCode
  -> ``Product.sku`` verbatim; the product's name is the last non-empty Description, its price the
  last positive UnitPrice (the file is chronological); InvoiceNo -> ``Order.number``; the order's
  time is its earliest row, status ``cancelled`` for ``C`` invoices else ``completed``.
  Every new non-cancelled order line also becomes a ``purchase`` Event with
  ``session_id = "order:<number>"`` (guests have no customer, so the session identifies them) and
  ``dedupe_key = "order:<number>:<sku>:<quantity>:<price>"``. The adapter's ``interactions_frame`` reads
  purchases from the order lines (so a later cancellation or refund counts) and skips these events.
* rees46: ``product_id`` -> sku, ``category_code`` ``electronics.smartphone`` -> category tree
  ``Electronics/Smartphone`` (underscores become spaces, first letter capitalised), the numeric
  ``category_id`` is kept in ``Product.attributes["rees46_category_id"]``; brand verbatim;
  ``user_id`` -> ``Customer.id``; ``user_session`` -> ``session_id``. Products get the name
  "<brand> <category_code> <product_id>" since the file has no names.
"""
from __future__ import annotations

from .events import EVENT_FORMATS, import_events, import_generic_events, import_rees46_events
from .orders import (
    ORDER_EVENT_KEY_PREFIX,
    ORDER_FORMATS,
    ORDER_SESSION_PREFIX,
    import_generic_orders,
    import_online_retail_orders,
    import_orders,
)
from .rows import DEFAULT_MAX_BAD_ROWS, BadRow, BadRowLimit, ImportFileError, ImportResult
from .writing import category_path_from_code, ensure_brands, ensure_categories

__all__ = [
    "DEFAULT_MAX_BAD_ROWS",
    "EVENT_FORMATS",
    "ORDER_EVENT_KEY_PREFIX",
    "ORDER_FORMATS",
    "ORDER_SESSION_PREFIX",
    "BadRow",
    "BadRowLimit",
    "ImportFileError",
    "ImportResult",
    "category_path_from_code",
    "ensure_brands",
    "ensure_categories",
    "import_events",
    "import_generic_events",
    "import_generic_orders",
    "import_online_retail_orders",
    "import_orders",
    "import_rees46_events",
]
