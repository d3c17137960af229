"""Sign-up risk: each new account scored by the sign-up model (or its points table), again at its first order."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone as dt_timezone

import numpy as np
from django.utils import timezone

from electroshop.seam import get_adapter


from . import selectors
from .services import json_safe
from .models import Level, SignupAssessment
from .rules import identities_of, list_hits


logger = logging.getLogger("electroshop.fraud")

DISPOSABLE_DOMAINS = frozenset({
    "mailinator.com", "guerrillamail.com", "10minutemail.com", "tempmail.com", "temp-mail.org", "yopmail.com",
    "trashmail.com", "sharklasers.com", "getnada.com", "dispostable.com", "maildrop.cc", "throwawaymail.com",
    "fakeinbox.com", "mintemail.com", "mohmal.com", "emailondeck.com", "spamgourmet.com", "burnermail.io",
})



def _naive_utc(value: datetime) -> datetime:
    return timezone.make_naive(value, dt_timezone.utc) if timezone.is_aware(value) else value


def score_signup(*, customer_id: int) -> SignupAssessment | None:
    """Fake-account risk of a customer: shared devices/IPs with earlier sign-ups, sign-up velocity,
    disposable e-mail domains, time from sign-up to first purchase (when known)."""
    from fraud.ml.signups import signup_features_for_one

    customer = get_adapter().customer_for_signup(customer_id)
    if customer is None:
        return None
    config = selectors.fraud_config()
    t = customer["created_at"]
    ip = customer["signup_ip"] or ""
    device = customer["signup_device_id"] or ""
    others = get_adapter().signups_sharing(customer_id=customer_id, signup_ip=ip or None, device_id=device,
                                  since=t - timedelta(days=30), until=t)
    earlier = {
        "device_id": [_naive_utc(o["created_at"]) for o in others if device and o["signup_device_id"] == device],
        "ip_address": [_naive_utc(o["created_at"]) for o in others if ip and o["signup_ip"] == ip],
    }
    purchase = customer["first_order_at"] or t
    ml = signup_features_for_one(
        {"signup_time": _naive_utc(t), "purchase_time": _naive_utc(purchase), "purchase_value": 0.0, "age": 0.0,
         "source": customer["signup_source"] or "", "browser": "", "sex": "", "device_id": device or f"~{customer_id}",
         "ip_address": 0.0},
        earlier,
    )
    features = {k: json_safe(float(v)) for k, v in ml.items() if isinstance(v, (int, float, np.floating))}
    domain = (customer["email"] or "").rpartition("@")[2].lower()
    features["disposable_email"] = float(domain in DISPOSABLE_DOMAINS
                                         or domain in config.lists.get("block", {}).get("email_domain", set()))
    features["ip_signups_1h"] = float(sum(1 for o in others if ip and o["signup_ip"] == ip
                                          and o["created_at"] >= t - timedelta(hours=1)))
    features["first_purchase_known"] = float(customer["first_order_at"] is not None)
    if not features["first_purchase_known"]:
        features["secs_to_purchase"] = None
        features["quick_purchase"] = 0.0
    reasons = []
    if features["disposable_email"]:
        reasons.append({"code": "DISPOSABLE_EMAIL", "message": f"e-mail domain {domain} is disposable or blocked", "weight": 35.0})
    n_device = features.get("device_id_earlier_signups", 0.0) or 0.0
    if n_device >= 1:
        reasons.append({"code": "SHARED_DEVICE", "message": f"{n_device:.0f} other sign-ups from the same device in 30 days",
                        "weight": min(40.0, 20.0 * n_device)})
    if features["ip_signups_1h"] >= 2:
        reasons.append({"code": "SIGNUP_VELOCITY", "message": f"{features['ip_signups_1h']:.0f} other sign-ups from "
                        "the same IP in the last hour", "weight": min(40.0, 10.0 * features["ip_signups_1h"])})
    elif (features.get("ip_address_earlier_signups") or 0) >= 3:
        reasons.append({"code": "SHARED_IP", "message": f"{features['ip_address_earlier_signups']:.0f} other sign-ups "
                        "from the same IP in 30 days", "weight": 15.0})
    if features["quick_purchase"]:
        reasons.append({"code": "QUICK_PURCHASE", "message": "bought within a minute of signing up", "weight": 25.0})
    score = min(100.0, sum(r["weight"] for r in reasons))
    if not reasons:
        reasons = [{"code": "NO_RISK_SIGNAL", "message": "no sign-up risk signal", "weight": 0.0}]
    level = Level.REVIEW if score >= config.signup_review_threshold else Level.ALLOW
    if list_hits(config.lists, identities_of({"email": customer["email"], "customer_id": customer_id,
                                              "device_id": device, "ip_address": ip}), "block"):
        level = Level.BLOCK
    features["first_order_at"] = customer["first_order_at"].isoformat() if customer["first_order_at"] else None
    assessment, _ = SignupAssessment.objects.update_or_create(
        customer_id=customer_id,
        defaults={"score": score, "level": level, "reasons": reasons, "features": features, "updated_at": timezone.now()},
    )
    return assessment


def score_new_customer(customer_id: int) -> None:
    try:
        score_signup(customer_id=customer_id)
    except Exception:
        logger.exception("scoring sign-up of customer %s failed", customer_id)


def rescore_signup_at_first_order(customer_id: int) -> None:
    """At a customer's first order the time from sign-up to purchase becomes known: score again."""
    try:
        known = SignupAssessment.objects.filter(customer_id=customer_id).values_list("features", flat=True).first()
        if known is None or not (known or {}).get("first_order_at"):
            score_signup(customer_id=customer_id)
    except Exception:
        logger.exception("re-scoring sign-up of customer %s failed", customer_id)
