"""A customer who withdrew their consent to personalisation gets no personal list, stored or live."""
from django.core.management import call_command

from electroshop.shop.models import Customer
from recommendations.models import ProductRecommendation
from tests.recommendations import shops

from .test_read_path import get, skus

small_shop = shops.small_shop  # the shared fixture, requested by name below


def test_withdrawing_consent_drops_the_personal_list_at_once(shop, staff_client):
    customer = shop["customer"]
    first = get(staff_client, customer, limit=3).json()
    assert first["source"] == "personalized"
    customer.personalization_consent = False
    customer.save()
    body = get(staff_client, customer, limit=3).json()
    assert body["source"] == "trending"  # the cold start for the customer's segment, nothing personal
    assert not ProductRecommendation.objects.filter(customer_id=customer.pk).exists()


def test_events_of_a_customer_without_consent_build_no_live_list(shop, staff_client,
                                                                 django_capture_on_commit_callbacks):
    customer = shop["customer"]
    Customer.objects.filter(pk=customer.pk).update(personalization_consent=False)  # no signal: the row stays
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/api/v1/events/", {"events": [
            {"event_type": "view", "sku": "P6", "customer_id": customer.pk}]}, format="json")
    assert response.status_code == 201
    # P6's neighbours (P5, P7) would lead a live list; the stored list is read as it was
    assert skus(get(staff_client, customer, limit=3)) == ["P0", "P1", "P2"]


def test_a_retrain_fills_no_list_for_customers_without_consent(small_shop):
    withdrawn = Customer.objects.order_by("pk")[0]
    withdrawn.personalization_consent = False
    withdrawn.save()
    call_command("retrain", "recommendations", "--sync")
    filled = set(ProductRecommendation.objects.values_list("customer_id", flat=True))
    assert withdrawn.pk not in filled and len(filled) == 39
