"""What happened in the shop, as the AI apps hear it.

A shop adapter's ``connect_host_signals()`` sends these from the shop's own signals (the built-in
shop: ``electroshop/shop/signals.py``); a shop that writes without Django signals (bulk updates,
SQL, another process) sends them itself, e.g. ``stock_changed.send(sender=None, levels={42: (0, 5)})``.
Every signal is sent with keyword arguments only; receivers run in the sending transaction (the
AI apps defer their work to ``transaction.on_commit``).

* ``order_placed(order_id, customer_id)``: a new order (customer_id None for a guest), sent when its
  lines exist or in the transaction that creates them. Fraud scores it; its products join the
  customer's live recommendation list.
* ``order_changed(customer_ids)``: orders or order lines of these customers were saved or deleted.
* ``stock_changed(levels)``: ``{product_id: (on_hand, on_order)}`` after a stock change. Forecasting
  logs stock-outs; cached product cards are forgotten.
* ``catalog_changed(product_ids)``: products or categories changed (``None``: unknown which). Cached
  reads are forgotten; a new or edited product without interactions gets text neighbours at once.
* ``customer_created(customer_id)``: a sign-up. Fraud scores it.
* ``customer_changed(customer_id, user_ids, personalization_consent)``: a customer was saved or
  deleted; ``user_ids`` are the Django users it belonged to before and after (their cached API
  tokens are forgotten); consent False drops the customer's personal lists.
* ``review_created(review_id)``: a new review. Fraud scores it.
"""
from django.dispatch import Signal

order_placed = Signal()
order_changed = Signal()
stock_changed = Signal()
catalog_changed = Signal()
customer_created = Signal()
customer_changed = Signal()
review_created = Signal()
