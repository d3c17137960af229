"""Large reads become compact frames chunk by chunk, with the same values as a plain read."""
from datetime import datetime, timezone

import pandas as pd
import pytest

from electroshop.seam.frames import to_compact_frame, to_frame

COLUMNS = ["customer_id", "session_id", "product_id", "event_type", "occurred_at"]


def rows(n: int) -> list[tuple]:
    return [(None if k % 7 == 0 else k, None if k % 5 == 0 else f"s{k % 3}", k, ("view", "cart")[k % 2],
             datetime(2026, 1, 1 + k % 28, k % 24, tzinfo=timezone.utc)) for k in range(n)]


@pytest.mark.parametrize("chunk_size", [1, 4, 1000])
def test_a_compact_frame_holds_the_values_of_a_plain_one(chunk_size):
    compact = to_compact_frame(rows(23), COLUMNS, datetimes=["occurred_at"], chunk_size=chunk_size)
    plain = to_frame(rows(23), COLUMNS)
    plain["occurred_at"] = pd.to_datetime(plain["occurred_at"], utc=True)
    pd.testing.assert_frame_equal(compact, plain)
    assert compact["session_id"].dtype == object and compact.loc[0, "session_id"] is None  # None stays None
    assert str(compact["occurred_at"].dtype) == "datetime64[ns, UTC]"


def test_equal_strings_of_a_chunk_are_one_object():
    frame = to_compact_frame(rows(40), COLUMNS, datetimes=["occurred_at"], chunk_size=100)
    views = frame.loc[frame["event_type"] == "view", "event_type"]
    assert len({id(value) for value in views}) == 1


def test_an_empty_read_has_the_columns_and_the_datetime_type():
    empty = to_compact_frame([], COLUMNS, datetimes=["occurred_at"])
    assert list(empty.columns) == COLUMNS and str(empty["occurred_at"].dtype) == "datetime64[ns, UTC]"


def test_values_that_are_not_strings_are_kept_as_they_are():
    from decimal import Decimal

    frame = to_compact_frame([(Decimal("1.5"), "a"), (Decimal("1.50"), "a")], ["price", "label"], chunk_size=10)
    assert [str(value) for value in frame["price"]] == ["1.5", "1.50"]


@pytest.mark.django_db
def test_a_queryset_is_read_in_chunks():
    from electroshop.shop.models import Category

    for name in ("a", "b", "c"):
        Category.objects.create(name=name, slug=name, path=name)
    frame = to_compact_frame(Category.objects.order_by("name").values_list("name", "slug"), ["name", "slug"],
                             chunk_size=2)
    assert frame["name"].tolist() == ["a", "b", "c"]
