"""The fraud team's history of the demo shop: assessments, review decisions and chargebacks.

Written after the shop's rows (same transaction, same bulk path), from the generator's ground truth
and the fraud app's own scoring code, deterministically from the seed:

* **Scoring** as the shop would have scored each order when it was placed, before any model was
  trained: the fraud app's batch features (what training uses, equal to the online ones) and its
  decision function (``fraud.services.assess``: rules-only points, lists, rules, thresholds).
* **The merchant's rule**: orders of £1,000 or more from a guest or an account younger than 30
  days go to review (a ``FraudRule`` the demo shop has, editable in the admin like any other).
* **Review decisions**: every order the scoring sent to review or blocked is decided by a reviewer
  1-72 hours after it was placed: a fraud is rejected (one in ten slips through and is
  approved), a genuine order approved. A decision is a training label known at its time, so a
  rejection feeds the entity-risk features of the orders placed after it; orders flagged
  because of such a label are reviewed in turn (repeated until nothing changes). Rejected orders
  become ``cancelled``. Orders whose decision would fall after the end of the history are still
  pending: the review queue.
* **Chargebacks**: every fraud that was paid for (not cancelled, not rejected) is charged back 2-12
  weeks after the order, as a ``chargeback`` label dated that day, if that day is before the end
  of the history (younger frauds are not known yet).
* **Assessments** are stored for every reviewed or flagged order and for every order of the last
  14 days, dated when the order was placed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from electroshop.demo.generator import DAY, DemoData
from electroshop.demo.services import move_sequences_past_ids, write_rows
from electroshop.seam import get_adapter
from electroshop.shop.models import Order
from fraud import selectors
from fraud.features import feature_config, order_attributes, order_extras_frame, order_features_frame
from fraud.models import FraudLabel, FraudRule, Level, ReviewAssessment, RiskAssessment, SignupAssessment
from fraud.rules import identities_of
from fraud.services import Scored, assess

REVIEWER = "fraud-team"
RECENT_DAYS = 14  # every order of the last two weeks has its assessment, as in a live shop
DECISION_HOURS = (1, 72)  # a reviewer decides a flagged order within hours to three days
MISSED_FRAUD = 0.1  # share of reviewed frauds the reviewer approves (their chargeback comes later)
# The demo shop's merchant rule: large orders from guests (account age 0) and new accounts are checked by hand.
LARGE_NEW_ACCOUNT_RULE = {
    "name": "Large order from a guest or a new account",
    "conditions": [{"feature": "amount", "op": ">=", "value": 1000}, {"feature": "account_age_days", "op": "<", "value": 30}],
    "action": Level.REVIEW, "priority": 50,
    "note": "Demo shop: orders of £1,000 or more from a guest or an account younger than 30 days are checked by hand.",
}
CHARGEBACK_DAYS = (14, 84)  # a chargeback arrives 2-12 weeks after the order
CHARGEBACK_REASONS = ("10.4 Other Fraud - Card-Absent Environment", "4837 No Cardholder Authorization",
                      "F29 Card Not Present Fraud")
MAX_REVIEW_ROUNDS = 10


@dataclass
class FraudHistory:
    assessments: int
    pending_review: int
    approved: int
    rejected: int
    chargebacks: int


def delete_fraud_history() -> None:
    """Delete the fraud rows that point at shop rows (what ``seed_demo --reset`` does with the shop)."""
    for model in (RiskAssessment, FraudLabel, SignupAssessment, ReviewAssessment):
        model.objects.all().delete()


def _seconds(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="datetime64[s]").astype(np.int64)


def _review(orders: pd.DataFrame, *, rejects: np.ndarray, decided_at: np.ndarray,
            end_ts: int) -> tuple[list[Scored], np.ndarray]:
    """(assessment of every order, reviewed-by-the-end mask), with decisions fed back as labels.

    A decision changes the features only of later orders sharing an entity: each round re-assesses
    just the orders whose features changed, until the reviewed set no longer grows.
    """
    config = selectors.fraud_config()
    fconfig = feature_config(label_delay_days=config.label_delay_days)
    records = orders.to_dict("records")
    extras = order_extras_frame(orders)  # the same in every round
    # A rejection is a fraud label known from its decision on (as in serving).
    scored: list[Scored | None] = [None] * len(orders)
    known = np.full(len(orders), -1, np.int64)
    previous = None
    for _ in range(MAX_REVIEW_ROUNDS):
        known_at = pd.to_datetime(np.where(known >= 0, known.astype("datetime64[s]"), np.datetime64("NaT")), utc=True)
        features = order_features_frame(orders.assign(fraud_known_at=known_at), config=fconfig, extras=extras)
        values = features.to_numpy(float)
        if previous is None:
            changed = np.arange(len(orders))
        else:
            same = (values == previous) | (np.isnan(values) & np.isnan(previous))
            changed = np.flatnonzero(~same.all(axis=1))
        for i, row in zip(changed.tolist(), features.iloc[changed].to_dict("records")):
            order = records[i]
            scored[i] = assess(row, order_attributes(order)[1], identities_of(order), model=None,
                               version_id=None, config=config)
        flagged = np.array([s.level != Level.ALLOW for s in scored])
        reviewed = flagged & (decided_at < end_ts)
        new_known = np.where(reviewed & rejects, decided_at, -1)
        if np.array_equal(new_known, known):
            break
        known, previous = new_known, values
    return scored, reviewed


def write_fraud_history(*, data: DemoData, seed: int) -> FraudHistory:
    """Score, review and charge back the demo shop's orders; write assessments and labels."""
    rng = np.random.default_rng([seed, 7])  # its own stream: the shop's rows never depend on this
    end_ts = data.end_ts
    orders = get_adapter().orders_risk_frame(until=dt.datetime.fromtimestamp(end_ts, dt.UTC)).reset_index(drop=True)
    n = len(orders)
    placed = _seconds(orders["created_at"])
    fraud = orders["number"].isin(set(data.ground_truth["fraudulent_order_numbers"])).to_numpy()
    # Drawn once per order, so rounds of the review never redraw them.
    decided_at = placed + rng.integers(DECISION_HOURS[0] * 3600, DECISION_HOURS[1] * 3600, n)
    rejects = fraud & (rng.random(n) >= MISSED_FRAUD)
    charged_back_at = placed + rng.integers(CHARGEBACK_DAYS[0], CHARGEBACK_DAYS[1] + 1, n) * DAY
    charged_back_at -= charged_back_at % DAY  # a chargeback file carries a day
    reasons = np.asarray(CHARGEBACK_REASONS, dtype=object)[rng.integers(0, len(CHARGEBACK_REASONS), n)]

    FraudRule.objects.get_or_create(name=LARGE_NEW_ACCOUNT_RULE["name"], defaults=LARGE_NEW_ACCOUNT_RULE)
    scored, reviewed = _review(orders, rejects=rejects, decided_at=decided_at, end_ts=end_ts)
    flagged = np.array([s.level != Level.ALLOW for s in scored])
    rejected = reviewed & rejects
    approved = reviewed & ~rejects
    cancelled = rejected | (orders["status"].to_numpy() == Order.Status.CANCELLED)
    charged_back = fraud & ~cancelled & (charged_back_at < end_ts)
    stored = np.flatnonzero(flagged | (placed >= end_ts - RECENT_DAYS * DAY))

    _write_assessments(orders, scored, stored, placed=placed, decided_at=decided_at, approved=approved,
                       rejected=rejected)
    _write_labels(orders, placed=placed, reviewed=reviewed, rejects=rejects, decided_at=decided_at,
                  charged_back=charged_back, charged_back_at=charged_back_at, reasons=reasons)
    Order.objects.filter(pk__in=orders["id"][rejected].tolist()).update(status=Order.Status.CANCELLED)
    queued = np.array([s.level == Level.REVIEW for s in scored]) & ~reviewed
    return FraudHistory(assessments=len(stored), pending_review=int(queued.sum()),
                        approved=int(approved.sum()), rejected=int(rejected.sum()),
                        chargebacks=int(charged_back.sum()))


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _write_assessments(orders: pd.DataFrame, scored: list[Scored], rows: np.ndarray, *, placed: np.ndarray,
                       decided_at: np.ndarray, approved: np.ndarray, rejected: np.ndarray) -> None:
    picked = [scored[i] for i in rows.tolist()]
    decision = np.where(approved, RiskAssessment.Decision.APPROVED,
                        np.where(rejected, RiskAssessment.Decision.REJECTED, RiskAssessment.Decision.PENDING))[rows]
    decided = approved[rows] | rejected[rows]
    start = _next_id(RiskAssessment)
    write_rows(RiskAssessment, {
        "id": np.arange(start, start + len(rows)), "order_id": orders["id"].to_numpy()[rows],
        "order_number": orders["number"].to_numpy()[rows].tolist(),
        "customer_id": [None if pd.isna(c) else int(c) for c in orders["customer_id"].to_numpy()[rows]],
        "order_created_at": placed[rows], "score": [s.score for s in picked], "level": [s.level for s in picked],
        "reasons": [s.reasons for s in picked], "rules_matched": [s.rules_matched for s in picked],
        "model_version_id": [None] * len(rows), "model_score": [None] * len(rows),
        "features": [s.features for s in picked], "source": ["order"] * len(rows), "decision": decision.tolist(),
        "decided_by": np.where(decided, REVIEWER, "").tolist(),
        "decided_at": [int(t) if d else None for t, d in zip(decided_at[rows].tolist(), decided.tolist())],
        "created_at": placed[rows],
    })
    move_sequences_past_ids([RiskAssessment])


def _write_labels(orders: pd.DataFrame, *, placed: np.ndarray, reviewed: np.ndarray, rejects: np.ndarray,
                  decided_at: np.ndarray, charged_back: np.ndarray, charged_back_at: np.ndarray,
                  reasons: np.ndarray) -> None:
    decisions, chargebacks = np.flatnonzero(reviewed), np.flatnonzero(charged_back)
    rows = np.concatenate([decisions, chargebacks])
    known = np.concatenate([decided_at[decisions], charged_back_at[chargebacks]])
    known = np.maximum(known, placed[rows])  # a chargeback dated the order's own day
    n_decisions = len(decisions)
    start = _next_id(FraudLabel)
    write_rows(FraudLabel, {
        "id": np.arange(start, start + len(rows)), "order_id": orders["id"].to_numpy()[rows],
        "order_number": orders["number"].to_numpy()[rows].tolist(), "order_created_at": placed[rows],
        "is_fraud": np.concatenate([rejects[decisions], np.ones(len(chargebacks), bool)]).tolist(),
        "source": [FraudLabel.Source.REVIEW] * n_decisions + [FraudLabel.Source.CHARGEBACK] * len(chargebacks),
        "known_at": known,
        "reason": ["review queue decision"] * n_decisions + reasons[chargebacks].tolist(),
        "recorded_at": known, "recorded_by": [REVIEWER] * n_decisions + ["import"] * len(chargebacks),
    })
    move_sequences_past_ids([FraudLabel])
