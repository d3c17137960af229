"""Recording browsing events: the one write path for events posted by the shop or collected from browsers.

``record_events(rows=..., source=...)`` validates a whole batch first and stores it all or nothing:
any bad row means nothing is stored and every problem is reported as ``{"index", "field", "message"}``.
Rows with an ``event_id`` are deduplicated (stored as ``Event.dedupe_key``): sending a batch twice
stores it once. After the batch is committed, every registered listener is called with the result
so other apps (recommendations) can react in real time (also when ``attach_session_events`` gives
an anonymous session's events to the customer who signed in)::

    from electroshop.seam.events import register_event_listener
    register_event_listener(lambda result: ...)

Validation is plain Python (no DRF): a 1,000-row batch must be cheap, and importers can use it too.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime

from .adapter import EventType
from .registry import get_adapter

logger = logging.getLogger("electroshop.seam.events")

# Largest integer a database id column (bigint) holds; anything larger is a client error, not a 500.
MAX_ID = 2**63 - 1
# A browser may post only a few events at a time, and only what it can witness itself.
COLLECT_BATCH_MAX = 50
COLLECT_EVENT_TYPES = frozenset(
    {EventType.VIEW, EventType.CLICK, EventType.CART, EventType.WISHLIST, EventType.SEARCH, EventType.IMPRESSION}
)
# Clocks drift; an event this far in the future is a bug on the client, not a clock difference.
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_DWELL_SECONDS = 7 * 24 * 3600.0


def _string_limits() -> dict[str, int]:
    """The longest value of each text field the shop's product and events tables hold."""
    adapter = get_adapter()
    return _limits_of(adapter.event_model, adapter.sku_max_length)


@lru_cache(maxsize=4)
def _limits_of(event_model: Any, sku_max_length: int) -> dict[str, int]:
    get_field = event_model._meta.get_field
    return {
        "sku": sku_max_length,
        "session_id": get_field("session_id").max_length,
        "device": get_field("device").max_length,
        "traffic_source": get_field("traffic_source").max_length,
        "recommendation_id": get_field("recommendation_id").max_length,
        "query": get_field("query").max_length,
        "event_id": get_field("dedupe_key").max_length,
    }


FIELDS = (
    "event_type", "sku", "product_id", "customer_id", "session_id", "occurred_at", "device",
    "traffic_source", "dwell_seconds", "recommendation_id", "query", "event_id",
)
# Identity comes from the request for browser events, never from the body.
COLLECT_FIELDS = tuple(name for name in FIELDS if name not in ("customer_id", "session_id"))


@dataclass
class EventBatchResult:
    created: int
    duplicates: int
    source: str
    events: list[Any] = field(default_factory=list, repr=False)  # rows of the adapter's event_model


class EventBatchError(Exception):
    """The batch was refused; nothing was stored. ``errors`` lists every problem found."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} invalid event(s)")
        self.errors = errors


# --- listeners ----------------------------------------------------------------------------------

EventListener = Callable[[EventBatchResult], Any]
_listeners: list[EventListener] = []


def register_event_listener(listener: EventListener) -> EventListener:
    """Call ``listener(result)`` after each stored batch (after commit). Usable as a decorator."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def unregister_event_listener(listener: EventListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def _notify_listeners(result: EventBatchResult) -> None:
    for listener in list(_listeners):
        try:
            listener(result)
        except Exception:  # the events are stored; a listener's failure must not fail the request
            logger.exception("event listener %r failed", listener)


# --- validation ---------------------------------------------------------------------------------

class _RowError(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        self.message = message


def _text(row: Mapping[str, Any], name: str, *, required: bool = False) -> str:
    value = row.get(name)
    if value is None or value == "":
        if required:
            raise _RowError(name, "This field is required.")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _RowError(name, "Must be a string.")
    value = str(value)
    limit = _string_limits().get(name)
    if limit and len(value) > limit:
        raise _RowError(name, f"Must be at most {limit} characters.")
    if "\x00" in value:
        raise _RowError(name, "Must not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _RowError(name, "Must be valid Unicode text.") from None
    return value


def _identifier(row: Mapping[str, Any], name: str) -> int | None:
    value = row.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _RowError(name, "Must be a positive integer.")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise _RowError(name, "Must be a positive integer.")
    if not 0 < value <= MAX_ID:
        raise _RowError(name, f"Must be between 1 and {MAX_ID}.")
    return value


def _occurred_at(row: Mapping[str, Any], now: datetime) -> datetime:
    value = row.get("occurred_at")
    if value is None or value == "":
        return now
    if not isinstance(value, str):
        raise _RowError("occurred_at", "Must be an ISO 8601 date-time string, e.g. 2026-11-28T21:45:00Z.")
    try:
        parsed = parse_datetime(value.strip())
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise _RowError("occurred_at", "Must be an ISO 8601 date-time string, e.g. 2026-11-28T21:45:00Z.")
    try:
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        if parsed > now + FUTURE_TOLERANCE:
            raise _RowError("occurred_at", "Must not be in the future.")
    except (ValueError, OverflowError):  # e.g. year 9999 plus an offset
        raise _RowError("occurred_at", "Is out of range.") from None
    return parsed


def _dwell(row: Mapping[str, Any]) -> float | None:
    value = row.get("dwell_seconds")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _RowError("dwell_seconds", "Must be a number of seconds.")
    try:
        value = float(value)
    except OverflowError:
        raise _RowError("dwell_seconds", f"Must be between 0 and {MAX_DWELL_SECONDS:.0f}.") from None
    if not math.isfinite(value) or not 0 <= value <= MAX_DWELL_SECONDS:
        raise _RowError("dwell_seconds", f"Must be between 0 and {MAX_DWELL_SECONDS:.0f}.")
    return value


@dataclass
class _CleanRow:
    index: int
    event_type: str
    sku: str
    product_id: int | None
    customer_id: int | None
    session_id: str
    occurred_at: datetime
    device: str
    traffic_source: str
    dwell_seconds: float | None
    recommendation_id: str
    query: str
    dedupe_key: str | None


def _clean_row(index: int, row: Any, *, allowed: Sequence[str], event_types: Iterable[str], now: datetime,
               dedupe_prefix: str) -> tuple[_CleanRow | None, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []

    def error(name: str, message: str) -> None:
        errors.append({"index": index, "field": name, "message": message})

    if not isinstance(row, Mapping):
        error("non_field_errors", "Each event must be a JSON object.")
        return None, errors
    for name in row:
        if name not in allowed:
            error(str(name)[:100], "Unknown field." if name in FIELDS else "Unknown field.")
    values: dict[str, Any] = {}
    checks: list[tuple[str, Callable[[], Any]]] = [
        ("event_type", lambda: _text(row, "event_type", required=True)),
        ("sku", lambda: _text(row, "sku")),
        ("product_id", lambda: _identifier(row, "product_id")),
        ("customer_id", lambda: _identifier(row, "customer_id")),
        ("session_id", lambda: _text(row, "session_id")),
        ("occurred_at", lambda: _occurred_at(row, now)),
        ("device", lambda: _text(row, "device")),
        ("traffic_source", lambda: _text(row, "traffic_source")),
        ("dwell_seconds", lambda: _dwell(row)),
        ("recommendation_id", lambda: _text(row, "recommendation_id")),
        ("query", lambda: _text(row, "query")),
        ("event_id", lambda: _text(row, "event_id")),
    ]
    for name, check in checks:
        if name not in allowed:
            continue
        try:
            values[name] = check()
        except _RowError as exc:
            error(exc.field, exc.message)
    types = set(event_types)
    event_type = values.get("event_type")
    if event_type and event_type not in types:
        error("event_type", f"Must be one of: {', '.join(sorted(types))}.")
    sku, product_id = values.get("sku"), values.get("product_id")
    if sku and product_id:
        error("sku", "Give sku or product_id, not both.")
    elif event_type and event_type != EventType.SEARCH and not _is_exposure(event_type, values) and not sku \
            and product_id is None and "sku" not in {
        e["field"] for e in errors
    } and "product_id" not in {e["field"] for e in errors}:
        error("sku", "This field is required (or product_id) for this event type.")
    if event_type == EventType.SEARCH and not values.get("query") and "query" not in {e["field"] for e in errors}:
        error("query", "This field is required for search events.")
    if "customer_id" in allowed and "session_id" in allowed:
        if values.get("customer_id") is None and not values.get("session_id") and not {
            "customer_id", "session_id"} & {e["field"] for e in errors}:
            error("customer_id", "Give customer_id or session_id.")
    if errors:
        return None, errors
    event_id = values.get("event_id") or ""
    dedupe_key = f"{dedupe_prefix}{event_id}"[: _string_limits()["event_id"]] if event_id else None
    return _CleanRow(
        index=index, event_type=event_type, sku=sku or "", product_id=product_id,
        customer_id=values.get("customer_id"), session_id=values.get("session_id") or "",
        occurred_at=values["occurred_at"], device=values.get("device", ""),
        traffic_source=values.get("traffic_source", ""), dwell_seconds=values.get("dwell_seconds"),
        recommendation_id=values.get("recommendation_id", ""), query=values.get("query", ""),
        dedupe_key=dedupe_key,
    ), []


def _is_exposure(event_type: str, values: dict[str, Any]) -> bool:
    """A list-level impression: a list shown with no item (an experiment's holdout) is reported with
    the answer's ``exposure_id`` (a recommendation id at position 0) and no product."""
    return event_type == EventType.IMPRESSION and (values.get("recommendation_id") or "").endswith(".0")


def _validate_batch(rows: Any, *, max_rows: int, allowed: Sequence[str], event_types: Iterable[str],
                    dedupe_prefix: str) -> list[_CleanRow]:
    if not isinstance(rows, (list, tuple)):
        raise EventBatchError([{"index": None, "field": "events", "message": "Must be a list of events."}])
    if not rows:
        raise EventBatchError([{"index": None, "field": "events", "message": "Send at least one event."}])
    if len(rows) > max_rows:
        raise EventBatchError(
            [{"index": None, "field": "events", "message": f"At most {max_rows} events per batch ({len(rows)} sent)."}]
        )
    now = timezone.now()
    errors: list[dict[str, Any]] = []
    clean: list[_CleanRow] = []
    for index, row in enumerate(rows):
        cleaned, row_errors = _clean_row(
            index, row, allowed=allowed, event_types=event_types, now=now, dedupe_prefix=dedupe_prefix
        )
        errors.extend(row_errors)
        if cleaned is not None:
            clean.append(cleaned)
    if errors:
        raise EventBatchError(errors)
    return clean


def _resolve_references(rows: list[_CleanRow]) -> tuple[dict[str, int], set[int], set[int]]:
    """SKU → product id, existing product ids and customer ids: three queries for the whole batch."""
    skus = {row.sku for row in rows if row.sku}
    product_ids = {row.product_id for row in rows if row.product_id is not None}
    customer_ids = {row.customer_id for row in rows if row.customer_id is not None}
    adapter = get_adapter()
    by_sku = adapter.product_ids_for_skus(skus) if skus else {}
    known_products = adapter.existing_product_ids(product_ids) if product_ids else set()
    known_customers = adapter.existing_customer_ids(customer_ids) if customer_ids else set()
    errors = []
    for row in rows:
        if row.sku and row.sku not in by_sku:
            errors.append({"index": row.index, "field": "sku", "message": f"No product with SKU {row.sku!r}."})
        if row.product_id is not None and row.product_id not in known_products:
            errors.append({"index": row.index, "field": "product_id", "message": f"No product with id {row.product_id}."})
        if row.customer_id is not None and row.customer_id not in known_customers:
            errors.append(
                {"index": row.index, "field": "customer_id", "message": f"No customer with id {row.customer_id}."}
            )
    if errors:
        raise EventBatchError(sorted(errors, key=lambda e: e["index"]))
    return by_sku, known_products, known_customers


def _store(rows: list[_CleanRow], *, source: str, customer_id: int | None = None,
           session_id: str | None = None) -> EventBatchResult:
    by_sku, _, _ = _resolve_references(rows)
    Event = get_adapter().event_model
    for attempt in range(2):
        try:
            with transaction.atomic():
                keys = [row.dedupe_key for row in rows if row.dedupe_key]
                # Chunked so a 1,000-key IN stays within every database's parameter limit.
                existing: set[str] = set()
                for start in range(0, len(keys), 500):
                    existing.update(
                        Event.objects.filter(dedupe_key__in=keys[start:start + 500]).values_list("dedupe_key", flat=True)
                    )
                events: list[Any] = []
                duplicates = 0
                for row in rows:
                    if row.dedupe_key:
                        if row.dedupe_key in existing:
                            duplicates += 1
                            continue
                        existing.add(row.dedupe_key)  # a repeat inside the same batch is a duplicate too
                    events.append(
                        Event(
                            event_type=row.event_type,
                            product_id=by_sku[row.sku] if row.sku else row.product_id,
                            customer_id=customer_id if customer_id is not None else row.customer_id,
                            session_id=session_id if session_id is not None else row.session_id,
                            occurred_at=row.occurred_at, device=row.device, traffic_source=row.traffic_source,
                            dwell_seconds=row.dwell_seconds, recommendation_id=row.recommendation_id,
                            query=row.query, dedupe_key=row.dedupe_key,
                        )
                    )
                Event.objects.bulk_create(events, batch_size=500)
                result = EventBatchResult(created=len(events), duplicates=duplicates, source=source, events=events)
                transaction.on_commit(lambda: _notify_listeners(result))
            return result
        except IntegrityError:
            # Another request stored one of our event ids between our check and our insert: look again.
            if attempt:
                raise
    raise AssertionError("unreachable")


# --- the service functions ------------------------------------------------------------------------

def record_events(*, rows: Sequence[Mapping[str, Any]], source: str, max_rows: int | None = None) -> EventBatchResult:
    """Validate and store a batch of events all or nothing; raise EventBatchError listing bad rows.

    ``source`` says where the batch came from ("api", "import", ...); listeners receive it.
    """
    from electroshop.conf import electroshop_settings

    limit = electroshop_settings.EVENTS_BATCH_MAX if max_rows is None else max_rows
    clean = _validate_batch(rows, max_rows=limit, allowed=FIELDS, event_types=EventType.values, dedupe_prefix="")
    return _store(clean, source=source)


def record_session_events(*, rows: Sequence[Mapping[str, Any]], session_id: str, customer_id: int | None,
                          source: str = "collect") -> EventBatchResult:
    """Store a browser's own events: identity comes from its session, never from the rows.

    Event ids are namespaced by session so a browser cannot pre-empt (and so suppress) the ids the
    shop's back end will send.
    """
    if not session_id:
        raise EventBatchError([{"index": None, "field": "session_id", "message": "No session."}])
    namespace = salted_hmac("electroshop.events.collect", session_id).hexdigest()[:16]
    clean = _validate_batch(
        rows, max_rows=COLLECT_BATCH_MAX, allowed=COLLECT_FIELDS, event_types=COLLECT_EVENT_TYPES,
        dedupe_prefix=f"collect:{namespace}:",
    )
    return _store(clean, source=source, customer_id=customer_id, session_id=session_id)


def attach_session_events(*, session_id: str, customer_id: int) -> EventBatchResult:
    """Give an anonymous session's events to the customer who signed in from it.

    Sets ``customer`` on the session's events that have none; listeners then receive them (source
    ``"sign-in"``) as if just recorded for that customer, so their live list takes the browsing in.
    """
    if not session_id:
        return EventBatchResult(created=0, duplicates=0, source="sign-in")
    with transaction.atomic():
        anonymous = get_adapter().event_model.objects.filter(session_id=session_id, customer_id__isnull=True)
        events = list(anonymous.select_for_update().order_by("occurred_at"))
        anonymous.update(customer_id=customer_id)
        for event in events:
            event.customer_id = customer_id
        result = EventBatchResult(created=0, duplicates=0, source="sign-in", events=events)
        transaction.on_commit(lambda: _notify_listeners(result))
    return result


def session_event_key(django_session_key: str) -> str:
    """What a Django session key is stored as in ``Event.session_id``.

    A session key is a credential; the events table (readable by merchants and the ML code) gets a
    keyed hash of it instead. The session-recommendation endpoints use this same function.
    """
    return "dj-" + salted_hmac("electroshop.events.session", django_session_key).hexdigest()[:40]
