"""Input pieces the overrides and events APIs share: the product (by sku or id) and the period."""
from rest_framework import serializers

from electroshop.seam import get_adapter, reads

from ..models import MAX_PERIOD_DAY, MIN_PERIOD_DAY, PERIOD_DAY_VALIDATORS

MAX_ID = 2**63 - 1


def period_day(help_text: str) -> serializers.DateField:
    """A day of a merchant-entered period, between MIN_PERIOD_DAY and MAX_PERIOD_DAY."""
    return serializers.DateField(validators=PERIOD_DAY_VALIDATORS,
                                 help_text=f"{help_text} ({MIN_PERIOD_DAY:%Y} to {MAX_PERIOD_DAY:%Y})")


def resolve_product(data: dict, *, required: bool) -> dict:
    """Sets ``data["product_id"]`` from ``sku`` or checks the given ``product_id`` exists; at most one of
    them (exactly one when ``required``). Raises a ValidationError naming the field."""
    sku, product_id = data.get("sku"), data.get("product_id")
    if sku is not None and product_id is not None:
        raise serializers.ValidationError({"sku": ["Give either sku or product_id, not both."]})
    if sku is None and product_id is None:
        if required:
            raise serializers.ValidationError({"sku": ["Give either sku or product_id (exactly one)."]})
        return data
    if sku is not None:
        data["product_id"] = reads.product_id_for_sku(sku)
        if data["product_id"] is None:
            raise serializers.ValidationError({"sku": [f"No product with sku {sku!r}."]})
    elif not get_adapter().existing_product_ids([product_id]):
        raise serializers.ValidationError({"product_id": [f"No product with id {product_id}."]})
    return data


def check_period(data: dict) -> dict:
    if data["ends_on"] < data["starts_on"]:
        raise serializers.ValidationError({"ends_on": ["The period ends before it starts."]})
    return data


def skus_of(product_ids) -> dict[int, str]:
    """product_id -> SKU of the products that exist."""
    ids = {pid for pid in product_ids if pid is not None}
    return {pid: card["sku"] for pid, card in get_adapter().product_summaries(ids).items()} if ids else {}
