"""Writes of merchandising rules: a rule's target checked and resolved through the shop seam, the
same for the admin form and the API.

A rule names a product by its SKU (hide, pin, boost) or, for a boost, a whole category (every
product of the category and its subcategories). A pin's category is where it applies: only the
lists filtered to that category (a category page's lists); blank, every list.
"""
from __future__ import annotations

from dataclasses import dataclass

from electroshop.seam import get_adapter, reads

from .models import MerchandisingRule

MAX_ID = 2**63 - 1


class RuleError(ValueError):
    """A rule that cannot be saved; ``errors`` maps each bad field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class RuleTarget:
    sku: str
    product_id: int | None
    category_id: int | None


def rule_target(*, action: str, sku: str, category_id: int | None, rule_id: int | None = None) -> RuleTarget:
    """Check what a rule targets and resolve its SKU to the product id (one seam read).

    Raises :class:`RuleError` naming ``sku`` (unknown, missing, or a rule like it exists) or
    ``category_id`` (unknown, or not allowed for this action). ``rule_id``: the rule being edited."""
    sku = (sku or "").strip()
    if category_id is not None and (category_id < 1 or category_id > MAX_ID or reads.category_subtree_ids(category_id) is None):
        raise RuleError({"category_id": f"no category with id {category_id}"})
    product_id = None
    if sku:
        if len(sku) > get_adapter().sku_max_length:
            raise RuleError({"sku": f"unknown sku: {sku[:40]}"})
        product_id = get_adapter().product_ids_for_skus([sku]).get(sku)
        if product_id is None:
            raise RuleError({"sku": f"unknown sku: {sku}"})
        if category_id is not None and action != MerchandisingRule.Action.PIN:
            raise RuleError({"category_id": "only a pin takes a category with a SKU (where it is pinned); "
                                            "to boost a category, leave the SKU blank"})
    elif action != MerchandisingRule.Action.BOOST:
        raise RuleError({"sku": "this action needs a SKU (only a boost can target a whole category)"})
    elif category_id is None:
        raise RuleError({"sku": "give a SKU, or a category to boost"})
    same = MerchandisingRule.objects.filter(product_id=product_id, action=action, category_id=category_id)
    if rule_id is not None:
        same = same.exclude(pk=rule_id)
    if same.exists():
        raise RuleError({"sku" if sku else "category_id": "a rule with this action and target already exists"})
    return RuleTarget(sku=sku, product_id=product_id, category_id=category_id)
