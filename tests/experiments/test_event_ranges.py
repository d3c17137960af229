"""Events whose transactions commit out of id order: counted once when they arrive, given up after the
settle time (experiments/event_ranges.py)."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from experiments import event_ranges
from experiments.attribution import attribute_new_activity
from experiments.models import Activity, Cursor
from tests.factories import CustomerFactory, EventFactory, ProductFactory

from .activity import event, list_id

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
AT = NOW - timedelta(hours=1)


def counts() -> tuple[int, int]:
    """(impressions, clicks) over all activity."""
    rows = list(Activity.objects.values_list("impressions", "clicks"))
    return sum(r[0] for r in rows), sum(r[1] for r in rows)


def unread() -> list[tuple[int, int]]:
    return [(span.first, span.last) for span in event_ranges.ranges_to_read(after=0)]


@pytest.fixture
def shopper():
    return CustomerFactory(), ProductFactory(price=Decimal("10.00")), list_id()


def _impressions(shopper, count: int):
    customer, product, rid = shopper
    return [event("impression", at=AT, rid=f"{rid}.{k + 1}", product=product, customer=customer) for k in range(count)]


def _commit_late(shopper, pk: int) -> None:
    """The event of an id the run found missing commits now (an insert that took its id earlier)."""
    customer, product, rid = shopper
    EventFactory(pk=pk, event_type="click", occurred_at=AT, recommendation_id=f"{rid}.1", product=product,
                 customer=customer, session_id="")


def test_events_committed_after_the_cursor_passed_their_ids_are_counted_once(shopper, settings):
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "EXPERIMENTS_EVENT_BATCH_SIZE": 2}  # gaps across batches
    events = _impressions(shopper, 7)
    late = [events[1].pk, events[4].pk]
    for pending in (events[1], events[4]):  # taken by transactions that had not committed when the run read
        pending.delete()

    first = attribute_new_activity(now=NOW)

    assert first["events_read"] == 5 and counts() == (5, 0)
    assert unread() == [(late[0], late[0]), (late[1], late[1])]
    assert Cursor.objects.get(name="attribution").position == events[-1].pk
    for pk in late:
        _commit_late(shopper, pk)
    newer = _impressions(shopper, 1)

    second = attribute_new_activity(now=NOW + timedelta(minutes=5))

    assert second["events_read"] == 3 and counts() == (6, 2)
    assert unread() == [] and Cursor.objects.get(name="attribution").position == newer[0].pk
    assert attribute_new_activity(now=NOW + timedelta(minutes=10))["events_read"] == 0 and counts() == (6, 2)


def test_a_missing_id_is_looked_for_until_the_settle_time_then_given_up(shopper, settings):
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "EXPERIMENTS_EVENT_SETTLE_SECONDS": 600}
    events = _impressions(shopper, 3)
    missing = events[1].pk
    events[1].delete()

    attribute_new_activity(now=NOW)
    attribute_new_activity(now=NOW + timedelta(minutes=9))
    assert unread() == [(missing, missing)]  # still looked for
    attribute_new_activity(now=NOW + timedelta(minutes=11))
    assert unread() == []  # rolled back, as far as attribution knows
    _commit_late(shopper, missing)

    assert attribute_new_activity(now=NOW + timedelta(minutes=12))["events_read"] == 0
    assert counts() == (2, 0)


def test_read_ranges_keep_their_missing_ids_and_the_unread_rest():
    queued, later = NOW - timedelta(minutes=3), NOW
    ranges = [event_ranges.IdRange(1, 5, queued), event_ranges.IdRange(10, 14, later),
              event_ranges.IdRange(20, 22, later)]
    Cursor.objects.bulk_create([Cursor(name=f"events_unread:{r.first}", position=r.last, moment=r.queued_at)
                                for r in ranges])

    event_ranges.replace_read(ranges, through=12, present=[2, 3, 10])

    assert event_ranges.ranges_to_read(after=0) == [
        event_ranges.IdRange(1, 1, queued), event_ranges.IdRange(4, 5, queued), event_ranges.IdRange(11, 12, later),
        event_ranges.IdRange(13, 14, later), event_ranges.IdRange(20, 22, later)]
    assert [r.first for r in event_ranges.ranges_to_read(after=12)] == [13, 20]
    assert event_ranges.drop_settled(now=NOW, settle=timedelta(minutes=2)) == 2
    assert [r.first for r in event_ranges.ranges_to_read(after=0)] == [11, 13, 20]
