"""The legacy shop's adapter reads its own tables as the seam's contract says."""
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from electroshop.seam import get_adapter
from electroshop.seam.adapter import PRODUCT_COLUMNS

from . import history
from .legacyshop.adapter import LegacyShopAdapter

pytestmark = pytest.mark.django_db


def _sql(query: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def test_the_setting_names_the_hosts_adapter():
    assert isinstance(get_adapter(), LegacyShopAdapter)


def test_stock_is_summed_over_the_warehouses(legacy_shop):
    levels = get_adapter().stock_levels()
    sums = {item: (on_hand, on_order) for item, on_hand, on_order in _sql(
        "SELECT item_no, SUM(qty_on_hand), SUM(qty_on_order) FROM wh_stock GROUP BY item_no")}
    assert {pid: (level.on_hand, level.on_order) for pid, level in levels.items()} == sums
    several = _sql("SELECT item_no FROM wh_stock GROUP BY item_no HAVING COUNT(*) = 3")[0][0]
    assert levels[several].pack_size == _sql("SELECT case_qty FROM inv_item WHERE item_no = %s", [several])[0][0]
    assert get_adapter().stocked_product_ids() == list(range(1, history.ITEMS + 1))


def test_products_with_paths_from_parent_links_and_text_brands(legacy_shop):
    frame = get_adapter().products_frame()
    assert list(frame.columns) == PRODUCT_COLUMNS and len(frame) == history.ITEMS
    by_id = frame.set_index("id")
    second = by_id.loc[2]
    assert (second.sku, second.category_path) == ("LG-0002", "Electronics/Audio")
    assert second.attributes == {"colour": "black"}
    assert (by_id.loc[1].brand_name, second.brand_name) == ("Globex", "")  # item 2 has no brand text
    assert get_adapter().product_category_ids([2]) == {2: [3, 1]}
    assert sorted(get_adapter().category_subtree_ids_uncached(1)) == [1, 2, 3, 4]


def test_cancelled_and_returned_orders_are_not_demand(legacy_shop):
    until = timezone.now() + timedelta(days=1)
    units = get_adapter().daily_units_frame(until=until)["units"].sum()
    (expected,), = _sql("SELECT SUM(l.qty) FROM sales_line l JOIN sales_header h ON h.hdr_id = l.hdr_id "
                        "WHERE h.status_cd NOT IN ('C', 'R')")
    (everything,), = _sql("SELECT SUM(qty) FROM sales_line")
    assert units == expected < everything
    assert len(get_adapter().order_lines_frame(until=until)) == _sql("SELECT COUNT(*) FROM sales_line")[0][0]


def test_cards_show_only_items_in_stock_in_some_warehouse(legacy_shop):
    cards = get_adapter().product_cards([history.OUT_OF_STOCK_ITEM, 2])
    assert set(cards) == {2}
    assert cards[2]["currency"] == "EUR" and str(cards[2]["price"]) == "34.00"


def test_orders_for_risk_carry_the_identities_the_shop_records(legacy_shop):
    order = get_adapter().order_for_risk(1)
    assert order["number"] == "SO-000001" and order["email"].endswith("@example.de")
    assert order["shipping_country"] in history.COUNTRIES and order["payment_method"] == "card"
    assert order["device_id"] == "" and order["ip_address"] is None  # not recorded: blank
    assert order["customer_created_at"] is not None


def test_stock_writes_go_to_an_items_single_warehouse_row_and_refuse_several(legacy_shop):
    from electroshop.seam.adapter import StockWriteNotSupported

    single = _sql("SELECT item_no FROM wh_stock GROUP BY item_no HAVING COUNT(*) = 1")[0][0]
    before = get_adapter().stock_levels([single])[single]
    level = get_adapter().adjust_stock(single, on_hand=4, on_order=-1)
    assert (level.on_hand, level.on_order) == (before.on_hand + 4, max(before.on_order - 1, 0))
    assert _sql("SELECT qty_on_hand FROM wh_stock WHERE item_no = %s", [single])[0][0] == before.on_hand + 4
    several = _sql("SELECT item_no FROM wh_stock GROUP BY item_no HAVING COUNT(*) = 3")[0][0]
    with pytest.raises(StockWriteNotSupported, match="several stock rows"):
        get_adapter().adjust_stock(several, on_order=5)
