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
