"""A customer's rendered answer, served again while nothing it depends on changed.

The customer endpoint renders its JSON once and stores it under ``selectors._answer_key``; the next
read of the same request finds it in the same cache round trip as the rest of ``customer_read_keys``
and serves it without a query while every stamp it depends on is unchanged (``CachedAnswer``).
"""
from dataclasses import dataclass

from electroshop.cache import CacheBatch, cache_get, cache_set
from electroshop.conf import electroshop_settings
from electroshop.seam import stamps

from .feedback import feedback_stamp
from experiments.selectors import experiments_stamp

from .selectors import _answer_key, current_version_id, customer_live_key, customer_read_keys, merchandising_rules


@dataclass
class CachedAnswer:
    """A customer's rendered answer from the cache (``body``), or where to store a new one.

    ``stamps`` are what the answer depends on, read before its data: the shop's and the customer's
    purchases stamps (electroshop.seam.stamps), the merchandising rules', the live list's and the
    customer's negative feedback's (``feedback.py``). A
    stored answer counts only while they are all the same; ``key`` is None when it may not be
    stored (no active model, a stamp not known yet, caching off).
    """

    batch: CacheBatch | None
    key: str | None = None
    stamps: tuple = ()
    body: bytes | None = None
    model_version: int | None = None  # the version number the stored answer was read from
    source: str | None = None  # the stored answer's source (personalized, fallback...)


def cached_customer_answer(
    *, customer_id: int, limit: int, category_id: int | None = None, exclude_skus: tuple[str, ...] = (),
    prefetched: CacheBatch | None = None,
) -> CachedAnswer:
    """The customer's rendered answer if one is stored and still valid (see ``CachedAnswer``).

    Its ``batch`` holds ``customer_read_keys``: pass it on to ``recommendations_for_customer``.
    """
    found = prefetched if prefetched is not None else CacheBatch(
        customer_read_keys(customer_id, limit=limit, category_id=category_id, exclude_skus=exclude_skus))
    if not electroshop_settings.RECOMMENDATIONS_RESPONSE_CACHE_SECONDS:
        return CachedAnswer(batch=found)
    version_id = current_version_id(prefetched=found)
    shop_stamp = stamps.read_stamp(stamps.SHOP_STAMP_KEY, found)
    purchases_stamp = stamps.read_stamp(stamps.purchases_stamp_key(customer_id), found)
    if version_id is None or shop_stamp is None or purchases_stamp is None:
        return CachedAnswer(batch=found)
    live = cache_get(customer_live_key(customer_id), found) or {}
    # the experiment set's stamp: a new experiment, a stop or new weights may change the subject's list
    depends_on = (shop_stamp, purchases_stamp, merchandising_rules(prefetched=found).get("stamp"), live.get("stamp"),
                  feedback_stamp(f"customer:{customer_id}", found), experiments_stamp(prefetched=found))
    key = _answer_key(version_id, customer_id, limit, category_id, exclude_skus)
    stored = cache_get(key, found)
    valid = stored is not None and stored["stamps"] == depends_on
    return CachedAnswer(batch=found, key=key, stamps=depends_on, body=stored["body"] if valid else None,
                        model_version=stored.get("model_version") if valid else None,
                        source=stored.get("source") if valid else None)


def store_customer_answer(answer: CachedAnswer, body: bytes, *, model_version: int | None,
                          source: str | None) -> None:
    if answer.key is not None:
        cache_set(answer.key, {"stamps": answer.stamps, "body": body, "model_version": model_version,
                               "source": source},
                  electroshop_settings.RECOMMENDATIONS_RESPONSE_CACHE_SECONDS, answer.batch)
