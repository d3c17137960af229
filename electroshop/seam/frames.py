"""Small helpers of the model-based reads (``orm.py``, ``orm_risk.py``, and shop adapters built on Django's ORM)."""
from __future__ import annotations

from datetime import datetime
from itertools import islice
from decimal import Decimal
from typing import Any, Iterable

import pandas as pd
from django.db.models import QuerySet

from .adapter import ORDER_RISK_FIELDS


def in_window(queryset: QuerySet, field: str, *, since: datetime | None, until: datetime | None) -> QuerySet:
    if since is not None:
        queryset = queryset.filter(**{f"{field}__gte": since})
    if until is not None:
        queryset = queryset.filter(**{f"{field}__lt": until})
    return queryset


def to_frame(rows: Iterable[tuple], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


def to_compact_frame(rows: Iterable[tuple], columns: list[str], *, datetimes: Iterable[str] = (),
                     chunk_size: int = 100_000) -> pd.DataFrame:
    """Like :func:`to_frame` for large reads (interactions): rows are taken ``chunk_size`` at a time (a
    queryset is streamed with ``iterator``), ``datetimes`` become UTC datetime64 columns, and each text
    column holds one string object per distinct value of a chunk instead of one per row. The Python
    tuples of a whole read took several times the frame's memory: a large shop's two million events
    came to gigabytes before the frame was even built."""
    source = rows.iterator(chunk_size=chunk_size) if isinstance(rows, QuerySet) else iter(rows)
    datetimes = list(datetimes)
    parts = []
    while chunk := list(islice(source, chunk_size)):
        part = pd.DataFrame.from_records(chunk, columns=columns)
        del chunk
        for column in columns:
            if column in datetimes:
                part[column] = pd.to_datetime(part[column], utc=True)
            elif _is_text(part[column]):
                values = part[column]
                shared = values.astype("category").astype(object)  # one object per distinct string
                part[column] = shared.where(values.notna(), None)
        parts.append(part)
    if not parts:
        empty = pd.DataFrame.from_records([], columns=columns)
        return empty.astype({column: "datetime64[ns, UTC]" for column in datetimes})
    frame = pd.concat(parts, ignore_index=True)
    del parts
    # a chunk whose ids were all None read as objects: numbers again, as a single read has them
    for column in columns:
        if frame[column].dtype == object and not _is_text(frame[column]):
            frame[column] = frame[column].infer_objects()
    return frame


def _is_text(values: pd.Series) -> bool:
    """An object column whose values are strings (None aside), judged by its first value."""
    if values.dtype != object:
        return False
    present = values.dropna()
    return len(present) > 0 and isinstance(present.iloc[0], str)


def decimal_with_places(value, places: int) -> Decimal | None:
    """A price as a Decimal with the price field's decimal places. SQLite hands back floats or ints
    for decimal columns read with SQL, and Decimals of any exponent ("50", "9.99000000000000") for
    expressions over them (a Coalesce, a Subquery): cards show prices as the field defines them."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value.quantize(Decimal(1).scaleb(-places))
    return Decimal(f"{value:.{places}f}")


def blank(field: str) -> Any:
    """What a column the shop lacks reads as: None for an IP address, "" otherwise (rules and fraud
    features treat both as absent)."""
    return None if field == "ip_address" or field.endswith("_ip") else ""


def with_blanks(row: dict, fields: Iterable[str]) -> dict:
    """``row`` with the ``fields`` it lacks set to :func:`blank`, in ``fields`` order."""
    return {field: row.get(field, blank(field)) for field in fields} | row


def order_risk_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Orders read with some of ORDER_RISK_FIELDS plus customer_created_at, as ``orders_risk_frame``
    returns them: every ORDER_RISK_FIELDS column (the missing ones blank), typed."""
    for field in ORDER_RISK_FIELDS:
        if field not in frame.columns:
            frame[field] = blank(field)
    frame = frame[[*ORDER_RISK_FIELDS, "customer_created_at"]]
    frame["total"] = frame["total"].astype(float)
    frame["customer_id"] = frame["customer_id"].astype("Int64")
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["customer_created_at"] = pd.to_datetime(frame["customer_created_at"], utc=True)
    return frame
