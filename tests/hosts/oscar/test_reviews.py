"""Oscar's product reviews scored by the plugin: a suspicious one is held in the plugin's moderation
queue, and Oscar's review is changed only when the shop opts in (ELECTROSHOP_OSCAR HOLD_REVIEWS)."""
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from oscar.core.loading import get_model

from electroshop.seam import get_adapter
from fraud.models import ReviewAssessment
from fraud.reviews import moderate_review
from fraud.selectors import held_reviews

pytestmark = pytest.mark.django_db

ProductReview = get_model("reviews", "ProductReview")
COPIED = "Best purchase ever, works perfectly and arrived fast, five stars from me!"


def _review(django_capture_on_commit_callbacks, **fields) -> ProductReview:
    with django_capture_on_commit_callbacks(execute=True):  # scored once the review's transaction commits
        return ProductReview.objects.create(**fields)


def _suspicious_review(oscar_shop, capture) -> ProductReview:
    """A review whose text another customer posted before, by an author who posted three reviews in
    the last day and never bought the product."""
    products = oscar_shop["products"]
    _review(capture, product=products[10], user=oscar_shop["customers"][7], score=5, title="Wow", body=COPIED)
    author = get_user_model().objects.create_user("burst", "burst@example.com", None)
    for product in products[11:14]:
        _review(capture, product=product, user=author, score=5, title="Good", body=f"Nice {product.title}, really.")
    return _review(capture, product=products[14], user=author, score=5, title="Wow", body=COPIED)


def _verified_review(oscar_shop, capture) -> ProductReview:
    """A customer's considered review of a product they bought."""
    customer = oscar_shop["customers"][5]
    product_id = get_adapter().purchased_product_ids(customer.pk)[0]
    return _review(capture, product_id=product_id, user=customer, score=4, title="Solid",
                   body="Battery lasts two days; the case scratches a little but it does the job well.")


def test_a_suspicious_review_scores_above_a_verified_one_and_is_held(oscar_shop, django_capture_on_commit_callbacks):
    verified = _verified_review(oscar_shop, django_capture_on_commit_callbacks)
    suspicious = _suspicious_review(oscar_shop, django_capture_on_commit_callbacks)
    plain, fake = (ReviewAssessment.objects.get(review_id=r.pk) for r in (verified, suspicious))
    assert {"DUPLICATE_TEXT", "REVIEW_BURST", "NOT_A_BUYER"} <= {reason["code"] for reason in fake.reasons}
    assert fake.score > plain.score and fake.held and not plain.held
    facts = get_adapter().review_for_risk(verified.pk)
    assert facts["verified_purchase"] and facts["rating"] == 4 and facts["status"] == "published"
    assert get_adapter().review_for_risk(suspicious.pk)["author_reviews_before_1d"] == 3


def test_by_default_a_held_review_is_queued_in_the_plugin_and_oscars_review_is_untouched(
        oscar_shop, django_capture_on_commit_callbacks):
    suspicious = _suspicious_review(oscar_shop, django_capture_on_commit_callbacks)
    assert ReviewAssessment.objects.get(review_id=suspicious.pk).held
    assert suspicious.pk in [held.review_id for held in held_reviews()]
    assert get_adapter().review_cards([suspicious.pk])[suspicious.pk]["text"] == COPIED  # what moderators read
    suspicious.refresh_from_db()
    assert suspicious.status == ProductReview.APPROVED
    assert get_adapter().set_review_status(suspicious.pk, "held") is False

    moderate_review(review_id=suspicious.pk, approve=False, moderated_by="moderator")
    suspicious.refresh_from_db()
    assert suspicious.status == ProductReview.APPROVED  # the decision is the plugin's label
    assert ReviewAssessment.objects.get(review_id=suspicious.pk).moderation == "rejected"
    assert suspicious.pk not in [held.review_id for held in held_reviews()]


@override_settings(ELECTROSHOP_OSCAR={"HOLD_REVIEWS": True})
def test_with_hold_reviews_a_held_review_goes_back_to_oscars_moderation(oscar_shop,
                                                                        django_capture_on_commit_callbacks):
    suspicious = _suspicious_review(oscar_shop, django_capture_on_commit_callbacks)
    suspicious.refresh_from_db()
    assert suspicious.status == ProductReview.FOR_MODERATION  # hidden from Oscar's product page
    assert get_adapter().review_for_risk(suspicious.pk)["status"] == "pending"
    verified = _verified_review(oscar_shop, django_capture_on_commit_callbacks)
    verified.refresh_from_db()
    assert verified.status == ProductReview.APPROVED  # not suspicious: left alone

    moderate_review(review_id=suspicious.pk, approve=True, moderated_by="moderator")
    suspicious.refresh_from_db()
    assert suspicious.status == ProductReview.APPROVED


def test_reviews_in_the_burst_are_counted_only_within_a_day(oscar_shop, django_capture_on_commit_callbacks):
    suspicious = _suspicious_review(oscar_shop, django_capture_on_commit_callbacks)
    ProductReview.objects.filter(user=suspicious.user).exclude(pk=suspicious.pk).update(
        date_created=suspicious.date_created - timedelta(days=2))
    assert get_adapter().review_for_risk(suspicious.pk)["author_reviews_before_1d"] == 0
