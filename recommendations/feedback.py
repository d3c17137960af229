"""Negative feedback: what a visitor keeps being shown and never clicks sinks in their lists.

The storefront script records an ``impression`` event for every card it shows and a ``click``
event for every card followed (impressions in "recently viewed" and "buy it again" do not count).
The event listener (``live.on_events_recorded``) keeps per subject (``customer:<id>`` or
``session:<id>``) a small entry in the Django cache: impressions per product and day over the last
``RECOMMENDATIONS_IMPRESSIONS_DAYS`` days, the day of each product's last click, and what follows
from them, decided there and not at read time:

* **demoted**: shown at least ``RECOMMENDATIONS_IMPRESSIONS_BEFORE_DEMOTION`` times in those days
  with no click from the subject in them: its score is multiplied by
  ``RECOMMENDATIONS_DEMOTION_FACTOR`` in every list read for the subject (a click lifts it);
* **capped**: shown ``RECOMMENDATIONS_MAX_IMPRESSIONS_PER_DAY`` times today (UTC): left out of the
  subject's lists until the day ends. Products the merchant pinned are never demoted or capped.

The entry's ``stamp`` changes only when the demoted or capped products change (not on every
impression), and a customer's cached answer depends on it (``answers.cached_customer_answer``).
Counting is best effort: two event batches of one subject at the same instant may lose a count.
A demotion is reconsidered when the subject's next impressions or clicks arrive; the entry
expires after the window.
"""
import uuid
from collections.abc import Iterable
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from electroshop.cache import CacheBatch, cache_get
from electroshop.conf import electroshop_settings


# Lists of the visitor's own products (lists.py): showing them is no recommendation turned down.
HISTORY_LISTS = frozenset({"recently_viewed", "buy_again"})


def from_a_recommendation(recommendation_id: str) -> bool:
    """Whether an impression's ``recommendation_id`` (``<version>-<list kind>-<id>.<position>``, see
    ``selectors``) is of a recommendation list rather than a list of the visitor's own products."""
    parts = (recommendation_id or "").split("-")
    return len(parts) < 3 or parts[1] not in HISTORY_LISTS


def feedback_key(subject: str) -> str:
    return f"recs:feedback:{subject}"


def subject_for(*, customer_id: int | None, session_id: str = "") -> str | None:
    """The subject whose feedback applies to a read: the customer's, else the browser session's."""
    if customer_id is not None:
        return f"customer:{customer_id}"
    return f"session:{session_id}" if session_id else None


def _day(moment: datetime | None = None) -> int:
    return (moment or timezone.now()).astimezone(dt_timezone.utc).date().toordinal()


def record_feedback(subject: str, *, shown: Iterable[tuple[int, datetime]],
                    clicked: Iterable[tuple[int, datetime]]) -> None:
    """Count a subject's impressions and clicks ``(product id, occurred at)`` and decide again what is
    demoted and capped for them."""
    days = int(electroshop_settings.RECOMMENDATIONS_IMPRESSIONS_DAYS)
    today = _day()
    first_day = today - days + 1
    key = feedback_key(subject)
    state = cache.get(key) or {"shown": {}, "clicked": {}, "demoted": [], "capped": [], "day": today, "stamp": ""}
    for product_id, moment in shown:
        day = _day(moment)
        if day >= first_day:
            per_day = state["shown"].setdefault(product_id, {})
            per_day[day] = per_day.get(day, 0) + 1
    for product_id, moment in clicked:
        state["clicked"][product_id] = max(_day(moment), state["clicked"].get(product_id, 0))
    # forget what is older than the window
    state["shown"] = {pid: kept for pid, per_day in state["shown"].items()
                      if (kept := {day: n for day, n in per_day.items() if day >= first_day})}
    state["clicked"] = {pid: day for pid, day in state["clicked"].items() if day >= first_day}
    threshold = electroshop_settings.RECOMMENDATIONS_IMPRESSIONS_BEFORE_DEMOTION
    cap = electroshop_settings.RECOMMENDATIONS_MAX_IMPRESSIONS_PER_DAY
    demoted = sorted(pid for pid, per_day in state["shown"].items()
                     if sum(per_day.values()) >= threshold and pid not in state["clicked"])
    capped = sorted(pid for pid, per_day in state["shown"].items() if cap and per_day.get(today, 0) >= cap)
    if (demoted, capped, today) != (state["demoted"], state["capped"], state["day"]) or not state["stamp"]:
        state.update(demoted=demoted, capped=capped, day=today, stamp=uuid.uuid4().hex)
    cache.set(key, state, days * 24 * 3600)


def feedback_stamp(subject: str | None, prefetched: CacheBatch | None = None) -> str:
    """What cached answers for the subject depend on: "" while nothing is demoted or capped."""
    state = cache_get(feedback_key(subject), prefetched) if subject else None
    return state["stamp"] if state else ""


def apply_feedback(candidates: list, *, customer_id: int | None, session_id: str = "",
                   prefetched: CacheBatch | None = None) -> list:
    """The read hook (``selectors._assemble``): ``[product id, score, reason]`` candidates without
    the subject's capped products, demoted ones with their score multiplied by the factor."""
    subject = subject_for(customer_id=customer_id, session_id=session_id)
    state: dict[str, Any] | None = cache_get(feedback_key(subject), prefetched) if subject else None
    if not state:
        return candidates
    capped = set(state["capped"]) if state["day"] == _day() else set()
    demoted = set(state["demoted"])
    if not capped and not demoted:
        return candidates
    factor = float(electroshop_settings.RECOMMENDATIONS_DEMOTION_FACTOR)
    return [[pid, float(score) * factor if pid in demoted else score, reason]
            for pid, score, reason in candidates if pid not in capped]
