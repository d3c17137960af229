"""Small helpers of the model-based reads (``orm.py``, ``orm_risk.py``, and shop adapters built on Django's ORM)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Iterable

import pandas as pd
from django.db.models import QuerySet


def in_window(queryset: QuerySet, field: str, *, since: datetime | None, until: datetime | None) -> QuerySet:
    if since is not None:
        queryset = queryset.filter(**{f"{field}__gte": since})
    if until is not None:
        queryset = queryset.filter(**{f"{field}__lt": until})
    return queryset


def to_frame(rows: Iterable[tuple], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


def decimal_with_places(value, places: int) -> Decimal | None:
    """A price as a Decimal with the price field's decimal places. SQLite hands back floats or ints
    for decimal columns read with SQL, and Decimals of any exponent ("50", "9.99000000000000") for
    expressions over them (a Coalesce, a Subquery): cards show prices as the field defines them."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value.quantize(Decimal(1).scaleb(-places))
    return Decimal(f"{value:.{places}f}")
