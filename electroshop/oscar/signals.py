"""Oscar's signals, sent on as ``electroshop.seam.signals`` (connected by
``OscarShopAdapter.connect_host_signals()``).

* A new order is Oscar's own ``order_placed`` signal, which ``OrderCreator.place_order`` sends once
  the order and all its lines exist (a post_save of the order would come before its lines). An
  order written another way (an import, SQL) sends the seam's ``order_placed`` itself.
* Saves and deletes of orders and order lines are ``order_changed`` of the order's user.
* A stock record save is ``stock_changed`` with the product's summed level; a record that counts
  no stock, a deleted record or a fixture load (``raw``) is a catalogue change instead.
* Products (a parent's save concerns its children too), product categories and attribute values
  are ``catalog_changed`` of the product; categories ``catalog_changed`` of all.
* Users are customers: ``customer_created`` and ``customer_changed``; an address book change is a
  ``customer_changed`` (the segment is the default shipping country).
* A new product review is ``review_created``.
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete, post_save
from oscar.apps.order.signals import order_placed
from oscar.core.loading import get_model

from electroshop.seam import signals
from electroshop.seam.registry import get_adapter

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
StockRecord = get_model("partner", "StockRecord")
Order = get_model("order", "Order")
Line = get_model("order", "Line")
UserAddress = get_model("address", "UserAddress")
ProductReview = get_model("reviews", "ProductReview")


def _product_changed(*, instance: Any, **kwargs: Any) -> None:
    ids = [instance.pk]
    if instance.structure == Product.PARENT and instance.pk is not None:
        ids += list(Product.objects.filter(parent_id=instance.pk).values_list("pk", flat=True))
    signals.catalog_changed.send(sender=Product, product_ids=ids)


def _product_part_changed(*, instance: Any, **kwargs: Any) -> None:
    signals.catalog_changed.send(sender=type(instance), product_ids=[instance.product_id])


def _category_changed(**kwargs: Any) -> None:
    signals.catalog_changed.send(sender=Category, product_ids=None)


def _stock_saved(*, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    level = None if raw else get_adapter().stock_levels([instance.product_id]).get(instance.product_id)
    if level is None:
        signals.catalog_changed.send(sender=StockRecord, product_ids=[instance.product_id])
    else:
        signals.stock_changed.send(sender=StockRecord, levels={instance.product_id: (level.on_hand, level.on_order)})


def _order_placed(*, order: Any, **kwargs: Any) -> None:
    signals.order_placed.send(sender=Order, order_id=order.pk, customer_id=order.user_id)


def _order_changed(*, instance: Any, **kwargs: Any) -> None:
    signals.order_changed.send(sender=Order, customer_ids=[instance.user_id])


def _order_line_changed(*, instance: Any, **kwargs: Any) -> None:
    try:
        order = instance.order  # loaded with the line when Oscar writes it: no query
    except ObjectDoesNotExist:  # deleted with its order, whose own signal was sent
        return
    signals.order_changed.send(sender=Line, customer_ids=[order.user_id])


def _customer_changed(customer_id: int) -> None:
    signals.customer_changed.send(sender=get_user_model(), customer_id=customer_id, user_ids=[customer_id],
                                  personalization_consent=True)


def _user_saved(*, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    _customer_changed(instance.pk)
    if created and not raw:
        signals.customer_created.send(sender=get_user_model(), customer_id=instance.pk)


def _user_deleted(*, instance: Any, **kwargs: Any) -> None:
    _customer_changed(instance.pk)


def _address_changed(*, instance: Any, **kwargs: Any) -> None:
    _customer_changed(instance.user_id)


def _review_saved(*, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        signals.review_created.send(sender=ProductReview, review_id=instance.pk)


def connect() -> None:
    user = get_user_model()
    for model, on_save, on_delete in (
        (Product, _product_changed, _product_changed),
        (ProductCategory, _product_part_changed, _product_part_changed),
        (ProductAttributeValue, _product_part_changed, _product_part_changed),
        (Category, _category_changed, _category_changed),
        (StockRecord, _stock_saved, _product_part_changed),
        (Order, _order_changed, _order_changed),
        (Line, _order_line_changed, _order_line_changed),
        (user, _user_saved, _user_deleted),
        (UserAddress, _address_changed, _address_changed),
    ):
        post_save.connect(on_save, sender=model, dispatch_uid=f"oscar-seam-{model.__name__}-save")
        post_delete.connect(on_delete, sender=model, dispatch_uid=f"oscar-seam-{model.__name__}-delete")
    post_save.connect(_review_saved, sender=ProductReview, dispatch_uid="oscar-seam-ProductReview-save")
    order_placed.connect(_order_placed, dispatch_uid="oscar-seam-order-placed")
