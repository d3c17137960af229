"""Small helpers of the model-based reads (``orm.py``, ``orm_risk.py``)."""
from __future__ import annotations

from datetime import datetime
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
