"""Event importers: the REES46 event log and the generic event file (see the package docstring)."""
from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from electroshop.shop.models import Event

from .dates import parse_datetimes
from .rows import (
    BadRowLimit, ImportFileError, ImportResult, Reasons, customer_ids, flag_too_long, parse_cents, read_csv, until_timestamp,
)
from .writing import (
    category_path_from_code, ensure_customers, ensure_products, existing_values, finish_result, import_transaction,
    insert_rows, normalise_path, progress_bar, settle, to_pydatetimes,
)

REES46_COLUMNS = ["event_time", "event_type", "product_id", "category_id", "category_code", "brand", "price", "user_id", "user_session"]
GENERIC_EVENT_COLUMNS = ["event_time", "event_type", "sku", "customer_id", "session_id"]
GENERIC_EVENT_OPTIONAL = ["product_name", "category", "brand", "price", "device", "traffic_source", "dwell_seconds", "recommendation_id"]
REES46_EVENT_TYPES = {"view": Event.Type.VIEW.value, "cart": Event.Type.CART.value, "purchase": Event.Type.PURCHASE.value}
EVENT_FORMATS = ("rees46", "generic")


def _event_key(prefix: str, parts: Iterable[Sequence[Any]]) -> list[str]:
    return [prefix + hashlib.sha1("\x1f".join(map(str, p)).encode()).hexdigest() for p in parts]


def _import_event_frame(
    frame: pd.DataFrame,
    reasons: Reasons,
    result: ImportResult,
    *,
    until: date | datetime | None,
    max_bad_rows: BadRowLimit | None,
    progress: bool,
) -> None:
    """Write a canonical event frame.

    Canonical columns: line, occurred_at (UTC), event_type, sku ("" = none), customer_id (Int64),
    session_id, dedupe_key, device, traffic_source, dwell_seconds (float/NaN), recommendation_id,
    name, category, brand, price_cents (Int64), attributes (dict or None).
    """
    cutoff = until_timestamp(until)
    good = ~reasons.bad_mask
    if cutoff is not None:
        skipped = good & (frame["occurred_at"] >= cutoff)
        result.skipped = int(skipped.sum())
        good &= ~skipped
    rows = frame[good]
    in_file_duplicate = rows.duplicated(subset=["dedupe_key"])
    duplicates = int(in_file_duplicate.sum())
    rows = rows[~in_file_duplicate]

    with import_transaction(result):
        existing = {k for (k,) in existing_values(Event.objects, "dedupe_key", rows["dedupe_key"].tolist(), "dedupe_key")}
        in_db = rows["dedupe_key"].isin(existing)
        duplicates += int(in_db.sum())
        rows = rows[~in_db]
        ensure_customers(rows.assign(country="", created_at=rows["occurred_at"]), result)
        with_product = rows[rows["sku"] != ""]
        product_ids = ensure_products(with_product, result) if not with_product.empty else {}
        product_column = [product_ids.get(s) if s else None for s in rows["sku"]]
        dwell = [None if d != d else float(d) for d in rows["dwell_seconds"]]
        bar = progress_bar(len(rows), enabled=progress, desc="events")
        with bar:
            events = insert_rows(
                Event,
                {
                    "customer_id": [None if pd.isna(c) else int(c) for c in rows["customer_id"]],
                    "session_id": rows["session_id"].tolist(),
                    "product_id": product_column,
                    "event_type": rows["event_type"].tolist(),
                    "occurred_at": to_pydatetimes(rows["occurred_at"]),
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

        settle(result, reasons, imported=len(rows), duplicates=duplicates, max_bad_rows=max_bad_rows)


def _event_identity(reasons: Reasons, *, customer_column: str, session_column: str) -> tuple[pd.Series, pd.Series]:
    frame = reasons.frame
    customer_id = customer_ids(frame[customer_column], reasons, customer_column)
    session = frame[session_column].str.strip()
    reasons.flag(customer_id.isna() & (session == ""), f"neither {customer_column} nor {session_column}")
    flag_too_long(reasons, session_column, 128)
    return customer_id, session


def import_rees46_events(
    *,
    path: str | Path,
    until: date | datetime | None = None,
    date_format: str | None = None,
    max_bad_rows: BadRowLimit | None = None,
    progress: bool = False,
) -> ImportResult:
    """Import a REES46 event log (see the package docstring for the mapping and bad rows)."""
    frame, bad, data_lines = read_csv(Path(path), required=REES46_COLUMNS)
    result = ImportResult(data_lines=data_lines, bad_rows=bad)
    reasons = Reasons(frame)
    occurred_at = parse_datetimes(frame["event_time"], reasons, "event_time", date_format=date_format)
    raw_type = frame["event_type"].str.strip()
    event_type = raw_type.map(REES46_EVENT_TYPES)
    reasons.flag(
        raw_type == "remove_from_cart", "event_type 'remove_from_cart' is not stored (the shop has no removal event)"
    )
    reasons.flag(event_type.isna(), "unknown event_type " + reasons.value("event_type"))
    sku = frame["product_id"].str.strip()
    reasons.flag(sku == "", "empty product_id")
    flag_too_long(reasons, "product_id", 64)
    price_cents = parse_cents(frame["price"], reasons, "price", required=False)
    customer_id, session = _event_identity(reasons, customer_column="user_id", session_column="user_session")
    brand = frame["brand"].str.strip()
    flag_too_long(reasons, "brand", 200)
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
    _import_event_frame(canonical, reasons, result, until=until, max_bad_rows=max_bad_rows, progress=progress)
    return finish_result(result)


def import_generic_events(
    *,
    path: str | Path,
    until: date | datetime | None = None,
    date_format: str | None = None,
    max_bad_rows: BadRowLimit | None = None,
    progress: bool = False,
) -> ImportResult:
    """Import a generic event file: event_time, event_type, sku, customer_id, session_id (+ optional
    product_name, category ``A/B``, brand, price, device, traffic_source, dwell_seconds, recommendation_id)."""
    frame, bad, data_lines = read_csv(Path(path), required=GENERIC_EVENT_COLUMNS, optional=GENERIC_EVENT_OPTIONAL)
    result = ImportResult(data_lines=data_lines, bad_rows=bad)
    reasons = Reasons(frame)
    occurred_at = parse_datetimes(frame["event_time"], reasons, "event_time", date_format=date_format)
    event_type = frame["event_type"].str.strip()
    reasons.flag(~event_type.isin(Event.Type.values), "unknown event_type " + reasons.value("event_type"))
    sku = frame["sku"]
    no_sku = sku.str.strip() == ""
    reasons.flag(no_sku & (event_type != Event.Type.SEARCH), "empty sku")
    sku = sku.where(~no_sku, "")
    flag_too_long(reasons, "sku", 64)
    price_cents = parse_cents(frame["price"], reasons, "price", required=False)
    customer_id, session = _event_identity(reasons, customer_column="customer_id", session_column="session_id")
    dwell_text = frame["dwell_seconds"].str.strip()
    dwell = pd.to_numeric(dwell_text, errors="coerce")
    reasons.flag(
        (dwell_text != "") & (dwell.isna() | (dwell < 0) | ~dwell.abs().lt(math.inf)),
        "dwell_seconds " + reasons.value("dwell_seconds") + " is not a non-negative number",
    )
    for column, limit in (("device", 32), ("traffic_source", 64), ("recommendation_id", 64), ("brand", 200), ("category", 1000)):
        flag_too_long(reasons, column, limit)
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
            "category": frame["category"].map(normalise_path),
            "brand": frame["brand"].str.strip(),
            "price_cents": price_cents,
        },
        index=frame.index,
    )
    _import_event_frame(canonical, reasons, result, until=until, max_bad_rows=max_bad_rows, progress=progress)
    return finish_result(result)


def import_events(
    *,
    path: str | Path,
    format: str,
    until: date | datetime | None = None,
    date_format: str | None = None,
    max_bad_rows: BadRowLimit | None = None,
    progress: bool = False,
) -> ImportResult:
    """Dispatch on ``format`` (``rees46`` or ``generic``)."""
    importer = {"rees46": import_rees46_events, "generic": import_generic_events}.get(format)
    if importer is None:
        raise ImportFileError(f"unknown event format {format!r}; choose one of {', '.join(EVENT_FORMATS)}")
    return importer(path=path, until=until, date_format=date_format, max_bad_rows=max_bad_rows, progress=progress)
