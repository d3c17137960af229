"""Attribution: new events and orders become the activity of the list that earned them.

``attribute_new_activity`` reads what arrived since its previous run (never the whole history) and adds
it to ``Activity`` (per UTC day, list group and subject):

* **Events** with a ``recommendation_id`` (impressions, clicks, add-to-carts as ``cart``, purchases), read
  by id, ``EXPERIMENTS_EVENT_BATCH_SIZE`` at a time, from the unread id ranges of ``event_ranges``: each
  run queues the ids up to the highest visible, and ids missing when read (a transaction that commits
  late, out of id order) are looked for again by every run for ``EXPERIMENTS_EVENT_SETTLE_SECONDS``, so
  an event committed late is still counted, once. The id names the list's group
  (``bucketing.parse_recommendation_id``): placement, strategy, model version, and the experiment and
  variant (its name from the ``Variant`` of that experiment and position; an experiment that does not
  exist, or a position it has no variant at, counts as no experiment: 0 and ""). The subject is
  ``customer:<id>``, else ``session:<session id>`` (``bucketing.subject_key``), as the event reads when
  counted (a session's events given to the customer who signs in afterwards stay the session's). An
  event whose id does not parse (or names a group, or a subject, too long to store), and a purchase
  event without a product, is skipped and counted in the report.
* **Exposures**: an impression whose id has item position 0 is a list-level exposure (a holdout's, which
  shows no list; it may carry no product): it counts no impression but creates the subject's
  ``Activity`` row, so the subject counts in its group's subjects.
* **Purchase events** with a ``recommendation_id`` are a ``Conversion`` of that list directly (revenue:
  the product's price from ``product_summaries``, one unit: events carry no amount), and an order of
  the list's group on the event's day.
* **Orders**: order lines read by their order's time, from where the previous run stopped less
  ``EXPERIMENTS_ORDER_OVERLAP_MINUTES`` (a day at a time on a first run, which starts at the first event
  with a ``recommendation_id``). A line of a customer's order whose customer clicked the same product in
  a list within ``EXPERIMENTS_ATTRIBUTION_DAYS`` before the order is a ``Conversion`` of the last such
  click's list (revenue: quantity x unit price, the order's lines of one product together) and an order
  of that list's group on the order's day. Orders whose status the shop's adapter names as not demand
  (``not_demand_statuses``: cancelled, refunded) are skipped; an order cancelled after it was counted
  stays counted. Guest orders carry no session in the seam's order lines: they are attributed only
  through purchase events.
* **Orders of exposed subjects** (``all_orders``, ``all_revenue``: what a holdout, which shows no list,
  is compared on): every order of a customer placed while an experiment ran (from its start to its
  stop), attributed to a list or not, counts once in that experiment when the customer had an exposure
  in it (any ``Activity`` row of the experiment) on the order's day or before: 1 in ``all_orders`` and
  its revenue (quantity x unit price over its lines) in ``all_revenue``, on the customer's row of the
  order's day in the list group of their latest exposure in the experiment up to that day (the row of
  the latest day; of several that day, the one created last), created when the customer has none that
  day. Exposures are known per day, so an order earlier on the day of the first exposure counts too;
  the rule is the same for every variant, so arms compare alike. Demand statuses only, and no guests
  (no subject). These totals count each batch's orders from where the previous batch's totals stopped
  up to its end less the overlap: consecutive windows, so an order counts once, and an order committed
  up to the overlap late is still in time.

A sale counts once: at most one ``Conversion`` per list, product and subject, at most one per order line
(order and product: a click on another list posted after the line was credited does not move or repeat
the sale), and an order line is not counted when the subject's purchase event for the same product was,
within the attribution window (nor the other way round). Re-reading orders in the overlap is therefore
harmless; the checks run before the insert, so no statement fails inside the batch's transaction.

Each batch is one transaction that first locks the cursor row (``Cursor`` named ``attribution``:
``position`` the highest event id queued, ``moment`` the time orders were read up to), so two runs at
once take turns.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from electroshop.conf import electroshop_settings
from electroshop.seam import get_adapter
from electroshop.seam.adapter import EventType

from . import event_ranges
from .bucketing import ListTag, parse_recommendation_id, subject_key
from .models import Activity, Conversion, Cursor, Experiment, Variant

CURSOR = "attribution"
COUNTED_EVENTS = (EventType.IMPRESSION, EventType.CLICK, EventType.CART, EventType.PURCHASE)
ORDER_READ = timedelta(days=1)  # orders read per transaction when catching up (memory, not semantics)
CHUNK = 500  # ids per IN (...) lookup
MAX_INT = 2**31 - 1  # the group's integer columns
MAX_SUBJECT = Activity._meta.get_field("subject").max_length
CENT = Decimal("0.01")

Group = tuple[str, str, int, int, str]  # GROUP_FIELDS: placement, strategy, model_version, experiment_id, variant
DayGroup = tuple[date, str, str, int, int, str]  # (day, *Group): a DailyKpi row


@dataclass
class Tally:
    impressions: int = 0
    clicks: int = 0
    add_to_carts: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0")
    all_orders: int = 0
    all_revenue: Decimal = Decimal("0")


COUNTED = ("impressions", "clicks", "add_to_carts", "orders", "revenue", "all_orders", "all_revenue")


@dataclass(frozen=True)
class Candidate:
    """A conversion found in this batch, recorded unless the sale already counted."""

    tag: ListTag
    recommendation_id: str
    product_id: int
    subject: str
    source: str
    order_id: int | None
    revenue: Decimal
    occurred_at: datetime


def _chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def utc_day(moment: datetime) -> date:
    return moment.astimezone(dt_timezone.utc).date()


def _storable(tag: ListTag | None) -> bool:
    return (tag is not None and 0 < len(tag.placement) <= 32 and 0 < len(tag.strategy) <= 40
            and tag.model_version <= MAX_INT and tag.experiment_id <= MAX_INT)


class _Groups:
    """A list tag's group, with the variant names of the experiments the batch names (one query)."""

    def __init__(self, tags: Iterable[ListTag]) -> None:
        experiment_ids = {tag.experiment_id for tag in tags if tag.experiment_id}
        rows = Variant.objects.filter(experiment_id__in=experiment_ids).values_list("experiment_id", "position", "name")
        self.names = {(experiment, position): name for experiment, position, name in rows} if experiment_ids else {}

    def of(self, tag: ListTag) -> Group:
        name = self.names.get((tag.experiment_id, tag.variant_position))
        experiment_id, variant = (tag.experiment_id, name) if name is not None else (0, "")
        return tag.placement, tag.strategy, tag.model_version, experiment_id, variant


class _Batch:
    """One transaction's increments per Activity key (day, *group, subject) and its conversions."""

    def __init__(self, groups: _Groups) -> None:
        self.groups = groups
        self.tallies: dict[tuple, Tally] = defaultdict(Tally)
        self.conversions = 0

    def tally(self, tag: ListTag, *, day: date, subject: str) -> Tally:
        return self.tallies[(day, *self.groups.of(tag), subject)]

    def convert(self, candidates: list[Candidate]) -> None:
        """Record the candidates that are new sales, each an order of its list's group on its day."""
        accepted = _new_sales(candidates)
        Conversion.objects.bulk_create([
            Conversion(list_id=c.tag.list_id, recommendation_id=c.recommendation_id, product_id=c.product_id,
                       subject=c.subject, source=c.source, order_id=c.order_id, revenue=c.revenue,
                       occurred_at=c.occurred_at) for c in accepted], batch_size=CHUNK)
        for c in accepted:
            tally = self.tally(c.tag, day=utc_day(c.occurred_at), subject=c.subject)
            tally.orders += 1
            tally.revenue += c.revenue
        self.conversions += len(accepted)

    def write(self) -> set[DayGroup]:
        """Add the tallies to Activity (existing rows updated, others created); the (day, group) keys."""
        if not self.tallies:
            return set()
        days = sorted({key[0] for key in self.tallies})
        subjects = sorted({key[-1] for key in self.tallies})
        existing: dict[tuple, Activity] = {}
        for chunk in _chunks(subjects):
            for row in Activity.objects.filter(day__in=days, subject__in=chunk):
                existing[(row.day, row.placement, row.strategy, row.model_version, row.experiment_id, row.variant,
                          row.subject)] = row
        changed, created = [], []
        for key, tally in self.tallies.items():
            row = existing.get(key)
            if row is None:
                day, placement, strategy, model_version, experiment_id, variant, subject = key
                row = Activity(day=day, placement=placement, strategy=strategy, model_version=model_version,
                               experiment_id=experiment_id, variant=variant, subject=subject)
                created.append(row)
            else:
                changed.append(row)
            for name in COUNTED:
                setattr(row, name, getattr(row, name) + getattr(tally, name))
        Activity.objects.bulk_update(changed, list(COUNTED), batch_size=CHUNK)
        Activity.objects.bulk_create(created, batch_size=CHUNK)
        return {key[:-1] for key in self.tallies}


def _new_sales(candidates: list[Candidate]) -> list[Candidate]:
    """Those candidates not yet counted: no conversion of the same list, product and subject, none of the
    same order line (order and product), and none of the other source (purchase event vs order) for the
    same product and subject within the window. Checked here, before the insert: a unique violation
    would abort the batch's transaction on PostgreSQL."""
    window = timedelta(days=float(electroshop_settings.EXPERIMENTS_ATTRIBUTION_DAYS))
    seen: dict[tuple[str, int], list[tuple[str, str, datetime]]] = defaultdict(list)
    wanted = {(c.subject, c.product_id) for c in candidates}
    for chunk in _chunks(sorted({c.subject for c in candidates})):
        for subject, product_id, list_id, source, occurred_at in Conversion.objects.filter(
                subject__in=chunk).values_list("subject", "product_id", "list_id", "source", "occurred_at"):
            if (subject, product_id) in wanted:
                seen[(subject, product_id)].append((list_id, source, occurred_at))
    lines = {(c.order_id, c.product_id) for c in candidates if c.order_id is not None}
    sold: set[tuple[int, int]] = set()
    for chunk in _chunks(sorted({order_id for order_id, _ in lines})):
        sold |= {line for line in Conversion.objects.filter(order_id__in=chunk).values_list("order_id", "product_id")
                 if line in lines}
    accepted = []
    for c in candidates:
        earlier = seen[(c.subject, c.product_id)]
        if (c.order_id, c.product_id) in sold or any(
                list_id == c.tag.list_id or (source != c.source and abs(at - c.occurred_at) <= window)
                for list_id, source, at in earlier):
            continue
        earlier.append((c.tag.list_id, c.source, c.occurred_at))
        if c.order_id is not None:
            sold.add((c.order_id, c.product_id))
        accepted.append(c)
    return accepted


def _locked_cursor() -> Cursor:
    cursor, _ = Cursor.objects.select_for_update().get_or_create(name=CURSOR)
    return cursor


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


# --- events ---------------------------------------------------------------------------------------

def _attribute_events(now: datetime, report: dict, progress: Callable[[int], None] | None) -> None:
    """Queue the ids up to the highest visible, read every unread range once (``event_ranges``), then
    forget the ranges that have waited long enough."""
    events = get_adapter().event_model.objects
    size = max(1, int(electroshop_settings.EXPERIMENTS_EVENT_BATCH_SIZE))
    with transaction.atomic():
        cursor = _locked_cursor()
        visible = events.aggregate(bottom=Min("pk"), top=Max("pk"))
        if cursor.position == 0 and visible["bottom"]:  # the first run starts at the oldest event, not at id 1
            cursor.position = visible["bottom"] - 1
        event_ranges.queue_new_ids(cursor=cursor, upper=visible["top"] or 0, now=now)
    done = 0  # this run has read every unread range up to this id
    while True:
        with transaction.atomic():
            _locked_cursor()
            ranges = event_ranges.ranges_to_read(after=done)
            if not ranges:
                break
            within = event_ranges.covering(ranges)
            rows = list(events.filter(within, event_type__in=COUNTED_EVENTS).exclude(recommendation_id="")
                        .order_by("pk").values_list("pk", "event_type", "customer_id", "session_id", "product_id",
                                                    "occurred_at", "recommendation_id")[:size])
            done = rows[-1][0] if len(rows) == size else ranges[-1].last
            present = events.filter(within, pk__lte=done).order_by("pk").values_list("pk", flat=True)
            event_ranges.replace_read(ranges, through=done, present=present.iterator(chunk_size=10000))
            report["touched"] |= _count_events(rows, report)
        report["events_read"] += len(rows)
        if progress is not None:
            progress(len(rows))
    with transaction.atomic():
        _locked_cursor()
        event_ranges.drop_settled(
            now=now, settle=timedelta(seconds=float(electroshop_settings.EXPERIMENTS_EVENT_SETTLE_SECONDS)))


def _count_events(rows: list[tuple], report: dict) -> set[DayGroup]:
    parsed = []
    for _, event_type, customer_id, session_id, product_id, occurred_at, recommendation_id in rows:
        tag = parse_recommendation_id(recommendation_id)
        subject = subject_key(customer_id=customer_id, session_id=session_id or "")
        if (not _storable(tag) or subject is None or len(subject) > MAX_SUBJECT
                or (event_type == EventType.PURCHASE and product_id is None)):
            report["events_skipped"] += 1
            continue
        parsed.append((tag, event_type, subject, product_id, occurred_at, recommendation_id))
    batch = _Batch(_Groups(tag for tag, *_ in parsed))
    purchases = []
    for tag, event_type, subject, product_id, occurred_at, recommendation_id in parsed:
        tally = batch.tally(tag, day=utc_day(occurred_at), subject=subject)
        if event_type == EventType.IMPRESSION:
            tally.impressions += 1 if tag.position > 0 else 0  # position 0: an exposure, the row alone
        elif event_type == EventType.CLICK:
            tally.clicks += 1
        elif event_type == EventType.CART:
            tally.add_to_carts += 1
        else:
            purchases.append((tag, subject, product_id, occurred_at, recommendation_id))
    if purchases:
        prices = get_adapter().product_summaries({product_id for _, _, product_id, _, _ in purchases})
        batch.convert([
            Candidate(tag=tag, recommendation_id=recommendation_id, product_id=product_id, subject=subject,
                      source=Conversion.Source.PURCHASE_EVENT, order_id=None, occurred_at=occurred_at,
                      revenue=_money(prices.get(product_id, {}).get("price") or 0))
            for tag, subject, product_id, occurred_at, recommendation_id in purchases])
    report["conversions"] += batch.conversions
    return batch.write()


# --- orders ---------------------------------------------------------------------------------------

def _not_demand_statuses(adapter: Any) -> tuple[str, ...]:
    """The order statuses the shop's adapter does not count as demand (an attribute or a method), if any."""
    statuses = getattr(adapter, "not_demand_statuses", ())
    return tuple(statuses() if callable(statuses) else statuses)


def _first_list_event_at() -> datetime | None:
    return (get_adapter().event_model.objects.filter(event_type__in=COUNTED_EVENTS).exclude(recommendation_id="")
            .aggregate(first=Min("occurred_at"))["first"])


def _attribute_orders(now: datetime, report: dict, progress: Callable[[int], None] | None) -> None:
    overlap = timedelta(minutes=float(electroshop_settings.EXPERIMENTS_ORDER_OVERLAP_MINUTES))
    while True:
        with transaction.atomic():
            cursor = _locked_cursor()
            if cursor.moment is None:
                since = _first_list_event_at()
                if since is None:  # no list was shown: no order can be attributed yet
                    return
            else:
                since = cursor.moment - overlap
            start = cursor.moment or since
            if start >= now:
                return
            until = min(start + ORDER_READ, now)
            lines = get_adapter().order_lines_frame(since=since, until=until)
            # the exposed-order totals of this batch: from where the previous batch's stopped (its
            # until less the overlap, this batch's since) to this one's until less the overlap
            report["touched"] |= _count_orders(lines, report, totals_before=until - overlap)
            cursor.moment = until
            cursor.save(update_fields=["moment"])
        report["order_lines_read"] += len(lines)
        if progress is not None:
            progress(len(lines))
        if until >= now:
            return


def _demand_lines(lines: pd.DataFrame, adapter: Any) -> pd.DataFrame:
    """The lines of customers' orders (guests have no subject) whose status counts as demand."""
    lines = lines[lines["customer_id"].notna()]
    statuses = _not_demand_statuses(adapter)
    return lines[~lines["status"].isin(statuses)] if statuses else lines


def _sales(lines: pd.DataFrame) -> list[tuple[int, int, int, datetime, Decimal]]:
    """(order_id, customer_id, product_id, created_at, revenue) per order and product of ``_demand_lines``."""
    lines = lines[lines["product_id"].notna()]
    sales: dict[tuple[int, int, int], list] = {}
    for order_id, customer_id, product_id, quantity, unit_price, created_at in lines[
            ["order_id", "customer_id", "product_id", "quantity", "unit_price", "created_at"]].itertuples(index=False):
        key = (int(order_id), int(customer_id), int(product_id))
        entry = sales.setdefault(key, [created_at.to_pydatetime(), Decimal("0")])
        entry[1] += _money(unit_price) * int(quantity)
    return [(*key, created_at, revenue) for key, (created_at, revenue) in sales.items()]


def _order_candidates(sales: list[tuple[int, int, int, datetime, Decimal]], adapter: Any) -> list[Candidate]:
    """Each sale's conversion of the last list its customer clicked the product in, within the window."""
    if not sales:
        return []
    window = timedelta(days=float(electroshop_settings.EXPERIMENTS_ATTRIBUTION_DAYS))
    first, last = min(s[3] for s in sales), max(s[3] for s in sales)
    clicks: dict[tuple[int, int], list[tuple[datetime, int, str]]] = defaultdict(list)
    for chunk in _chunks(sorted({s[1] for s in sales})):
        for customer_id, product_id, occurred_at, pk, recommendation_id in adapter.event_model.objects.filter(
                event_type=EventType.CLICK, customer_id__in=chunk, occurred_at__gte=first - window,
                occurred_at__lte=last).exclude(recommendation_id="").values_list(
                "customer_id", "product_id", "occurred_at", "pk", "recommendation_id"):
            clicks[(customer_id, product_id)].append((occurred_at, pk, recommendation_id))
    candidates = []
    for order_id, customer_id, product_id, created_at, revenue in sales:
        # the last click before the order, within the window, in a list this product served
        for occurred_at, _, recommendation_id in sorted(clicks.get((customer_id, product_id), ()), reverse=True):
            tag = parse_recommendation_id(recommendation_id)
            if created_at - window <= occurred_at <= created_at and _storable(tag):
                candidates.append(Candidate(tag=tag, recommendation_id=recommendation_id, product_id=product_id,
                                            subject=subject_key(customer_id=customer_id), order_id=order_id,
                                            source=Conversion.Source.ORDER, revenue=revenue, occurred_at=created_at))
                break
    return candidates


def _add_exposed_orders(batch: _Batch, lines: pd.DataFrame) -> None:
    """Each order of ``lines`` (``_demand_lines``) in ``all_orders`` / ``all_revenue`` of every experiment
    that ran when it was placed and in which its customer had an exposure by the order's day, on the row
    of the customer's latest exposure group there (module docstring)."""
    orders: dict[int, list] = {}  # order id -> [subject, created_at, revenue]
    for order_id, customer_id, quantity, unit_price, created_at in lines[
            ["order_id", "customer_id", "quantity", "unit_price", "created_at"]].itertuples(index=False):
        entry = orders.setdefault(int(order_id), [subject_key(customer_id=int(customer_id)),
                                                  created_at.to_pydatetime(), Decimal("0")])
        entry[2] += _money(unit_price) * int(quantity)
    if not orders:
        return
    first, last = min(o[1] for o in orders.values()), max(o[1] for o in orders.values())
    periods = {pk: (started, stopped) for pk, started, stopped in Experiment.objects.filter(
        Q(stopped_at__isnull=True) | Q(stopped_at__gte=first), started_at__lte=last).values_list(
        "pk", "started_at", "stopped_at")}
    if not periods:
        return
    # subject -> experiment -> [((day, pk), group)]: the subject's rows in the experiment up to the last day
    exposures: dict[str, dict[int, list[tuple[tuple[date, int], Group]]]] = defaultdict(lambda: defaultdict(list))
    for chunk in _chunks(sorted({o[0] for o in orders.values()})):
        for experiment_id, subject, day, pk, placement, strategy, model_version, variant in Activity.objects.filter(
                experiment_id__in=list(periods), subject__in=chunk,
                day__gte=utc_day(min(started for started, _ in periods.values())), day__lte=utc_day(last),
        ).values_list("experiment_id", "subject", "day", "pk", "placement", "strategy", "model_version", "variant"):
            exposures[subject][experiment_id].append(((day, pk), (placement, strategy, model_version, experiment_id,
                                                                  variant)))
    for subject, created_at, revenue in orders.values():
        day = utc_day(created_at)
        for experiment_id, rows in exposures.get(subject, {}).items():
            started, stopped = periods[experiment_id]
            latest = max((row for row in rows if row[0][0] <= day), default=None)
            if latest is None or created_at < started or (stopped is not None and created_at > stopped):
                continue
            tally = batch.tallies[(day, *latest[1], subject)]
            tally.all_orders += 1
            tally.all_revenue += revenue


def _count_orders(lines: pd.DataFrame, report: dict, *, totals_before: datetime) -> set[DayGroup]:
    """Conversions of the lines' sales, and the exposed-order totals of the lines placed before
    ``totals_before``."""
    if lines.empty:
        return set()
    adapter = get_adapter()
    lines = _demand_lines(lines, adapter)
    candidates = _order_candidates(_sales(lines), adapter)
    batch = _Batch(_Groups(c.tag for c in candidates))
    batch.convert(candidates)
    _add_exposed_orders(batch, lines[lines["created_at"] < totals_before])
    report["conversions"] += batch.conversions
    return batch.write()


def attribute_new_activity(*, now: datetime | None = None,
                           progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Add the events and orders that arrived since the previous run to ``Activity`` and ``Conversion``.

    ``now`` bounds the orders read (default: the current time); ``progress(rows)`` is called after each
    committed batch. Returns ``{"events_read", "events_skipped", "order_lines_read", "conversions",
    "touched"}``, ``touched`` the set of ``(day, placement, strategy, model_version, experiment_id,
    variant)`` whose activity changed (what ``kpis.refresh_daily_kpis`` recomputes)."""
    now = now or timezone.now()
    report: dict[str, Any] = {"events_read": 0, "events_skipped": 0, "order_lines_read": 0, "conversions": 0,
                              "touched": set()}
    _attribute_events(now, report, progress)
    _attribute_orders(now, report, progress)
    return report
