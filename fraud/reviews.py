"""Review authenticity: each new review scored, held when it looks fake; moderation decisions train the model."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from electroshop.mlops import services as registry
from electroshop.mlops.models import ModelVersion
from electroshop.mlops.selectors import active_version_id
from electroshop.seam import get_adapter


from . import selectors
from .models import ReviewAssessment


logger = logging.getLogger("electroshop.fraud")

_review_models: dict[int, Any] = {}


def score_review(*, review_id: int) -> ReviewAssessment | None:
    """Authenticity of a review (the review model when one is active, plus behaviour signals);
    a suspicious review is held: listed for moderators (``selectors.held_reviews``) whether or not
    the shop's adapter also hides it (its set_review_status "held" may write nothing)."""
    review = get_adapter().review_for_risk(review_id)
    if review is None:
        return None
    config = selectors.fraud_config()
    reasons = []
    model_score = None
    version_id = active_version_id(app=selectors.APP, kind=selectors.REVIEW_KIND)
    if version_id is not None:
        try:
            if version_id not in _review_models:
                _review_models.clear()
                _review_models[version_id] = registry.load_artifact(version=ModelVersion.objects.get(pk=version_id))
            model = _review_models[version_id]
            text = f"{review['title']} {review['text']}".strip()
            model_score = 100.0 * float(model.predict_proba([text])[0])
            terms = [t for t, _ in model.top_terms(text, top_k=3)]
            reasons.append({"code": "TEXT_LOOKS_FAKE", "message": f"text resembles fake reviews ({', '.join(terms) or 'overall'})",
                            "weight": round(model_score, 2)})
        except Exception:
            logger.exception("review model %s failed; behaviour signals only", version_id)
            version_id = None
    if review["same_text_before"]:
        reasons.append({"code": "DUPLICATE_TEXT", "message": f"same text as {review['same_text_before']} earlier review(s)",
                        "weight": 60.0})
    if review["author_reviews_before_1d"] >= 3:
        reasons.append({"code": "REVIEW_BURST", "message": f"author posted {review['author_reviews_before_1d']} reviews "
                        "in the previous day", "weight": 35.0})
    if not review["verified_purchase"]:
        reasons.append({"code": "NOT_A_BUYER", "message": "the author has not bought this product", "weight": 20.0})
    if review["rating"] in (1, 5) and len((review["text"] or "").split()) < 4:
        reasons.append({"code": "EXTREME_AND_SHORT", "message": "extreme rating with almost no text", "weight": 10.0})
    behaviour = min(100.0, sum(r["weight"] for r in reasons if r["code"] != "TEXT_LOOKS_FAKE"))
    score = max(behaviour, model_score or 0.0)
    if not reasons:
        reasons = [{"code": "NO_RISK_SIGNAL", "message": "nothing suggests the review is fake", "weight": 0.0}]
    held = score >= config.review_hold_threshold
    with transaction.atomic():
        assessment, _ = ReviewAssessment.objects.update_or_create(
            review_id=review_id, defaults={"score": round(score, 2), "held": held, "reasons": reasons,
                                           "model_version_id": version_id})
        if held:
            get_adapter().set_review_status(review_id, "held")
    return assessment


def score_new_review(review_id: int) -> None:
    try:
        score_review(review_id=review_id)
    except Exception:
        logger.exception("scoring review %s failed", review_id)


@transaction.atomic
def moderate_review(*, review_id: int, approve: bool, moderated_by: str) -> None:
    """Publish or reject a review; the decision is a training label of the review model."""
    get_adapter().set_review_status(review_id, "published" if approve else "rejected")
    ReviewAssessment.objects.update_or_create(
        review_id=review_id, defaults={"moderation": "approved" if approve else "rejected",
                                       "moderated_by": moderated_by, "moderated_at": timezone.now()},
        create_defaults={"score": 0.0, "moderation": "approved" if approve else "rejected",
                         "moderated_by": moderated_by, "moderated_at": timezone.now()},
    )
