"""The business rules at fill time: what the cached tables may hold, and what a customer's list leaves out."""
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone

from electroshop.mlops.models import ModelVersion
from electroshop.shop.models import Customer, Event, Order, OrderLine, Product, Stock
from recommendations.models import (
    BoughtTogether,
    MerchandisingRule,
    ProductRecommendation,
    RepeatPurchaseCategory,
    SimilarProducts,
    TrendingProducts,
)
from tests.recommendations.shops import build_small_shop


@pytest.fixture
def ruled_shop(db):
    """The small shop with one inactive, one sold-out and one hidden product, a repeat-purchase
    category, and a customer who viewed products they never bought."""
    products = build_small_shop()["products"]
    inactive, sold_out, hidden = products[0], products[2], products[4]  # all popular with the even customers
    Product.objects.filter(pk=inactive.pk).update(is_active=False)
    Stock.objects.filter(product=sold_out).update(on_hand=0)
    MerchandisingRule.objects.create(product_id=hidden.pk, action=MerchandisingRule.Action.HIDE)
    audio = products[1].category
    RepeatPurchaseCategory.objects.create(category_id=audio.pk)
    viewer = Customer.objects.order_by("pk").first()  # an even customer: buys among products 0-11
    bought = set(OrderLine.objects.filter(order__customer=viewer).values_list("product_id", flat=True))
    viewed = [p for p in products[:12] if p.pk not in bought and p not in (inactive, sold_out, hidden)]
    for k, product in enumerate(viewed):
        for repeat in range(3):  # carted and viewed, never bought
            Event.objects.create(customer=viewer, product=product, session_id=f"v{k}",
                                 event_type=("view", "cart", "view")[repeat],
                                 occurred_at=timezone.now() - timedelta(days=2, minutes=k * 10 + repeat))
    return {"products": products, "unshowable": {inactive.pk, sold_out.pk, hidden.pk}, "audio": audio,
            "viewer": viewer, "bought": bought, "viewed": {p.pk for p in viewed}}


def _stored(version) -> dict[str, list[list]]:
    tables = {"personal": ProductRecommendation, "similar": SimilarProducts, "together": BoughtTogether,
              "trending": TrendingProducts}
    return {name: [row for row in table.objects.filter(model_version=version).values_list("items", flat=True)]
            for name, table in tables.items()}


def test_no_cached_table_stores_an_unshowable_product_and_lists_stay_full(ruled_shop):
    call_command("retrain", "recommendations", "--sync")
    version = ModelVersion.objects.get(app="recommendations", status="active")
    stored = _stored(version)
    for name, lists in stored.items():
        assert lists, name
        for items in lists:
            assert not {pid for pid, _, _ in items} & ruled_shop["unshowable"], name
    assert TrendingProducts.objects.filter(model_version=version).exclude(segment="").exists()  # segment rows too
    # an unavailable product's page still gets alternatives
    assert SimilarProducts.objects.filter(model_version=version, product_id__in=ruled_shop["unshowable"]).count() == 3


def test_a_customers_list_leaves_out_only_what_they_bought_outside_repeat_categories(ruled_shop):
    call_command("retrain", "recommendations", "--sync")
    version = ModelVersion.objects.get(app="recommendations", status="active")
    viewer = ruled_shop["viewer"]
    listed = {pid for pid, _, _ in ProductRecommendation.objects.get(model_version=version,
                                                                      customer_id=viewer.pk).items}
    audio = set(Product.objects.filter(category=ruled_shop["audio"]).values_list("pk", flat=True))
    bought, viewed = ruled_shop["bought"], ruled_shop["viewed"]
    assert not listed & (bought - audio)  # bought phones never come back
    assert listed & (bought & audio)  # audio is a repeat-purchase category
    assert viewed <= listed  # viewed and carted, never bought: still candidates
    # every showable product that is not excluded is listed (24 products, top-N 100)
    showable = {p.pk for p in ruled_shop["products"]} - ruled_shop["unshowable"]
    assert listed == showable - (bought - audio)


def test_a_cancelled_order_does_not_exclude_its_products(ruled_shop):
    viewer = ruled_shop["viewer"]
    product = Product.objects.get(pk=min(ruled_shop["viewed"]))
    order = Order.objects.create(number="X-cancelled", customer=viewer, status=Order.Status.CANCELLED)
    OrderLine.objects.create(order=order, product=product, quantity=1, unit_price=product.price)
    call_command("retrain", "recommendations", "--sync")
    version = ModelVersion.objects.get(app="recommendations", status="active")
    items = ProductRecommendation.objects.get(model_version=version, customer_id=viewer.pk).items
    assert product.pk in {pid for pid, _, _ in items}


def test_excluded_products_are_not_candidates_so_lists_stay_full_length():
    """Leaving a product out of the candidates, not out of a finished top-n: the list is the top-n of
    the others (the small shop's lists are never truncated, so this is checked on the model)."""
    model = _ml_model()
    user = model.user_ids[0]
    first = model.recommend([user], n=5)[0].item_ids
    again = model.recommend([user], n=5, exclude_items=first[:3])[0].item_ids
    assert len(again) == 5 and not set(first[:3]) & set(again)  # the re-ranker orders what is left
    neighbours, _ = model.similar_items("G3", n=4)
    mask = model.item_mask(neighbours[:2])
    kept, scores = model.similar_items("G3", n=4, exclude=mask)
    assert kept == [i for i in model.similar_items("G3", n=6)[0] if i not in neighbours[:2]][:4]
    assert len(kept) == len(scores) == 4
    together, _ = model.bought_together("K0", n=3, exclude=model.item_mask(["K1"]))
    assert "K1" not in together and len(together) == 3


def _ml_model():
    from recommendations.ml.hybrid import HybridParams
    from recommendations.ml.training import train_hybrid
    from tests.recommendations.ml.conftest import AS_OF, make_shop

    interactions, products = make_shop()
    params = HybridParams(validation_days=30, ease_l2_grid=(10.0,), knn_k_grid=(10,),
                          als_grid=({"factors": 8, "regularization": 0.1, "alpha": 5.0, "iterations": 5},),
                          ranker={"max_iter": 40, "min_samples_leaf": 5})
    return train_hybrid(interactions, products, as_of=AS_OF, params=params)


# --- the validation window is scored as the fill runs ----------------------------------------------


def test_the_validation_window_excludes_only_earlier_purchases():
    """Relevant = bought in the window and never bought before (viewed before counts); what is never
    ranked = the purchases before the window. Viewed items are ranked, as in the fill."""
    from recommendations.ml.hybrid import purchase_matrix

    model = _ml_model()
    window = model.validation
    data = window.data
    assert (window.bought != purchase_matrix(data, ("purchase",))).nnz == 0
    interacted = data.im.matrix > 0
    viewed_then_bought = 0
    for user, relevant in zip(window.users, window.relevant):
        assert not window.bought[user, relevant].toarray().any()  # first purchases only
        viewed_then_bought += int(interacted[user, relevant].toarray().sum())
    assert viewed_then_bought, "an item viewed before the window and bought in it is a hit"
    top = window.hybrid_top
    ranked_viewed = sum(int(np.isin(top[k][top[k] >= 0], interacted[u].indices).sum())
                        for k, u in enumerate(window.users))
    assert ranked_viewed, "viewed items are ranked in the window, as in the fill"
    for k, user in enumerate(window.users):
        assert not np.isin(top[k][top[k] >= 0], window.bought[user].indices).any()
