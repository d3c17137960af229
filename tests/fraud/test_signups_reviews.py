"""Fake accounts and fake reviews: sign-up risk on every new customer, suspicious reviews held."""
from datetime import timedelta

import pytest

from electroshop.shop.models import Customer, Review
from fraud import reviews, services, signups
from fraud.models import ReviewAssessment, SignupAssessment
from tests.factories import ProductFactory

from .conftest import T0, make_order

pytestmark = pytest.mark.django_db


def test_every_new_customer_gets_a_signup_assessment(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        customer = Customer.objects.create(email="ok@example.com", signup_ip="198.51.100.7", signup_device_id="d-ok")
    assessment = SignupAssessment.objects.get(customer_id=customer.pk)
    assert assessment.level == "allow" and assessment.reasons


def test_shared_devices_disposable_domains_and_signup_bursts_raise_the_risk():
    for i in range(3):
        Customer.objects.create(email=f"bot{i}@example.com", signup_ip="203.0.113.1", signup_device_id="farm",
                                created_at=T0 - timedelta(minutes=10 * (i + 1)))
    bot = Customer.objects.create(email="bot@mailinator.com", signup_ip="203.0.113.1", signup_device_id="farm",
                                  created_at=T0)
    assessment = signups.score_signup(customer_id=bot.pk)
    codes = {r["code"] for r in assessment.reasons}
    assert {"DISPOSABLE_EMAIL", "SHARED_DEVICE", "SIGNUP_VELOCITY"} <= codes
    assert assessment.level == "review" and assessment.score >= 60
    # a later sign-up does not count for an earlier one (point in time)
    first = Customer.objects.filter(email="bot2@example.com").get()
    assert "SHARED_DEVICE" not in {r["code"] for r in signups.score_signup(customer_id=first.pk).reasons}


def test_the_first_purchase_time_is_used_once_known(django_capture_on_commit_callbacks):
    customer = Customer.objects.create(email="q@example.com", created_at=T0)
    signups.score_signup(customer_id=customer.pk)
    assert SignupAssessment.objects.get(customer_id=customer.pk).features["secs_to_purchase"] is None
    with django_capture_on_commit_callbacks(execute=True):
        make_order(customer=customer, created_at=T0 + timedelta(seconds=30))
    assessment = SignupAssessment.objects.get(customer_id=customer.pk)
    assert assessment.features["secs_to_purchase"] == 30
    assert "QUICK_PURCHASE" in {r["code"] for r in assessment.reasons}


def _review(product, customer, text, status=Review.Status.PENDING, **kw):
    return Review.objects.create(product=product, customer=customer, rating=5, text=text, status=status, **kw)


def test_a_copied_review_is_held_for_moderation(django_capture_on_commit_callbacks):
    product = ProductFactory()
    customer = Customer.objects.create(email="r@example.com")
    text = "Absolutely the best phone I have ever owned, buy it now, five stars!"
    _review(product, customer, text, created_at=T0 - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        copy = _review(product, Customer.objects.create(email="s@example.com"), text, created_at=T0)
    copy.refresh_from_db()
    assert copy.status == Review.Status.HELD
    assessment = ReviewAssessment.objects.get(review_id=copy.pk)
    assert assessment.held and "DUPLICATE_TEXT" in {r["code"] for r in assessment.reasons}


def test_a_verified_buyers_review_is_not_held():
    product = ProductFactory()
    customer = Customer.objects.create(email="b@example.com")
    order = make_order(customer=customer, created_at=T0 - timedelta(days=3))
    order.lines.create(product=product, quantity=1, unit_price=product.price)
    review = _review(product, customer, "Battery lasts two days, camera is fine in daylight.", created_at=T0)
    assessment = reviews.score_review(review_id=review.pk)
    assert not assessment.held
    review.refresh_from_db()
    assert review.status == Review.Status.PENDING


def _held(review, score=70.0):
    return ReviewAssessment.objects.create(review_id=review.pk, score=score, held=True,
                                           reasons=[{"code": "DUPLICATE_TEXT", "message": "same text"}])


def _queries_of_page(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_moderation_admin_lists_held_reviews_and_approves_or_rejects(admin_client_fraud):
    product = ProductFactory()
    keep = _review(product, None, "held one", status=Review.Status.HELD)
    drop = _review(product, None, "held two", status=Review.Status.HELD)
    published = _review(product, None, "published", status=Review.Status.PUBLISHED)
    ReviewAssessment.objects.create(review_id=published.pk, score=5.0, held=False)
    keep_held, drop_held = _held(keep), _held(drop)
    url = "/admin/fraud/heldreview/"
    page = admin_client_fraud.get(url).content.decode()
    assert "held one" in page and "held two" in page and ">published<" not in page and "same text" in page
    admin_client_fraud.post(url, {"action": "approve", "_selected_action": [keep_held.pk]})
    admin_client_fraud.post(url, {"action": "reject", "_selected_action": [drop_held.pk]})
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert (keep.status, drop.status) == (Review.Status.PUBLISHED, Review.Status.REJECTED)
    assert ReviewAssessment.objects.get(review_id=drop.pk).moderation == "rejected"
    assert "held one" not in admin_client_fraud.get(url).content.decode()  # moderated: off the list


def test_the_moderation_page_reads_the_reviews_in_one_query_whatever_their_number(admin_client_fraud):
    product = ProductFactory()
    _held(_review(product, None, "held one", status=Review.Status.HELD))
    url = "/admin/fraud/heldreview/"
    one = _queries_of_page(admin_client_fraud, url)
    for i in range(4):
        _held(_review(product, None, f"held {i}", status=Review.Status.HELD))
    assert _queries_of_page(admin_client_fraud, url) == one


def test_moderation_decisions_train_the_review_model_which_then_scores_new_reviews(settings, tmp_path):
    from electroshop.mlops.models import ModelVersion

    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ARTIFACT_DIR": str(tmp_path)}
    product = ProductFactory()
    fake = "amazing luxurious wonderful stay, my husband and I will definitely return, best ever"
    real = "the shower leaked, breakfast was cold and the room smaller than the photos"
    for i in range(12):
        for text, approve in ((fake, False), (real, True)):
            review = _review(product, None, f"{text} {i}", status=Review.Status.HELD)
            reviews.moderate_review(review_id=review.pk, approve=approve, moderated_by="mod")
    version = services._train_review_model(run_id=None, as_of=T0)
    assert version is not None and ModelVersion.objects.get(app="fraud", kind="review_authenticity").status == "active"
    new_fake = reviews.score_review(review_id=_review(product, None, fake + " again").pk)
    new_real = reviews.score_review(review_id=_review(product, None, real + " again").pk)
    assert new_fake.model_version_id == version.pk
    assert new_fake.score > new_real.score
    assert "TEXT_LOOKS_FAKE" in {r["code"] for r in new_fake.reasons}
