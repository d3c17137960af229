from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection, models
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from electroshop.seam.adapter import ORDER_ENTITY_FIELDS, PRODUCT_COLUMNS, PROMOTION_COLUMNS, StockLevel
from electroshop.seam.orm import ModelShopAdapter
from electroshop.shop.adapter import BuiltinShopAdapter
from electroshop.shop.importers import import_generic_orders
from electroshop.shop.models import Event, Order
from tests.factories import (
    BrandFactory,
    CategoryFactory,
    CustomerFactory,
    EventFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    PromotionFactory,
    StockFactory,
)

pytestmark = pytest.mark.django_db

selectors = BuiltinShopAdapter()

T0 = datetime(2024, 3, 4, 10, 0, tzinfo=dt_timezone.utc)
UNTIL = datetime(2024, 4, 1, tzinfo=dt_timezone.utc)


@pytest.fixture
def shop():
    customer = CustomerFactory()
    phone, case, cable = ProductFactory(sku="PHONE"), ProductFactory(sku="CASE"), ProductFactory(sku="CABLE")
    paid = OrderFactory(number="P1", customer=customer, created_at=T0, status=Order.Status.PAID)
    OrderLineFactory(order=paid, product=phone, quantity=2, unit_price=Decimal("100.00"))
    OrderLineFactory(order=paid, product=case, quantity=1, unit_price=Decimal("10.00"))
    cancelled = OrderFactory(number="C1", customer=customer, created_at=T0 + timedelta(hours=1), status=Order.Status.CANCELLED)
    OrderLineFactory(order=cancelled, product=cable, quantity=5, unit_price=Decimal("3.00"))
    refunded = OrderFactory(number="R1", customer=customer, created_at=T0 + timedelta(days=1), status=Order.Status.REFUNDED)
    OrderLineFactory(order=refunded, product=cable, quantity=1, unit_price=Decimal("3.00"))
    guest = OrderFactory(number="G1", customer=None, created_at=T0 + timedelta(days=1), status=Order.Status.COMPLETED)
    OrderLineFactory(order=guest, product=phone, quantity=1, unit_price=Decimal("100.00"))
    late = OrderFactory(number="L1", customer=customer, created_at=UNTIL, status=Order.Status.PAID)
    OrderLineFactory(order=late, product=case, quantity=9, unit_price=Decimal("10.00"))
    EventFactory(customer=customer, session_id="s1", product=cable, event_type=Event.Type.VIEW, occurred_at=T0 - timedelta(days=1))
    # A purchase event mirrored from an order line by the importer: not counted twice.
    EventFactory(customer=customer, session_id="order:P1", product=phone, event_type=Event.Type.PURCHASE, occurred_at=T0, dedupe_key="order:P1:PHONE:2:100.00")
    # A purchase event with no order behind it (e.g. a rees46 log): kept.
    EventFactory(customer=None, session_id="s9", product=case, event_type=Event.Type.PURCHASE, occurred_at=T0, dedupe_key="rees46:abc")
    return {"customer": customer, "phone": phone, "case": case, "cable": cable}


def test_interactions_frame(shop):
    frame = selectors.interactions_frame(until=UNTIL)
    assert list(frame.columns) == ["customer_id", "session_id", "product_id", "event_type", "occurred_at", "quantity"]
    rows = {(r.session_id, r.product_id, r.event_type, r.quantity) for r in frame.itertuples()}
    assert rows == {
        ("order:P1", shop["phone"].pk, "purchase", 2),
        ("order:P1", shop["case"].pk, "purchase", 1),
        ("order:G1", shop["phone"].pk, "purchase", 1),
        ("s1", shop["cable"].pk, "view", 1),
        ("s9", shop["case"].pk, "purchase", 1),
    }
    assert frame["occurred_at"].is_monotonic_increasing
    assert frame.loc[frame.session_id == "order:G1", "customer_id"].isna().all()
    assert str(frame["occurred_at"].dt.tz) == "UTC"
    since = selectors.interactions_frame(since=T0 + timedelta(hours=2), until=UNTIL)
    assert set(since.session_id) == {"order:G1"}


def test_order_lines_frame_keeps_every_status_in_window(shop):
    frame = selectors.order_lines_frame(until=UNTIL)
    assert list(frame.columns) == ["order_id", "number", "customer_id", "product_id", "quantity", "unit_price", "created_at", "status"]
    assert sorted(frame.number) == ["C1", "G1", "P1", "P1", "R1"]
    assert set(frame.status) == {"paid", "cancelled", "refunded", "completed"}
    assert frame.loc[frame.number == "P1", "unit_price"].sum() == 110.0
    assert sorted(selectors.order_lines_frame(since=T0 + timedelta(minutes=30), until=UNTIL).number) == ["C1", "G1", "R1"]


def test_daily_units_frame_excludes_cancelled_and_refunded(shop):
    frame = selectors.daily_units_frame(until=UNTIL)
    assert list(frame.columns) == ["product_id", "date", "units"]
    got = {(r.product_id, r.date.date(), r.units) for r in frame.itertuples()}
    assert got == {
        (shop["phone"].pk, date(2024, 3, 4), 2),
        (shop["phone"].pk, date(2024, 3, 5), 1),
        (shop["case"].pk, date(2024, 3, 4), 1),
    }


def test_products_frame():
    phones = CategoryFactory(name="Phones", parent=CategoryFactory(name="Electronics"))
    product = ProductFactory(sku="X1", category=phones, brand=BrandFactory(name="Acme"), price=Decimal("12.50"), attributes={"colour": "red"})
    bare = ProductFactory(sku="X2", category=None, brand=None)
    raw = selectors.products_frame()
    assert list(raw.columns) == PRODUCT_COLUMNS
    frame = raw.set_index("sku")
    assert frame.loc["X1", "category_path"] == "Electronics/Phones"
    assert frame.loc["X1", "brand_name"] == "Acme"
    assert frame.loc["X1", "price"] == 12.5
    assert frame.loc["X1", "attributes"] == {"colour": "red"}
    assert frame.loc["X1", "id"] == product.pk
    assert frame.loc["X2", "category_path"] == "" and frame.loc["X2", "brand_name"] == ""
    assert pd.isna(frame.loc["X2", "category_id"])
    assert bare.pk in set(frame["id"])
    assert list(selectors.products_frame([bare.pk])["sku"]) == ["X2"]


def test_stock_levels():
    stock = StockFactory(on_hand=4, on_order=10, lead_time_days=3, pack_size=6, minimum_order_quantity=12)
    other = StockFactory()
    levels = selectors.stock_levels()
    assert levels[stock.product_id] == StockLevel(4, 10, 3, 6, 12)
    assert set(selectors.stock_levels([stock.product_id])) == {stock.product_id}
    assert other.product_id in levels


def test_promotions_frame():
    promotion = PromotionFactory(discount_percent=Decimal("15"), starts_on=date(2024, 1, 1), ends_on=date(2024, 1, 7))
    frame = selectors.promotions_frame()
    assert list(frame.columns) == PROMOTION_COLUMNS
    row = frame.iloc[0]
    assert row.id == promotion.pk and row.discount_percent == 15.0 and row.ends_on.date() == date(2024, 1, 7)


def test_small_lookups(shop):
    assert selectors.product_id_for_sku_uncached("PHONE") == shop["phone"].pk
    assert selectors.product_id_for_sku_uncached("phone") is None  # case-sensitive
    assert selectors.customer_exists(shop["customer"].pk)
    assert not selectors.customer_exists(shop["customer"].pk + 1000)
    # Cancelled (cable x5) and refunded (cable x1) orders do not count as purchases.
    assert selectors.purchased_product_ids(shop["customer"].pk) == sorted([shop["phone"].pk, shop["case"].pk])
    paid = Order.objects.get(number="P1")
    assert selectors.order_product_ids(paid.pk) == sorted([shop["phone"].pk, shop["case"].pk])
    assert selectors.order_product_ids(paid.pk + 1000) == [] and selectors.order_product_ids(2**70) == []


def test_bulk_reads_of_the_fill_are_one_query_and_agree_with_the_single_reads(shop, django_assert_num_queries):
    other, guest = CustomerFactory(country="DE"), CustomerFactory(country="")
    OrderLineFactory(order=OrderFactory(customer=other, status=Order.Status.PAID), product=shop["cable"])
    OrderLineFactory(order=OrderFactory(customer=other, status=Order.Status.PAID), product=shop["cable"])
    ids = [shop["customer"].pk, other.pk, guest.pk, guest.pk + 1000]
    with django_assert_num_queries(1):
        bought = selectors.purchased_product_ids_by_customer(ids)
    # cancelled and refunded orders do not count; customers without purchases are absent
    assert bought == {shop["customer"].pk: selectors.purchased_product_ids(shop["customer"].pk),
                      other.pk: [shop["cable"].pk]}
    assert selectors.purchased_product_ids_by_customer([]) == {}
    with django_assert_num_queries(1):
        segments = selectors.customer_segments(ids)
    assert segments == {pk: selectors.customer_segment(pk) for pk in ids[:3]}
    assert segments[other.pk] == "DE" and segments[guest.pk] == ""


def test_first_product_ids_are_the_customers_first_product_events(shop):
    customer = shop["customer"]
    # the fixture's events: a view of the cable (T0 - 1 day), the mirrored purchase of the phone (T0)
    assert selectors.first_product_ids(customer.pk, limit=5) == [shop["cable"].pk, shop["phone"].pk]
    assert selectors.first_product_ids(customer.pk, limit=1) == [shop["cable"].pk]
    assert selectors.first_product_ids(customer.pk + 1000, limit=5) == []


def test_imported_orders_are_read_back(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,sku,quantity,unit_price,ordered_at\n"
        "A1,10,sku-a,2,1.00,2024-01-01T09:00:00\nA1,10,SKU-A,1,1.00,2024-01-01T09:00:00\n"
    )
    import_generic_orders(path=path)
    frame = selectors.interactions_frame(until=UNTIL)
    # Purchases come from the order lines; the mirrored purchase events are not counted twice.
    assert len(frame) == 2 and set(frame.event_type) == {"purchase"}
    assert sorted(frame.quantity) == [1, 2]


def test_card_and_bought_sql_are_built_once_per_adapter(shop):
    adapter = BuiltinShopAdapter()
    ids = [shop["phone"].pk, shop["case"].pk]
    assert set(adapter.product_cards(ids)) == set(ids)
    sql = adapter._showable_cards_sql(2)
    adapter.product_cards(ids)
    assert adapter._showable_cards_sql(2) is sql  # memoised, not rebuilt per request
    adapter.purchased_product_ids(shop["customer"].pk)
    assert adapter._bought_sql() is adapter._bought_sql()


def test_card_stock_sql_is_a_hook(shop):
    StockFactory(product=shop["phone"], on_hand=0)

    class StockIgnored(BuiltinShopAdapter):
        def card_stock_sql(self, product_column):
            return "", "1 = 1"

    ids = [shop["phone"].pk, shop["case"].pk]
    assert set(BuiltinShopAdapter().product_cards(ids)) == {shop["case"].pk}  # out of stock: not shown
    assert set(StockIgnored().product_cards(ids)) == set(ids)


def test_fraud_order_history_sql_is_the_indexed_or_query(shop):
    # The five entity indexes (shop migration 0002) were made for exactly this statement.
    entities = {"email": "A@x", "device_id": "d1", "ip_address": "1.2.3.4", "card_fingerprint": "f",
                "shipping_address": "1 Road"}
    customer_id, paid = shop["customer"].pk, Order.objects.get(number="P1").pk
    reference = (
        Order.objects.filter(Q(customer_id=customer_id) | Q(email__iexact="A@x") | Q(device_id="d1")
                             | Q(ip_address="1.2.3.4") | Q(card_fingerprint="f") | Q(shipping_address__iexact="1 Road"),
                             created_at__gte=T0, created_at__lte=UNTIL)
        .exclude(pk=paid).order_by().values("id", "customer_id", "created_at", "total", *ORDER_ENTITY_FIELDS)
    )
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.orders_sharing_entities(customer_id=customer_id, entities=entities, since=T0, until=UNTIL,
                                                 exclude_order_id=paid)
        expected = list(reference)
    adapter_sql, reference_sql = (query["sql"] for query in queries.captured_queries)
    assert adapter_sql == reference_sql
    assert rows == expected and len(rows) == 3  # C1, R1 and L1 (at ``until``: included)


# A shop whose customer and order tables lack the consent, sign-up and identity columns: the same
# rows, mapped by unmanaged models that declare only the core columns.

class BareCustomer(models.Model):
    created_at = models.DateTimeField()
    country = models.CharField(max_length=100)

    class Meta:
        app_label = "bare_shop"
        managed = False
        db_table = "shop_customer"


class BareOrder(models.Model):
    number = models.CharField(max_length=64)
    customer = models.ForeignKey(BareCustomer, null=True, on_delete=models.DO_NOTHING)
    created_at = models.DateTimeField()
    status = models.CharField(max_length=16)
    total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        app_label = "bare_shop"
        managed = False
        db_table = "shop_order"


class BareShopAdapter(BuiltinShopAdapter):
    customer_model = BareCustomer
    order_model = BareOrder


def test_missing_consent_columns_read_as_the_defaults(shop):
    customer = shop["customer"]
    customer.personalization_consent, customer.marketing_consent = False, True
    customer.save()
    adapter = BareShopAdapter()
    assert adapter.customers_without_consent("personalization") == set()  # personalise: yes
    assert adapter.customers_without_consent("marketing", [customer.pk]) == {customer.pk}  # market: no
    assert adapter.customers_without_consent("marketing", []) == set()
    assert BuiltinShopAdapter().customers_without_consent("personalization") == {customer.pk}


def test_missing_identity_columns_read_as_blank(shop):
    adapter = BareShopAdapter()
    paid = Order.objects.get(number="P1")
    risk = adapter.order_for_risk(paid.pk)
    assert risk["number"] == "P1" and risk["customer_id"] == shop["customer"].pk
    assert risk["email"] == "" and risk["device_id"] == "" and risk["ip_address"] is None
    assert risk["customer_created_at"] == shop["customer"].created_at
    frame = adapter.orders_risk_frame(until=UNTIL)
    assert list(frame.columns) == list(BuiltinShopAdapter().orders_risk_frame(until=UNTIL).columns)
    assert set(frame.card_fingerprint) == {""}
    # Only the customer links orders when there are no identity columns.
    shared = adapter.orders_sharing_entities(customer_id=shop["customer"].pk, entities={"email": paid.email},
                                             since=T0, until=UNTIL, exclude_order_id=paid.pk)
    same_customer = Order.objects.filter(customer=shop["customer"], created_at__lte=UNTIL).exclude(pk=paid.pk)
    assert {row["id"] for row in shared} == set(same_customer.values_list("pk", flat=True))
    assert adapter.orders_sharing_entities(customer_id=None, entities={"email": paid.email}, since=T0,
                                           until=UNTIL) == []
    signup = adapter.customer_for_signup(shop["customer"].pk)
    assert signup["signup_ip"] is None and signup["signup_device_id"] == "" and signup["email"] == ""
    assert signup["first_order_at"] == T0
    assert adapter.signups_sharing(customer_id=0, signup_ip="1.2.3.4", device_id="d", since=T0, until=UNTIL) == []


def test_a_model_adapter_without_reviews_or_promotions_uses_the_defaults():
    class NoExtras(BuiltinShopAdapter):
        review_model = None
        promotion_model = None

    PromotionFactory()
    adapter = NoExtras()
    assert adapter.promotions_frame().empty and list(adapter.promotions_frame().columns) == PROMOTION_COLUMNS
    assert adapter.review_for_risk(1) is None and adapter.review_texts([1]) == {}
    assert adapter.set_review_status(1, "held") is False
    assert isinstance(adapter, ModelShopAdapter)


class PathlessCategory(models.Model):
    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, on_delete=models.DO_NOTHING)

    class Meta:
        app_label = "bare_shop"
        managed = False
        db_table = "shop_category"


def test_categories_without_a_path_column_get_theirs_from_the_parent_links():
    electronics = CategoryFactory(name="Electronics")
    phones = CategoryFactory(name="Phones", parent=electronics)
    cases = CategoryFactory(name="Cases", parent=phones)
    other = CategoryFactory(name="Garden")
    product = ProductFactory(category=cases)

    class PathlessShopAdapter(BuiltinShopAdapter):
        category_model = PathlessCategory

    adapter, builtin = PathlessShopAdapter(), BuiltinShopAdapter()
    assert adapter._category_paths() == builtin._category_paths()
    assert adapter.product_category_ids([product.pk]) == {product.pk: [cases.pk, phones.pk, electronics.pk]}
    assert sorted(adapter.category_subtree_ids_uncached(phones.pk)) == sorted([phones.pk, cases.pk])
    assert adapter.category_subtree_ids_uncached(other.pk + 1000) == []
    frame = adapter.products_frame().set_index("id")
    assert frame.loc[product.pk, "category_path"] == "Electronics/Phones/Cases"
    pd.testing.assert_frame_equal(adapter.products_frame(), builtin.products_frame())
