"""The business rules the fill applies before it stores a list (the read applies them again).

A product that may not be shown when the fill runs (the adapter's ``product_cards`` leaves it out:
inactive or not available; or a merchant's active HIDE rule) is never a candidate of any cached
list, so lists stay full length with products that can be shown. A customer's list leaves out only
what they bought (in an order that counts as demand), unless its category is a repeat-purchase
category; products they only viewed, carted or wish-listed stay candidates. Stock changes between
fills, which is why ``selectors`` filter again at read time.
"""
from dataclasses import dataclass
from typing import Iterable

from electroshop.seam import get_adapter

# Ids per adapter read: keeps every query's parameters (ids plus a few statuses) around 1,000.
ID_BATCH = 1000


def batches(ids: list[int], size: int = ID_BATCH) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start: start + size]


@dataclass(frozen=True)
class FillRules:
    """What the fill may store: ``showable`` product id -> its category id (the card's), for the
    products that may be shown now; ``repeat_categories``: categories whose products may be
    recommended again after a purchase."""

    showable: dict[int, int | None]
    repeat_categories: frozenset[int]

    def unshowable(self, product_ids: Iterable[int]) -> list[int]:
        """Those of ``product_ids`` that may not be shown (never candidates)."""
        return [pid for pid in product_ids if int(pid) not in self.showable]

    def bought_to_exclude(self, customer_ids: list[int]) -> dict[int, list[int]]:
        """customer id -> the showable products they bought outside repeat-purchase categories (the same
        rule as the read's ``reads.recommendable_products``). One adapter read per ``ID_BATCH`` customers."""
        adapter = get_adapter()
        out: dict[int, list[int]] = {}
        for batch in batches(customer_ids):
            for customer_id, product_ids in adapter.purchased_product_ids_by_customer(batch).items():
                out[customer_id] = [pid for pid in product_ids if pid in self.showable
                                    and self.showable[pid] not in self.repeat_categories]
        return out


def fill_rules(product_ids: Iterable[int], *, hidden: Iterable[int], repeat_categories: Iterable[int]) -> FillRules:
    """The rules for a fill of these products (the model's items), given the merchant's hidden products and
    repeat-purchase categories (``selectors.merchandising_rules``). Cards are read ``ID_BATCH`` at a time."""
    adapter = get_adapter()
    hidden = set(hidden)
    showable: dict[int, int | None] = {}
    for batch in batches([int(pid) for pid in product_ids]):
        showable.update((pid, card["category_id"]) for pid, card in adapter.product_cards(batch).items()
                        if pid not in hidden)
    return FillRules(showable=showable, repeat_categories=frozenset(repeat_categories))


def category_chains(product_ids: Iterable[int]) -> dict[int, list[int]]:
    """product id -> [its category id, then each ancestor's] (the adapter's ``product_category_ids``),
    ``ID_BATCH`` products per read."""
    adapter = get_adapter()
    out: dict[int, list[int]] = {}
    for batch in batches([int(pid) for pid in product_ids]):
        out.update(adapter.product_category_ids(batch))
    return out
