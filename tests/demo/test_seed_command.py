"""seed_demo writes the generated shop, deterministically, and refuses to overwrite data."""
import json

import pytest
from django.core.management import CommandError, call_command

from electroshop.shop.models import Category, Customer, Event, Order, OrderLine, Product, Review, Stock

from .conftest import END_DATE

pytestmark = pytest.mark.django_db


def _seed(tmp_path, **opts):
    path = tmp_path / "ground_truth.json"
    call_command("seed_demo", scale="small", end_date=END_DATE, ground_truth=path, verbosity=0, **opts)
    return json.loads(path.read_text())


def _snapshot():
    fields = {
        Product: ("sku", "name", "price", "attributes", "category__path", "brand__name", "created_at"),
        Order: ("number", "customer_id", "created_at", "status", "total", "card_fingerprint", "ip_address"),
        Event: ("event_type", "session_id", "customer_id", "product_id", "occurred_at"),
        Customer: ("email", "country", "created_at", "signup_ip"),
    }
    counts = {m.__name__: m.objects.count() for m in (Product, Order, OrderLine, Event, Customer, Review, Stock)}
    first = {m.__name__: list(m.objects.order_by("pk").values_list(*f)[:5]) for m, f in fields.items()}
    return counts, first


def test_seed_is_deterministic_and_matches_the_ground_truth(tmp_path):
    truth = _seed(tmp_path, seed=42)
    counts, first = _snapshot()
    assert counts["Product"] == truth["row_counts"]["products"] == 200
    assert counts["Event"] == truth["row_counts"]["events"]
    assert counts["Order"] == truth["row_counts"]["orders"]
    fraud_numbers = truth["fraudulent_order_numbers"]
    assert Order.objects.filter(number__in=fraud_numbers).count() == len(fraud_numbers) > 0
    assert Review.objects.filter(pk__in=truth["fake_review_ids"], rating=5).count() == len(truth["fake_review_ids"])
    assert Stock.objects.filter(on_hand=0).exists()
    assert Category.objects.get(path="Audio/Headphones").parent.path == "Audio"

    truth_again = _seed(tmp_path, seed=42, reset=True)
    assert _snapshot() == (counts, first)
    assert truth_again == truth


def test_refuses_to_seed_over_existing_products_without_reset(tmp_path):
    Product.objects.create(sku="EXISTING-1", name="Somebody's product")
    with pytest.raises(CommandError, match="--reset"):
        _seed(tmp_path, seed=1)
    assert Product.objects.count() == 1


def test_reset_replaces_existing_shop_data(tmp_path):
    Product.objects.create(sku="EXISTING-1", name="Somebody's product")
    _seed(tmp_path, seed=1, reset=True)
    assert not Product.objects.filter(sku="EXISTING-1").exists()
    assert Product.objects.count() == 200


def test_rejects_a_malformed_end_date(tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("seed_demo", "--scale", "small", "--end-date", "31/01/2025", verbosity=0)
