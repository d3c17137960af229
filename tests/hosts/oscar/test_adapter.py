"""The Oscar adapter's mapping of Oscar's data onto the seam, and Oscar's signals sent on."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from oscar.apps.partner.strategy import Selector
from oscar.core.loading import get_model

from electroshop.seam import get_adapter
from electroshop.seam import signals as seam_signals

pytestmark = pytest.mark.django_db

StockRecord = get_model("partner", "StockRecord")
Line = get_model("order", "Line")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductAttribute = get_model("catalogue", "ProductAttribute")
Basket = get_model("basket", "Basket")
UserProductView = get_model("analytics", "UserProductView")


@pytest.fixture
def received():
    """The seam signals sent during the test: [(signal name, kwargs)]."""
    sent = []
    receivers = {}
    for name in ("order_placed", "order_changed", "stock_changed", "catalog_changed", "customer_changed",
                 "customer_created", "review_created"):
        receivers[name] = lambda name=name, **kwargs: sent.append((name, kwargs))
        getattr(seam_signals, name).connect(receivers[name], weak=False)
    yield sent
    for name, receiver in receivers.items():
        getattr(seam_signals, name).disconnect(receiver)


def test_child_products_are_the_sellable_unit_and_inherit_from_their_parent(oscar_shop):
    adapter = get_adapter()
    parent, child = oscar_shop["parent"], oscar_shop["children"][0]
    accessories = oscar_shop["categories"][4]
    frame = adapter.products_frame(product_ids=[parent.pk, child.pk]).set_index("id")
    assert not frame.loc[parent.pk, "is_active"] and frame.loc[child.pk, "is_active"]
    assert frame.loc[child.pk, "category_id"] == accessories.pk
    assert frame.loc[child.pk, "category_path"] == "Electronics/Accessories"
    assert frame.loc[child.pk, "brand_name"] == "Acme" and frame.loc[child.pk, "sku"] == "CASE-black"
    assert adapter.product_category_ids([child.pk]) == {child.pk: [accessories.pk, accessories.get_parent().pk]}
    cards = adapter.product_cards([parent.pk, child.pk])
    assert list(cards) == [child.pk] and cards[child.pk]["name"] == "Phone case, black"
    assert adapter.product_ids_for_skus(["CASE-black", "UPC-001", "nope"]) == {
        "CASE-black": child.pk, "UPC-001": oscar_shop["products"][1].pk}
    assert set(adapter.category_subtree_ids_uncached(accessories.get_parent().pk)) == {
        c.pk for c in oscar_shop["categories"]} | {accessories.get_parent().pk}


def test_stock_is_what_the_stock_records_can_still_sell(oscar_shop):
    child = oscar_shop["children"][0]
    record = StockRecord.objects.get(product=child)
    level = get_adapter().stock_levels([child.pk])[child.pk]
    assert level.on_hand == record.num_in_stock - record.num_allocated and level.on_order == 0
    assert oscar_shop["parent"].pk not in get_adapter().stocked_product_ids()


def test_customers_are_users_segmented_by_their_default_shipping_country(oscar_shop):
    adapter = get_adapter()
    customers = oscar_shop["customers"]
    assert [adapter.customer_segment(c.pk) for c in customers[:3]] == ["GB", "FR", "DE"]
    assert adapter.customer_segment(10**9) is None
    assert adapter.purchased_product_ids(customers[0].pk)


def test_cancelled_orders_are_not_demand(oscar_shop):
    adapter = get_adapter()
    customer = oscar_shop["customers"][0]
    bought = adapter.purchased_product_ids(customer.pk)
    customer.orders.update(status="Cancelled")
    assert bought and adapter.purchased_product_ids(customer.pk) == []


def test_a_stock_record_save_sends_the_products_stock_level(oscar_shop, received):
    record = StockRecord.objects.get(product=oscar_shop["children"][2])
    record.num_in_stock = record.num_allocated + 3
    record.save()
    assert ("stock_changed", {"signal": seam_signals.stock_changed, "sender": StockRecord,
                              "levels": {record.product_id: (3, 0)}}) in received


def test_a_parent_product_save_is_a_catalogue_change_of_its_children_too(oscar_shop, received):
    parent = oscar_shop["parent"]
    parent.title = "Phone sleeve"
    parent.save()
    changed = [kwargs["product_ids"] for name, kwargs in received if name == "catalog_changed"]
    assert sorted(changed[0]) == sorted([parent.pk] + [c.pk for c in oscar_shop["children"]])
    assert get_adapter().product_summaries([oscar_shop["children"][0].pk])[oscar_shop["children"][0].pk]["name"] == (
        "Phone case, black")  # a child's own title wins


def test_a_new_user_is_a_new_customer(oscar_shop, received):
    user = get_user_model().objects.create_user("newcomer", "newcomer@example.com", None)
    assert ("customer_created", user.pk) in [(name, kwargs.get("customer_id")) for name, kwargs in received]
    assert get_adapter().customer_created_at(user.pk) <= timezone.now()


def test_oscar_basket_lines_and_product_views_are_cart_and_view_events(oscar_shop):
    customer, products = oscar_shop["customers"][9], oscar_shop["products"]
    start = timezone.now() - timedelta(seconds=1)
    basket = Basket.objects.create(owner=customer)
    basket.strategy = Selector().strategy(user=customer)
    basket.add_product(products[4], 2)  # as Oscar's add-to-basket view does
    UserProductView.objects.create(user=customer, product=products[6])  # as Oscar's product page records
    frame = get_adapter().interactions_frame(since=start, until=timezone.now() + timedelta(seconds=1))
    rows = frame[["customer_id", "session_id", "product_id", "event_type", "quantity"]].to_dict("records")
    assert rows == [
        {"customer_id": customer.pk, "session_id": f"basket:{basket.pk}", "product_id": products[4].pk,
         "event_type": "cart", "quantity": 1},
        {"customer_id": customer.pk, "session_id": "", "product_id": products[6].pk, "event_type": "view",
         "quantity": 1},
    ]


def test_attribute_values_and_the_partner_as_supplier(oscar_shop):
    adapter = get_adapter()
    product, child, parent = oscar_shop["products"][1], oscar_shop["children"][0], oscar_shop["parent"]
    ProductAttribute.objects.create(product_class=product.product_class, name="Warranty", code="warranty_years",
                                    type="integer")
    ProductAttribute.objects.create(product_class=product.product_class, name="Waterproof", code="waterproof",
                                    type="boolean")
    product.attr.warranty_years = 2
    product.attr.waterproof = True
    product.save()
    frame = adapter.products_frame(product_ids=[product.pk, child.pk, parent.pk]).set_index("id")
    assert frame.loc[product.pk, "attributes"] == {"brand": "Globex", "warranty_years": 2, "waterproof": True}
    assert frame.loc[child.pk, "attributes"] == {"brand": "Acme"}  # the parent's
    summaries = adapter.product_summaries([product.pk, oscar_shop["products"][0].pk, child.pk])
    assert [summaries[pk]["supplier"] for pk in (product.pk, oscar_shop["products"][0].pk, child.pk)] == [
        "South Supply", "North Supply", "North Supply"]


def test_a_product_whose_class_does_not_track_stock_is_sellable_but_not_stock_managed(oscar_shop):
    adapter = get_adapter()
    untracked = ProductClass.objects.create(name="Download", slug="download", track_stock=False)
    product = Product.objects.create(product_class=untracked, title="E-book", upc="EBOOK-1")
    StockRecord.objects.create(product=product, partner=oscar_shop["partners"][0], partner_sku="EB1",
                               price=Decimal("5.00"), num_in_stock=0)
    tracked = oscar_shop["products"][0]
    assert product.pk in adapter.product_cards([product.pk])  # Oscar sells it whatever its count
    assert product.pk not in adapter.stock_levels([product.pk, tracked.pk]) and tracked.pk in adapter.stock_levels(
        [product.pk, tracked.pk])
    stocked = adapter.stocked_product_ids()
    assert product.pk not in stocked and tracked.pk in stocked


def test_new_products_and_a_customers_purchase_times(oscar_shop):
    adapter = get_adapter()
    Product = get_model("catalogue", "Product")
    newest = Product.objects.order_by("-date_created", "-pk")
    since = newest[2].date_created
    assert adapter.new_product_ids(since=since, limit=2) == [p.pk for p in newest[:2]]
    assert adapter.new_product_ids(since=timezone.now(), limit=10) == []

    customer = oscar_shop["customers"][0]
    times = adapter.purchase_times(customer.pk)
    assert sorted(times) == adapter.purchased_product_ids(customer.pk)
    lines = Line.objects.filter(order__user=customer).exclude(order__status="Cancelled")
    assert sum(len(placed) for placed in times.values()) == lines.count()
    assert all(placed == sorted(placed) for placed in times.values())
