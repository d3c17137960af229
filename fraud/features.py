"""Order features for the shop: fraud.ml's point-in-time features plus per-order attributes.

One definition for training (a DataFrame of orders, :func:`order_features_frame`) and for serving
(one order and the recent orders of its entities, :func:`order_features_online`): both call
``fraud.ml.features`` with the same :func:`feature_config`, and both add the same per-order
features with :func:`order_attributes`. No Django here: the callers read the database.

Labels count by time of knowledge: an order's fraud label (a chargeback, a rejection) feeds the
entity risk of the orders placed from the moment it was known (``fraud_known_at``), whatever its
delay, for orders at most ``FRAUD_LABEL_LOOKBACK_DAYS`` younger than it (see ``fraud.ml.features``).
A label never influences the score of an order placed before it was known, and training and serving
see the same labels.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from fraud.ml.features import (
    DAY,
    EntityHistory,
    FeatureConfig,
    build_features,
    feature_names,
    features_for_transaction,
    one_to_seconds,
)

# Entity columns a fraudster reuses; each gets velocity counters and label-delayed risk.
ENTITY_COLS = ("email", "device_id", "ip_address", "card_fingerprint", "shipping_address")
TIME_COL, AMOUNT_COL, LABEL_COL, CUSTOMER_COL = "created_at", "total", "is_fraud", "customer"
KNOWN_COL = "fraud_known_at"  # when the order's fraud label became known (NaT: none known)

# An account's age counts up to this many days: a new account is a signal, an old one is simply
# established. Uncapped, the age of the accounts a shop imported with its history grows with the
# calendar, and orders after the training window fall beyond every age the model saw (the fraud
# handbook imported as a shop: typical test orders scored 96 on "account created 50 days ago").
ACCOUNT_AGE_CAP_DAYS = 30.0

# Per-order features added to fraud.ml's (same code both paths).
EXTRA_FEATURES = [
    "account_age_days", "is_guest", "ip_billing_mismatch", "billing_shipping_mismatch",
    "ip_shipping_mismatch", "card_billing_mismatch",
    # the payment provider's checks (0 when the shop sends none)
    "avs_mismatch", "cvc_mismatch", "three_ds_failed", "three_ds_authenticated",
]
# Order attributes rules may test (not model features).
ATTRIBUTES = [
    "currency", "billing_country", "shipping_country", "ip_country", "card_country", "payment_method",
    "email_domain", "card_bin", "customer_id", "avs_result", "cvc_result", "three_ds_result",
]
SCORE_FEATURES = ["model_score", "score"]

EXTRA_MESSAGES = {
    "account_age_days": lambda v: (f"account created {ACCOUNT_AGE_CAP_DAYS:g} or more days before the order"
                                   if v >= ACCOUNT_AGE_CAP_DAYS else f"account created {v:.1f} days before the order"),
    "is_guest": lambda v: "guest checkout" if v else "signed-in customer",
    "ip_billing_mismatch": lambda v: "IP country differs from the billing country" if v else "IP and billing countries agree",
    "billing_shipping_mismatch": lambda v: "shipping country differs from the billing country" if v else "billing and shipping countries agree",
    "ip_shipping_mismatch": lambda v: "IP country differs from the shipping country" if v else "IP and shipping countries agree",
    "card_billing_mismatch": lambda v: "card country differs from the billing country" if v else "card and billing countries agree",
    "avs_mismatch": lambda v: ("the billing address failed address verification" if v >= 1 else
                               "the billing address partly failed address verification" if v else
                               "address verification did not fail"),
    "cvc_mismatch": lambda v: "the card security code did not match" if v else "the card security code did not fail",
    "three_ds_failed": lambda v: "3-D Secure authentication failed" if v else "3-D Secure did not fail",
    "three_ds_authenticated": lambda v: "the cardholder passed 3-D Secure" if v else "no 3-D Secure authentication",
}


def feature_config(*, label_delay_days: float, profile_days: float | None = None,
                   label_lookback_days: float | None = None) -> FeatureConfig:
    """The shop's feature definition; profile and label lookback default to the settings (a trained
    model keeps the ones it was trained with)."""
    from electroshop.conf import electroshop_settings

    return FeatureConfig(
        time_col=TIME_COL, amount_col=AMOUNT_COL, label_col=LABEL_COL, customer_col=CUSTOMER_COL,
        entity_cols=ENTITY_COLS, windows_days=(1, 7, 30), velocity_hours=(1,),
        label_delay_days=float(label_delay_days), customer_risk=True, known_col=KNOWN_COL,
        profile_days=float(electroshop_settings.FRAUD_PROFILE_DAYS if profile_days is None else profile_days),
        label_lookback_days=float(electroshop_settings.FRAUD_LABEL_LOOKBACK_DAYS
                                  if label_lookback_days is None else label_lookback_days),
    )


def model_feature_names(config: FeatureConfig) -> list[str]:
    return feature_names(config) + EXTRA_FEATURES


def rule_feature_names() -> list[str]:
    """Every name a rule clause may use (the label delay does not change names)."""
    return ["amount"] + [n for n in model_feature_names(feature_config(label_delay_days=7)) if n != "amount"] \
        + ATTRIBUTES + SCORE_FEATURES


def _blank(value: Any) -> bool:
    """None, NaN, pandas' NA (nullable integer columns: guest orders) or empty text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def entity_key(col: str, value: Any, *, row_id: Any) -> str:
    """The grouping key of an entity value; a blank value is unique to its row (never shared)."""
    if _blank(value):
        return f"~none:{row_id}"
    text = str(value).strip()
    return text.lower() if col in ("email", "shipping_address") else text


def customer_key(customer_id: Any, email: Any, *, row_id: Any) -> str:
    """Registered customers by id; guests by their checkout e-mail."""
    if not _blank(customer_id):
        return f"c{int(customer_id)}"
    if not _blank(email):
        return f"g{str(email).strip().lower()}"
    return f"~none:{row_id}"


def _country(value: Any) -> str:
    return "" if _blank(value) else str(value).strip().lower()


def _mismatch(a: Any, b: Any) -> float:
    a, b = _country(a), _country(b)
    return float(bool(a and b and a != b))


def _signal(order: Mapping[str, Any], name: str) -> str:
    """A payment check's value (``PAYMENT_SIGNAL_VALUES``), "" when the shop sent none."""
    value = order.get(name)
    return "" if _blank(value) else str(value).strip().lower()


def order_attributes(order: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, Any]]:
    """(extra numeric features, attributes for rules) of one order.

    ``order`` needs created_at, customer_id, customer_created_at, the countries, email, currency,
    payment_method, card_bin.
    """
    guest = _blank(order.get("customer_id"))
    created = order.get("customer_created_at")
    if guest or _blank(created):
        age = 0.0
    else:
        age = max(0.0, (one_to_seconds(order["created_at"]) - one_to_seconds(created)) / DAY)
    extras = {
        "account_age_days": float(min(age, ACCOUNT_AGE_CAP_DAYS)),
        "is_guest": float(guest),
        "ip_billing_mismatch": _mismatch(order.get("ip_country"), order.get("billing_country")),
        "billing_shipping_mismatch": _mismatch(order.get("billing_country"), order.get("shipping_country")),
        "ip_shipping_mismatch": _mismatch(order.get("ip_country"), order.get("shipping_country")),
        "card_billing_mismatch": _mismatch(order.get("card_country"), order.get("billing_country")),
        "avs_mismatch": {"no_match": 1.0, "partial": 0.5}.get(_signal(order, "avs_result"), 0.0),
        "cvc_mismatch": float(_signal(order, "cvc_result") == "no_match"),
        "three_ds_failed": float(_signal(order, "three_ds_result") == "failed"),
        "three_ds_authenticated": float(_signal(order, "three_ds_result") == "authenticated"),
    }
    email = "" if _blank(order.get("email")) else str(order["email"]).strip().lower()
    attrs = {
        "currency": str(order.get("currency") or ""),
        "billing_country": str(order.get("billing_country") or ""),
        "shipping_country": str(order.get("shipping_country") or ""),
        "ip_country": str(order.get("ip_country") or ""),
        "card_country": str(order.get("card_country") or ""),
        "payment_method": str(order.get("payment_method") or ""),
        "email_domain": email.rpartition("@")[2] if "@" in email else "",
        "card_bin": str(order.get("card_bin") or ""),
        "customer_id": None if guest else int(order["customer_id"]),
        "avs_result": _signal(order, "avs_result"),
        "cvc_result": _signal(order, "cvc_result"),
        "three_ds_result": _signal(order, "three_ds_result"),
    }
    return extras, attrs


def transaction_of(order: Mapping[str, Any], *, row_id: Any) -> dict[str, Any]:
    """The fraud.ml transaction (time, amount, entity keys) of one order."""
    tx = {
        TIME_COL: order["created_at"],
        AMOUNT_COL: float(order.get("total") or 0.0),
        CUSTOMER_COL: customer_key(order.get("customer_id"), order.get("email"), row_id=row_id),
    }
    for col in ENTITY_COLS:
        tx[col] = entity_key(col, order.get(col), row_id=row_id)
    return tx


def order_features_online(order: Mapping[str, Any], history: Iterable[Mapping[str, Any]], *,
                          config: FeatureConfig, order_row_id: Any = "new") -> dict[str, float]:
    """Features of one order from the earlier orders sharing any of its entities.

    ``history`` rows: order fields (created_at, total, customer_id, email, entity columns) plus
    ``fraud_known_at`` (when a fraud label on it became known, None when none was known by then).
    """
    tx = transaction_of(order, row_id=order_row_id)
    rows = [(transaction_of(h, row_id=h.get("id")), h) for h in history]
    known_at = [-1 if h.get(KNOWN_COL) is None else one_to_seconds(h[KNOWN_COL]) for _, h in rows]
    hist: dict[str, EntityHistory] = {}
    for col in config.history_cols:
        key = tx[col]
        if key.startswith("~none:"):
            continue
        mine = [(one_to_seconds(t[TIME_COL]), t[AMOUNT_COL], known)
                for (t, h), known in zip(rows, known_at) if t[col] == key]
        if mine:
            mine.sort(key=lambda r: r[0])
            known = np.array([r[2] for r in mine], np.int64)
            hist[col] = EntityHistory(np.array([r[0] for r in mine], np.int64), np.array([r[1] for r in mine], float),
                                      (known >= 0).astype(float), known)
    features = features_for_transaction(tx, hist, config)
    extras, _ = order_attributes(order)
    features.update(extras)
    return features


def order_extras_frame(orders: pd.DataFrame) -> pd.DataFrame:
    """The per-order features (:data:`EXTRA_FEATURES`) of every order; they do not depend on labels."""
    extras = [order_attributes(row)[0] for row in orders.to_dict("records")]
    return pd.DataFrame({name: [e[name] for e in extras] for name in EXTRA_FEATURES}, index=orders.index)


def order_features_frame(orders: pd.DataFrame, *, config: FeatureConfig,
                         extras: pd.DataFrame | None = None) -> pd.DataFrame:
    """Features of every order in ``orders`` (batch; the frame holds the history it needs).

    Columns of ``orders``: id, created_at, total, customer_id, customer_created_at, email, the entity
    columns, the countries, and ``fraud_known_at`` (when a fraud label on the order became known,
    NaT when none). ``extras``: the
    orders' :func:`order_extras_frame`, for a caller that computes features for several label sets.
    """
    frame = pd.DataFrame(index=orders.index)
    frame[TIME_COL] = pd.to_datetime(orders["created_at"], utc=True)
    frame[AMOUNT_COL] = orders["total"].astype(float)
    known = pd.to_datetime(orders[KNOWN_COL], utc=True) if KNOWN_COL in orders else pd.Series(pd.NaT, orders.index)
    frame[LABEL_COL] = known.notna().astype(float).to_numpy()
    frame[KNOWN_COL] = known
    ids = orders["id"].tolist()
    frame[CUSTOMER_COL] = [customer_key(c, e, row_id=i) for c, e, i in
                           zip(orders["customer_id"].tolist(), orders["email"].tolist(), ids)]
    for col in ENTITY_COLS:
        frame[col] = [entity_key(col, v, row_id=i) for v, i in zip(orders[col].tolist(), ids)]
    features = build_features(frame, config)
    extras = order_extras_frame(orders) if extras is None else extras
    for name in EXTRA_FEATURES:
        features[name] = extras[name].to_numpy()
    return features


def describe(name: str, value: float) -> str:
    """A human sentence for a feature value (fraud.ml's, plus the shop's own features)."""
    if name in EXTRA_MESSAGES:
        return EXTRA_MESSAGES[name](float(value))
    from fraud.ml.models import describe_feature

    return describe_feature(name, value)
