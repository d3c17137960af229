"""The event ids attribution has still to read: ranges of ids, each with the moment it was queued.

Event ids come from a sequence, but a transaction that took a lower id may commit after one that took a
higher id (and a rolled-back insert leaves its id unused for good). Reading "every id up to the highest
visible one" and moving past it would skip the late one forever, so:

* each run queues the ids above the highest it queued before, up to the highest visible now, as one
  unread range (``queue_new_ids``);
* the runs read the unread ranges in id order (``ranges_to_read``); the ids found are counted and leave
  the set, the ids not there stay as smaller ranges with the moment their range was queued
  (``replace_read``), and every later run looks at them again;
* a range that has waited ``EXPERIMENTS_EVENT_SETTLE_SECONDS`` after it was queued is dropped after the
  run's last look (``drop_settled``): its ids are taken as rolled back.

So an event whose transaction commits within that time of the run that first looked for its id is
counted, once; when nothing is missing no range is left behind. Stored as ``Cursor`` rows, no table of
their own: the cursor ``attribution``'s ``position`` is the highest id queued, and each unread range is
a row named ``events_unread:<first id>`` whose ``position`` is its last id and ``moment`` when it was
queued. The caller holds the ``attribution`` cursor's row lock around every call, so runs take turns.
"""
from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce

from django.db.models import Q

from .models import Cursor

PREFIX = "events_unread:"
RANGES_PER_BATCH = 100  # ranges OR-ed in one query (SQLite limits an expression's depth to 1,000)


@dataclass(frozen=True)
class IdRange:
    first: int
    last: int
    queued_at: datetime


def _row(first: int, last: int, queued_at: datetime) -> Cursor:
    return Cursor(name=f"{PREFIX}{first}", position=last, moment=queued_at)


def queue_new_ids(*, cursor: Cursor, upper: int, now: datetime) -> None:
    """Queue the ids in ``(cursor.position, upper]`` as one unread range and move the cursor to ``upper``."""
    if upper > cursor.position:
        _row(cursor.position + 1, upper, now).save()
        cursor.position = upper
        cursor.save(update_fields=["position"])


def ranges_to_read(*, after: int) -> list[IdRange]:
    """Up to ``RANGES_PER_BATCH`` unread ranges above id ``after``, in id order (ranges never straddle the
    point a batch read up to: ``replace_read`` splits them there)."""
    rows = (Cursor.objects.filter(name__startswith=PREFIX, position__gt=after).order_by("position")
            .values_list("name", "position", "moment")[:RANGES_PER_BATCH])
    return [IdRange(int(name.removeprefix(PREFIX)), last, moment) for name, last, moment in rows]


def covering(ranges: list[IdRange]) -> Q:
    """A filter on ``pk`` matching the ids of the (non-empty list of) ranges."""
    return reduce(operator.or_, (Q(pk__gte=span.first, pk__lte=span.last) for span in ranges))


def missing_ids(ranges: list[IdRange], *, through: int, present: Iterable[int]) -> list[IdRange]:
    """The parts of ``ranges`` up to id ``through`` holding none of ``present`` (ascending ids, all
    within those parts), each with its range's queue moment."""
    ids = iter(present)
    found = next(ids, None)
    missing = []
    for span in ranges:
        if span.first > through:
            break
        end, expected = min(span.last, through), span.first
        while found is not None and found <= end:
            if found > expected:
                missing.append(IdRange(expected, found - 1, span.queued_at))
            expected = found + 1
            found = next(ids, None)
        if expected <= end:
            missing.append(IdRange(expected, end, span.queued_at))
    return missing


def replace_read(ranges: list[IdRange], *, through: int, present: Iterable[int]) -> None:
    """``ranges`` were read up to id ``through``, where ``present`` are the ids found: their read parts
    keep only the missing ids, the parts above ``through`` stay unread as they were."""
    read = [span for span in ranges if span.first <= through]
    kept = [_row(span.first, span.last, span.queued_at)
            for span in missing_ids(read, through=through, present=present)]
    kept += [_row(through + 1, span.last, span.queued_at) for span in read if span.last > through]
    Cursor.objects.filter(name__in=[f"{PREFIX}{span.first}" for span in read]).delete()
    Cursor.objects.bulk_create(kept)


def drop_settled(*, now: datetime, settle: timedelta) -> int:
    """Forget the unread ranges queued more than ``settle`` before ``now``; returns how many."""
    deleted, _ = Cursor.objects.filter(name__startswith=PREFIX, moment__lt=now - settle).delete()
    return deleted
