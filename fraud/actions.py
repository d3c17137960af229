"""What the shop does with a score: hold, cancel, release, and the reviewer's decisions.

A new order scored ``review`` is put on hold (the shop adapter's ``fraud_hold_status``) until a
decision; one scored ``block`` is held or cancelled, as the merchant's fraud settings say
(``block_action``); ``allow`` passes. Only new orders are acted on (scored at creation or by the
queued task): re-scoring an order later through the API changes nothing in the shop. A decision
(``approve`` or ``reject``, from the API or the admin) becomes a training label, releases the order
(its status before the hold comes back, unless the shop changed it since) or cancels it, and is
sent to the shop's webhook. Every step is a :class:`~fraud.models.CaseEvent` on the case page.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from electroshop.seam import get_adapter

from . import labels, webhooks
from .labels import DecisionError
from .models import CaseEvent, FraudSettings, Level, RiskAssessment

ACTED_ON_SOURCES = ("order", "task")
DECISIONS = {"approve": RiskAssessment.Decision.APPROVED, "reject": RiskAssessment.Decision.REJECTED}


def _event(assessment: RiskAssessment, kind: str, detail: str, *, by: str = "", **data) -> CaseEvent:
    return CaseEvent.objects.create(assessment=assessment, kind=kind, detail=detail, data=data, by=by)


def _notify(assessment: RiskAssessment, event: str, **payload) -> None:
    webhooks.queue_delivery(event=event, assessment=assessment, payload={
        "assessment_id": assessment.pk, "order_id": assessment.order_id, "order_number": assessment.order_number,
        "score": round(assessment.score, 2), "level": assessment.level, **payload})


def _block_action() -> str:
    row = FraudSettings.objects.only("block_action").first()
    return row.block_action if row is not None else FraudSettings.BlockAction.HOLD


@transaction.atomic
def act_on_level(assessment: RiskAssessment) -> CaseEvent | None:
    """Hold or cancel a new order by its level (see the module); returns what was done, if anything."""
    if assessment.order_id is None or assessment.source not in ACTED_ON_SOURCES or assessment.level == Level.ALLOW:
        return None
    adapter = get_adapter()
    action = "hold" if assessment.level == Level.REVIEW else _block_action()
    target = adapter.fraud_hold_status if action == "hold" else adapter.fraud_cancel_status
    previous = adapter.order_status(assessment.order_id)
    if target is None or previous is None:
        return _event(assessment, action, f"not done: the shop takes no order status for '{action}'", taken=False)
    if previous == target:
        return None
    if not adapter.set_order_status(assessment.order_id, target, expected=previous):
        return None  # the shop changed the order meanwhile: its change stands
    event = _event(assessment, CaseEvent.Kind.HOLD if action == "hold" else CaseEvent.Kind.CANCEL,
                   f"order status {previous} -> {target} (scored {assessment.level})", previous_status=previous,
                   status=target, taken=True)
    _notify(assessment, f"order.{'held' if action == 'hold' else 'cancelled'}", order_status=target,
            previous_status=previous)
    return event


@transaction.atomic
def decide(*, assessment_id: int, decision: str, decided_by: str, note: str = "") -> RiskAssessment:
    """Approve or reject an assessed order: the label, the order's release or cancellation, the case
    history and the webhook (see the module)."""
    if decision not in DECISIONS:
        raise DecisionError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    labels.record_decision(assessment_id=assessment_id, decision=DECISIONS[decision], decided_by=decided_by)
    assessment = RiskAssessment.objects.get(pk=assessment_id)
    status = _release_or_cancel(assessment, approve=decision == "approve", by=decided_by)
    _event(assessment, CaseEvent.Kind.DECISION, f"{decision}d" + (f": {note}" if note else ""), by=decided_by,
           decision=decision, note=note)
    _notify(assessment, "assessment.decided", decision=decision, decided_by=decided_by,
            decided_at=(assessment.decided_at or timezone.now()).isoformat(), order_status=status, note=note)
    return assessment


def _release_or_cancel(assessment: RiskAssessment, *, approve: bool, by: str) -> str | None:
    """The order's status after the decision (None: the shop keeps none, or there is no order).

    What the plugin did to the order (its latest hold or cancellation, whichever assessment of the
    order it came with) is undone on approval if the order still has that status; a rejection cancels
    an order the plugin holds, or one the shop has not moved past ``fraud_cancellable_statuses``.
    """
    if assessment.order_id is None:
        return None
    adapter = get_adapter()
    current = adapter.order_status(assessment.order_id)
    if current is None:
        return None
    ours = (CaseEvent.objects.filter(assessment__order_id=assessment.order_id, data__taken=True,
                                     kind__in=[CaseEvent.Kind.HOLD, CaseEvent.Kind.CANCEL])
            .order_by("-at", "-id").first())
    if approve:
        if ours is None or current != ours.data.get("status"):
            return current  # not held or cancelled by us (or the shop moved it on): nothing to undo
        previous = ours.data.get("previous_status")
        if previous and adapter.set_order_status(assessment.order_id, previous, expected=current):
            _event(assessment, CaseEvent.Kind.RELEASE, f"order status {current} -> {previous}", by=by,
                   previous_status=current, status=previous, taken=True)
            return previous
        return current
    target = adapter.fraud_cancel_status
    if target is None or current == target:
        return current
    if current != adapter.fraud_hold_status and current not in adapter.fraud_cancellable_statuses:
        return current  # shipped or completed: a reviewer's rejection does not undo it
    if adapter.set_order_status(assessment.order_id, target, expected=current):
        _event(assessment, CaseEvent.Kind.CANCEL, f"order status {current} -> {target} (rejected as fraud)", by=by,
               previous_status=current, status=target, taken=True)
        return target
    return current


def add_note(*, assessment_id: int, text: str, by: str) -> CaseEvent:
    return _event(RiskAssessment.objects.get(pk=assessment_id), CaseEvent.Kind.NOTE, text[:1000], by=by)
