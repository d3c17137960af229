import pytest

from electroshop.seam.adapter import ShopAdapter
from electroshop.shop.adapter import BuiltinShopAdapter
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


class WithoutUserRelation(BuiltinShopAdapter):
    user_customer_relation = None


def test_a_users_customer_id_comes_from_the_loaded_relation_without_a_query(django_assert_num_queries):
    customer = CustomerFactory(user=UserFactory())
    user = type(customer.user).objects.select_related("customer").get(pk=customer.user_id)
    lonely = UserFactory()
    lonely = type(lonely).objects.select_related("customer").get(pk=lonely.pk)
    with django_assert_num_queries(0):
        assert BuiltinShopAdapter().customer_id_of_user(user) == customer.pk
        assert BuiltinShopAdapter().customer_id_of_user(lonely) is None


def test_a_shop_without_the_user_relation_is_asked_by_user_id(django_assert_num_queries):
    customer = CustomerFactory(user=UserFactory())
    with django_assert_num_queries(1):
        assert WithoutUserRelation().customer_id_of_user(customer.user) == customer.pk


def test_the_default_bulk_reads_ask_the_single_reads_once_per_customer():
    """A shop that implements only the abstract reads still gets the fill's bulk reads."""
    adapter = BuiltinShopAdapter()
    buyer, browser = CustomerFactory(country="DE"), CustomerFactory(country="")
    product = ProductFactory()
    OrderLineFactory(order=OrderFactory(customer=buyer), product=product)
    ids = [buyer.pk, browser.pk, browser.pk + 1000]
    assert ShopAdapter.purchased_product_ids_by_customer(adapter, ids) == {buyer.pk: [product.pk]}
    assert ShopAdapter.purchased_product_ids_by_customer(adapter, ids) == adapter.purchased_product_ids_by_customer(ids)
    assert ShopAdapter.customer_segments(adapter, ids) == {buyer.pk: "DE", browser.pk: ""}
    assert ShopAdapter.customer_segments(adapter, ids) == adapter.customer_segments(ids)


def test_the_default_new_products_read_agrees_with_the_one_query_override():
    from datetime import timedelta

    from django.utils import timezone

    from electroshop.shop.models import Product

    adapter = BuiltinShopAdapter()
    now = timezone.now()
    products = [ProductFactory() for _ in range(4)]
    for age, product in zip((3, 1, 40, 2), products):
        Product.objects.filter(pk=product.pk).update(created_at=now - timedelta(days=age))
    since = now - timedelta(days=30)
    expected = [products[1].pk, products[3].pk, products[0].pk]
    assert adapter.new_product_ids(since=since, limit=10) == expected
    assert ShopAdapter.new_product_ids(adapter, since=since, limit=2) == expected[:2]


def test_recently_viewed_products_come_from_the_event_table_newest_view_first():
    from datetime import timedelta

    from django.utils import timezone

    from electroshop.shop.models import Event

    customer = CustomerFactory()
    first, second = ProductFactory(), ProductFactory()
    now = timezone.now()
    for minutes, product, event_type in ((3, first, "view"), (2, second, "view"), (1, first, "view"),
                                         (0, second, "cart")):
        Event.objects.create(customer=customer, product=product, event_type=event_type,
                             occurred_at=now - timedelta(minutes=minutes))
    Event.objects.create(session_id="s-1", product=second, event_type="view")
    adapter = BuiltinShopAdapter()
    assert adapter.recently_viewed_product_ids(customer_id=customer.pk, limit=5) == [first.pk, second.pk]
    assert adapter.recently_viewed_product_ids(session_id="s-1", limit=5) == [second.pk]
    assert adapter.recently_viewed_product_ids(limit=5) == []
    assert ShopAdapter.purchase_times(adapter, customer.pk) == {}  # without the override: no such list
