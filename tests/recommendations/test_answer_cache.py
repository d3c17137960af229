"""The customer's rendered answer is served again only while nothing it depends on changed."""
from pathlib import Path

from django.core.cache import cache
from django.test import override_settings

from electroshop.seam import stamps
from electroshop.shop.importers import import_online_retail_orders
from electroshop.shop.models import Stock
from recommendations.models import MerchandisingRule
from recommendations.live import update_live_recommendations
from tests.factories import OrderFactory, OrderLineFactory

from .test_read_path import get, skus

ONLINE_RETAIL = Path(__file__).resolve().parents[1] / "fixtures" / "online_retail_sample.csv"


def stored(client, customer, **params):
    """Read until the answer is stored: the first read after a change adds the stamps it needs."""
    get(client, customer, **params)
    return get(client, customer, **params)


def test_a_repeated_read_is_the_stored_answer_without_a_query(shop, staff_client, django_assert_num_queries):
    first = stored(staff_client, shop["customer"], limit=4)
    with django_assert_num_queries(0):
        again = get(staff_client, shop["customer"], limit=4)
    assert again.status_code == 200 and again["Content-Type"] == "application/json"
    assert again.json() == first.json()  # the same list, the same recommendation ids
    # other parameters are another answer
    assert skus(get(staff_client, shop["customer"], limit=2)) == ["P0", "P1"]
    assert skus(get(staff_client, shop["customer"], limit=4, exclude="P1")) == ["P0", "P2", "P3", "P4"]


def test_stock_purchases_rules_and_live_lists_change_the_next_answer(shop, staff_client):
    p, customer = shop["products"], shop["customer"]
    assert skus(stored(staff_client, customer, limit=4)) == ["P0", "P1", "P2", "P3"]

    stock = Stock.objects.get(product=p[0])
    stock.on_hand = 0
    stock.save()  # sold out
    assert skus(get(staff_client, customer, limit=4)) == ["P1", "P2", "P3", "P4"]

    OrderLineFactory(order=OrderFactory(customer=customer), product=p[1])  # bought
    assert skus(stored(staff_client, customer, limit=4)) == ["P2", "P3", "P4", "P5"]

    MerchandisingRule.objects.create(product_id=p[2].pk, action="hide")
    assert skus(stored(staff_client, customer, limit=4)) == ["P3", "P4", "P5"]

    update_live_recommendations(subject=f"customer:{customer.pk}", product_ids=[p[6].pk], customer_id=customer.pk)
    # viewed P6: its neighbours P5 (bought together) and P7 (similar) lead the live list
    assert skus(get(staff_client, customer, limit=4)) == ["P5", "P7", "P3", "P4"]


def test_a_change_around_model_signals_is_seen_once_the_shop_stamp_is_forgotten(shop, staff_client):
    p, customer = shop["products"], shop["customer"]
    assert skus(stored(staff_client, customer, limit=3)) == ["P0", "P1", "P2"]
    Stock.objects.filter(product=p[0]).update(on_hand=0)  # no signal: the stored answer still counts
    assert skus(get(staff_client, customer, limit=3)) == ["P0", "P1", "P2"]
    stamps.forget_shop_stamp()  # what imports do, and what a shop's own bulk stock update should call
    assert skus(get(staff_client, customer, limit=3)) == ["P1", "P2", "P3"]


def test_a_new_answer_reuses_the_cards_and_purchases_read_under_the_same_stamps(shop, staff_client,
                                                                               django_assert_num_queries):
    stored(staff_client, shop["customer"], limit=4)
    with django_assert_num_queries(0):  # another answer (exclude), the same cards and purchases
        assert skus(get(staff_client, shop["customer"], limit=4, exclude="P0")) == ["P1", "P2", "P3", "P4"]


def test_reused_cards_and_purchases_follow_stamps_and_expire(shop, staff_client, monkeypatch):
    from electroshop.seam import reads
    from electroshop.shop.models import OrderLine

    p, customer = shop["products"], shop["customer"]
    order = OrderFactory(customer=customer)
    assert skus(stored(staff_client, customer, limit=3)) == ["P0", "P1", "P2"]
    Stock.objects.filter(product=p[0]).update(on_hand=0)  # around model signals: cards are reused ...
    assert skus(get(staff_client, customer, limit=3, exclude="P5")) == ["P0", "P1", "P2"]
    later = reads.time.monotonic() + 11  # ... for at most RECOMMENDATIONS_RESPONSE_CACHE_SECONDS
    monkeypatch.setattr(reads.time, "monotonic", lambda: later)
    assert skus(get(staff_client, customer, limit=3, exclude="P6")) == ["P1", "P2", "P3"]

    # a purchase written around signals (as a bulk import does) counts once the shop stamp is forgotten
    OrderLine.objects.bulk_create([OrderLineFactory.build(order=order, product=p[1])])
    assert skus(get(staff_client, customer, limit=3, exclude="P7")) == ["P1", "P2", "P3"]
    stamps.forget_shop_stamp()
    assert skus(stored(staff_client, customer, limit=3, exclude="P7")) == ["P2", "P3", "P4"]


@override_settings(ELECTROSHOP={"RECOMMENDATIONS_RESPONSE_CACHE_SECONDS": 0})
def test_without_the_answer_cache_every_read_applies_the_rules_again(shop, staff_client):
    p, customer = shop["products"], shop["customer"]
    assert skus(stored(staff_client, customer, limit=3)) == ["P0", "P1", "P2"]
    Stock.objects.filter(product=p[0]).update(on_hand=0)
    assert skus(get(staff_client, customer, limit=3)) == ["P1", "P2", "P3"]


def test_a_save_forgets_the_shop_stamp_again_when_its_transaction_commits(shop, staff_client,
                                                                          django_capture_on_commit_callbacks):
    stored(staff_client, shop["customer"], limit=3)
    with django_capture_on_commit_callbacks() as callbacks:
        stock = Stock.objects.get(product=shop["products"][0])
        stock.on_hand = 0
        stock.save()
        # A reader between the save and the commit adds a new stamp (and would store under it
        # an answer built from the rows as they were before the commit).
        get(staff_client, shop["customer"], limit=3)
        assert cache.get(stamps.SHOP_STAMP_KEY) is not None
    for callback in callbacks:
        callback()
    assert cache.get(stamps.SHOP_STAMP_KEY) is None


def test_an_order_import_forgets_the_shop_stamp(db):
    cache.set(stamps.SHOP_STAMP_KEY, "before")
    import_online_retail_orders(path=ONLINE_RETAIL)
    assert cache.get(stamps.SHOP_STAMP_KEY) is None


def test_a_browsable_api_read_is_rendered_not_served_from_the_stored_answer(shop, staff_client):
    stored(staff_client, shop["customer"], limit=3)
    html = staff_client.get(f"/api/v1/recommendations/customers/{shop['customer'].pk}/", {"limit": 3},
                            HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
