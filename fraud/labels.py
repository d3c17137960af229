"""Writes of the fraud app's labels: review decisions, block-list entries from an order, chargeback files."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime
from typing import Iterable

from django.db import transaction
from django.utils import timezone

from electroshop.seam import get_adapter


from . import selectors
from .models import FraudLabel, ListEntry, RiskAssessment


logger = logging.getLogger("electroshop.fraud")

class DecisionError(ValueError):
    pass


@transaction.atomic
def record_decision(*, assessment_id: int, decision: str, decided_by: str) -> FraudLabel | None:
    """Approve or reject (as fraud) a reviewed order; the decision becomes a training label now."""
    if decision not in (RiskAssessment.Decision.APPROVED, RiskAssessment.Decision.REJECTED):
        raise DecisionError(f"unknown decision {decision!r}")
    assessment = RiskAssessment.objects.select_for_update().get(pk=assessment_id)
    now = timezone.now()
    if assessment.decision != decision:
        assessment.decision, assessment.decided_by, assessment.decided_at = decision, decided_by, now
        assessment.save(update_fields=["decision", "decided_by", "decided_at"])
    if assessment.order_id is None:
        return None  # a checkout that was never saved has no order to label
    is_fraud = decision == RiskAssessment.Decision.REJECTED
    label = FraudLabel.objects.select_for_update().filter(order_id=assessment.order_id,
                                                          source=FraudLabel.Source.REVIEW).first()
    if label is not None and label.is_fraud == is_fraud:
        return label  # the same decision again: it was known from the first time on
    label, _ = FraudLabel.objects.update_or_create(
        order_id=assessment.order_id, source=FraudLabel.Source.REVIEW,
        defaults={"order_number": assessment.order_number, "order_created_at": assessment.order_created_at,
                  "is_fraud": is_fraud, "known_at": now, "recorded_by": decided_by, "reason": "review queue decision"},
    )
    return label


LIST_KINDS_FROM_ORDER = ("email", "device", "ip", "card_fingerprint")


def block_identities_of_assessment(*, assessment_id: int, created_by: str,
                                   kinds: Iterable[str] = LIST_KINDS_FROM_ORDER) -> list[ListEntry]:
    """Put the order's e-mail, device, IP and payment fingerprint on the block list (idempotent)."""
    assessment = RiskAssessment.objects.get(pk=assessment_id)
    identities = (assessment.features or {}).get("identities", {})
    created = []
    with transaction.atomic():
        for kind in kinds:
            value = identities.get(kind)
            if not value:
                continue
            entry, new = ListEntry.objects.get_or_create(
                list_type=ListEntry.ListType.BLOCK, kind=kind, value=value,
                defaults={"note": f"from order {assessment.order_number or assessment_id}", "created_by": created_by},
            )
            if new:
                created.append(entry)
    selectors.forget_fraud_config()
    return created


@dataclass
class ChargebackImport:
    imported: int = 0
    duplicates: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)


class ChargebackFileError(ValueError):
    pass


def _parse_known_at(text: str) -> tuple[datetime, bool]:
    """(when the chargeback became known, whether the text gave a time of day): an ISO date-time, or a
    date (ISO, D/M/YYYY or M/D/YYYY) meaning its start in the shop's time zone."""
    text = text.strip()
    if len(text) > 10:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return (timezone.make_aware(moment) if timezone.is_naive(moment) else moment), True
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y").date(),
                  lambda t: datetime.strptime(t, "%m/%d/%Y").date()):
        try:
            return timezone.make_aware(datetime.combine(parse(text), dtime.min)), False
        except ValueError:
            continue
    raise ValueError(f"chargeback_date {text!r} is not a date (use YYYY-MM-DD or an ISO date-time)")


def import_chargebacks(*, stream: io.TextIOBase, recorded_by: str = "import") -> ChargebackImport:
    """Import ``order_number,chargeback_date[,reason]`` rows as fraud labels, all in one transaction.

    ``chargeback_date`` is the day the shop learned of it (the label counts from the start of that
    day, or from the order if it was placed that day) or the exact date-time.

    A bad row (unknown order, bad date, chargeback before the order) is reported with its line and
    skipped; a chargeback already recorded for the order (or repeated in the file) is a duplicate.
    """
    reader = csv.DictReader(stream)
    columns = {c.strip().lower() for c in (reader.fieldnames or []) if c}
    missing = {"order_number", "chargeback_date"} - columns
    if missing:
        raise ChargebackFileError(f"missing column(s): {', '.join(sorted(missing))} "
                                  "(expected order_number,chargeback_date[,reason])")
    parsed: list[tuple[int, str, tuple[datetime, bool], str]] = []
    report = ChargebackImport()
    for row in reader:
        line = reader.line_num
        row = {(k or "").strip().lower(): (v or "").strip() if isinstance(v, str) else "" for k, v in row.items()}
        number = row.get("order_number", "")
        if not number:
            report.bad.append((line, "order_number is empty"))
            continue
        try:
            day = _parse_known_at(row.get("chargeback_date", ""))
        except ValueError as exc:
            report.bad.append((line, str(exc)))
            continue
        parsed.append((line, number, day, row.get("reason", "")[:300]))
    orders = get_adapter().order_ids_for_numbers(number for _, number, _, _ in parsed)
    with transaction.atomic():
        existing = set(FraudLabel.objects.filter(
            source=FraudLabel.Source.CHARGEBACK, order_id__in=[v[0] for v in orders.values()]
        ).values_list("order_id", flat=True))
        new = []
        for line, number, day, reason in parsed:
            if number not in orders:
                report.bad.append((line, f"no order with number {number!r}"))
                continue
            order_id, created_at = orders[number]
            known_at, timed = day
            if (known_at < created_at) if timed else (known_at.date() < timezone.localtime(created_at).date()):
                shown = known_at.isoformat() if timed else known_at.date().isoformat()
                report.bad.append((line, f"chargeback_date {shown} is before the order "
                                         f"({timezone.localtime(created_at):%Y-%m-%d %H:%M})"))
                continue
            if order_id in existing:
                report.duplicates += 1
                continue
            existing.add(order_id)
            new.append(FraudLabel(order_id=order_id, order_number=number, order_created_at=created_at, is_fraud=True,
                                  source=FraudLabel.Source.CHARGEBACK, known_at=max(known_at, created_at),
                                  reason=reason, recorded_by=recorded_by))
        FraudLabel.objects.bulk_create(new, batch_size=1000)
        report.imported = len(new)
    report.bad.sort()
    return report
