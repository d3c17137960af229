import pytest

from electroshop.shop.adapter import BuiltinShopAdapter
from tests.factories import CustomerFactory, UserFactory

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
