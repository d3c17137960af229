"""Segment cold start: the fill stores trending lists per country and per first-browsed category; a
customer the model has not seen reads the most specific one that exists."""
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from electroshop.mlops.models import ModelVersion
from electroshop.shop.models import Customer, Event, Product
from recommendations.ml.training_data import TrainingData
from recommendations.ml.interactions import build_interaction_matrix
from recommendations.ml.segments import dominant_group, interaction_recency, segment_trending
from recommendations.models import TrendingProducts
from tests.factories import CustomerFactory, EventFactory
from tests.recommendations.shops import build_small_shop

from .test_read_path import get

# --- the pure parts ----------------------------------------------------------------------------------


def test_dominant_group_is_the_most_common_of_the_first_k_ties_to_the_earliest():
    users = np.array([1, 1, 1, 1, 2, 2, 2, 3])
    groups = np.array([7, 8, 8, 7, 5, 6, -1, -1])
    found = dominant_group(users, groups, k=3)
    assert found.to_dict() == {1: 8, 2: 5}  # user 1: 8 twice in the first 3; user 2: a tie, 5 came first
    assert dominant_group(users, groups, k=1).to_dict() == {1: 7, 2: 5}


def _data(rows, as_of):
    events = pd.DataFrame(rows, columns=["customer_id", "product_id", "timestamp"]).assign(event_type="purchase")
    im = build_interaction_matrix(events, as_of=as_of, bot_filter=None)
    events = events.assign(user_idx=events["customer_id"].map(im.user_index),
                           item_idx=events["product_id"].map(im.item_index))
    return TrainingData(im=im, events=events, as_of=im.as_of)


def test_segment_trending_ranks_by_the_segments_recent_customers_then_its_customers_ever():
    as_of = pd.Timestamp("2024-05-01")
    recent, old = as_of - pd.Timedelta(days=2), as_of - pd.Timedelta(days=60)
    rows = [(u, "A", recent) for u in (1, 2)] + [(u, "B", old) for u in (1, 2, 3)] + [(3, "C", recent)]
    rows += [(u, "Z", recent) for u in (10, 11, 12, 13)]  # another segment's favourite
    data = _data(rows, as_of)
    segment = np.array([0 if u < 10 else 1 for u in data.im.user_ids])
    recency = interaction_recency(data, window_days=14)
    found = segment_trending(recency, segment, size=10, min_users=2)
    items = [data.im.item_ids[i] for i in found[0][0]]
    assert items == ["A", "C", "B"]  # 2 recent customers, 1 recent, none recent (3 ever)
    assert [data.im.item_ids[i] for i in found[1][0]] == ["Z"]
    assert set(segment_trending(recency, segment, size=10, min_users=4)) == {1}  # segment 0 too small
    exclude = np.asarray(data.im.item_ids) == "A"
    assert "A" not in [data.im.item_ids[i] for i in segment_trending(
        recency, segment, size=10, min_users=2, exclude=exclude)[0][0]]


# --- the fill ----------------------------------------------------------------------------------------


@pytest.fixture
def two_country_shop(db):
    """Even customers (products 0-11) in the UK, odd ones (12-23) in Germany; each customer's first
    events are views in one top-level category."""
    products = build_small_shop()["products"]
    phones, audio = products[0].category, products[1].category
    start = timezone.now() - timedelta(days=200)
    for k, customer in enumerate(Customer.objects.order_by("pk")):
        if k % 2:
            customer.country = "DE"
            customer.save()
        first = [p for p in products if p.category == (phones if k % 4 < 2 else audio)][:3]
        for j, product in enumerate(first):
            Event.objects.create(customer=customer, product=product, session_id=f"first{k}", event_type="view",
                                 occurred_at=start + timedelta(minutes=j))
    return {"products": products, "phones": phones, "audio": audio}


def test_the_fill_stores_country_and_first_browsed_segment_lists(two_country_shop):
    call_command("retrain", "recommendations", "--sync")
    version = ModelVersion.objects.get(app="recommendations", status="active")
    rows = {row.segment: row.items
            for row in TrendingProducts.objects.filter(model_version=version).exclude(segment="")}
    phones, audio = two_country_shop["phones"], two_country_shop["audio"]
    assert set(rows) == {"country:UK", "country:DE", f"browsed:{phones.pk}", f"browsed:{audio.pk}"}
    index = {p.pk: k for k, p in enumerate(two_country_shop["products"])}
    uk = [index[pid] for pid, _, _ in rows["country:UK"]]
    de = [index[pid] for pid, _, _ in rows["country:DE"]]
    assert all(k < 12 for k in uk[:10]) and all(k >= 12 for k in de[:10])  # each country's own taste
    assert rows["country:DE"][0][2] == "Popular with customers in DE"
    assert all(row.category_id == 0 for row in TrendingProducts.objects.exclude(segment=""))


def test_the_trending_window_is_the_setting(two_country_shop, settings):
    from recommendations.services import model_for_version

    settings.ELECTROSHOP = {"RECOMMENDATIONS_TRENDING_DAYS": 3}
    call_command("retrain", "recommendations", "--sync")
    model = model_for_version(ModelVersion.objects.get(app="recommendations", status="active").pk)
    assert model.params.trending_window_days == 3 and model.generators["trending"].window_days == 3


# --- the read ----------------------------------------------------------------------------------------


@pytest.fixture
def segment_rows(shop):
    """Segment lists in the active version: Germany's, and the Audio browsers' (distinct products)."""
    p, version = shop["products"], shop["version"]
    TrendingProducts.objects.create(model_version=version, category_id=0, segment="country:DE",
                                    items=[[p[7].pk, 3.0, "Popular with customers in DE"]])
    TrendingProducts.objects.create(model_version=version, category_id=0, segment=f"browsed:{shop['audio'].pk}",
                                    items=[[p[5].pk, 3.0, "Popular with customers who browse the same category"]])
    cache.clear()
    return shop


def test_a_new_customer_reads_their_countrys_list(segment_rows, staff_client):
    body = get(staff_client, CustomerFactory(country="DE"), limit=3).json()
    assert body["source"] == "trending"
    assert [item["sku"] for item in body["items"]] == ["P7"]
    assert body["items"][0]["reason"] == "Popular with customers in DE"


def test_a_new_customer_who_browsed_a_category_first_reads_that_segments_list(segment_rows, staff_client):
    p = segment_rows["products"]
    newcomer = CustomerFactory(country="DE")
    for k, product in enumerate((p[2], p[5], p[0])):  # Audio, Audio, Phones: Audio's top level is Audio
        EventFactory(customer=newcomer, product=product, occurred_at=timezone.now() - timedelta(minutes=10 - k))
    assert [item["sku"] for item in get(staff_client, newcomer, limit=3).json()["items"]] == ["P5"]


def test_without_consent_the_browsing_segment_is_not_used(segment_rows, staff_client):
    p = segment_rows["products"]
    newcomer = CustomerFactory(country="DE", personalization_consent=False)
    EventFactory(customer=newcomer, product=p[2])
    assert [item["sku"] for item in get(staff_client, newcomer, limit=3).json()["items"]] == ["P7"]


def test_a_customer_in_no_stored_segment_reads_the_whole_shop(segment_rows, staff_client):
    body = get(staff_client, CustomerFactory(country="FR"), limit=3).json()
    assert body["source"] == "trending" and [item["sku"] for item in body["items"]] == ["P0", "P1", "P2"]


def test_a_category_filter_reads_the_categorys_list_not_the_segments(segment_rows, staff_client):
    phones = segment_rows["phones"]
    body = get(staff_client, CustomerFactory(country="DE"), limit=3, category=phones.pk).json()
    assert "P7" not in [item["sku"] for item in body["items"]]
    assert {item["sku"] for item in body["items"]} <= {p.sku for p in Product.objects.filter(
        category__in=[phones, segment_rows["cases"]])}
