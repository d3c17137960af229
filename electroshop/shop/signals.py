"""The built-in shop's model signals, sent on as ``electroshop.seam.signals``.

Connected by ``BuiltinShopAdapter.connect_host_signals()``. Fixture loads (``raw`` saves) are not
shop activity: they send only the signals that forget cached answers (catalog, order and customer
changes), never order_placed, customer_created, review_created or stock_changed.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete, post_save, pre_save

from electroshop.seam import signals

from . import models


def _product_changed(*, instance: models.Product, **kwargs: Any) -> None:
    signals.catalog_changed.send(sender=models.Product, product_ids=[instance.pk])


def _category_changed(**kwargs: Any) -> None:
    signals.catalog_changed.send(sender=models.Category, product_ids=None)


def _stock_saved(*, instance: models.Stock, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        signals.catalog_changed.send(sender=models.Stock, product_ids=[instance.product_id])
    else:
        levels = {instance.product_id: (instance.on_hand, instance.on_order)}
        signals.stock_changed.send(sender=models.Stock, levels=levels)


def _stock_deleted(*, instance: models.Stock, **kwargs: Any) -> None:
    # Without a stock row the product is no longer stock-managed: a catalogue change, not a level.
    signals.catalog_changed.send(sender=models.Stock, product_ids=[instance.product_id])


def _order_saved(*, instance: models.Order, created: bool, raw: bool = False, **kwargs: Any) -> None:
    signals.order_changed.send(sender=models.Order, customer_ids=[instance.customer_id])
    if created and not raw:
        signals.order_placed.send(sender=models.Order, order_id=instance.pk, customer_id=instance.customer_id)


def _order_deleted(*, instance: models.Order, **kwargs: Any) -> None:
    signals.order_changed.send(sender=models.Order, customer_ids=[instance.customer_id])


def _order_line_changed(*, instance: models.OrderLine, **kwargs: Any) -> None:
    try:
        order = instance.order  # usually already loaded with the line: no query
    except ObjectDoesNotExist:  # deleted with its order, whose own signal was sent
        return
    signals.order_changed.send(sender=models.OrderLine, customer_ids=[order.customer_id])


def _customer_saving(*, instance: models.Customer, raw: bool = False, **kwargs: Any) -> None:
    """Remember the customer's previous user: moving a customer to another account concerns both."""
    if raw or instance._state.adding or instance.pk is None:
        return
    previous = models.Customer.objects.filter(pk=instance.pk).values_list("user_id", flat=True)
    instance._previous_user_id = previous.first()


def _customer_changed(instance: models.Customer) -> None:
    signals.customer_changed.send(
        sender=models.Customer, customer_id=instance.pk,
        user_ids=[pk for pk in {instance.user_id, getattr(instance, "_previous_user_id", None)} if pk is not None],
        personalization_consent=instance.personalization_consent,
    )


def _customer_saved(*, instance: models.Customer, created: bool, raw: bool = False, **kwargs: Any) -> None:
    _customer_changed(instance)
    if created and not raw:
        signals.customer_created.send(sender=models.Customer, customer_id=instance.pk)


def _customer_deleted(*, instance: models.Customer, **kwargs: Any) -> None:
    _customer_changed(instance)


def _review_saved(*, instance: models.Review, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        signals.review_created.send(sender=models.Review, review_id=instance.pk)


def connect() -> None:
    for model, on_save, on_delete in (
        (models.Product, _product_changed, _product_changed),
        (models.Category, _category_changed, _category_changed),
        (models.Stock, _stock_saved, _stock_deleted),
        (models.Order, _order_saved, _order_deleted),
        (models.OrderLine, _order_line_changed, _order_line_changed),
        (models.Customer, _customer_saved, _customer_deleted),
    ):
        post_save.connect(on_save, sender=model, dispatch_uid=f"shop-seam-{model.__name__}-save")
        post_delete.connect(on_delete, sender=model, dispatch_uid=f"shop-seam-{model.__name__}-delete")
    pre_save.connect(_customer_saving, sender=models.Customer, dispatch_uid="shop-seam-Customer-pre-save")
    post_save.connect(_review_saved, sender=models.Review, dispatch_uid="shop-seam-Review-save")
