"""The legacy shop's data, loaded with plain SQL as its ERP wrote it: 30 items in three groups, 36
clients in three taste groups, 130 days of orders (some cancelled or returned), stock in three
warehouses. Deterministic (seeded)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
from django.db import connection

from .legacyshop.erp import ITEM_SQL, LegacyOrder, sql_time, write_orders
from .legacyshop.models import SalesHeader

GROUPS = {1: (None, "Electronics"), 2: (1, "Phones"), 3: (1, "Audio"), 4: (1, "Computing")}
LEAF_GROUPS = (2, 3, 4)
ITEMS = 30
CLIENTS = 36
DAYS = 130
WAREHOUSES = ("BER", "HAM", "MUC")
COUNTRIES = ("DE", "AT", "NL")
OUT_OF_STOCK_ITEM = 1  # a best seller with nothing left in any warehouse


def item_group(item_no: int) -> int:
    return LEAF_GROUPS[(item_no - 1) % 3]


def group_name(item_no: int) -> str:
    return GROUPS[item_group(item_no)][1]


def item_row(n: int, *, added_on: datetime) -> tuple:
    """Item ``n`` as an ITEM_SQL row: its group, brand, price and terms follow from ``n``."""
    return (n, f"LG-{n:04d}", f"{group_name(n)} item {n}", f"A sturdy {group_name(n).lower()} item", item_group(n),
            ("Acme", "Globex", None)[n % 3], Decimal(20 + 7 * n), True, sql_time(added_on),
            json.dumps({"colour": ("black", "white")[n % 2]}), ("Nordwaren", "Südimport")[n % 2], 5 + n % 10,
            (1, 5, 10)[n % 3], 1)


def load(now: datetime, seed: int = 5) -> dict:
    """Write the whole shop; returns the ids the tests refer to."""
    rng = np.random.default_rng(seed)
    start = now - timedelta(days=DAYS)
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO inv_item_group (grp_id, parent_grp, label) VALUES (%s, %s, %s)",
                           [(pk, parent, label) for pk, (parent, label) in GROUPS.items()])
        cursor.executemany(ITEM_SQL, [item_row(n, added_on=start - timedelta(days=60)) for n in range(1, ITEMS + 1)])
        cursor.executemany(
            "INSERT INTO crm_client (client_no, email_addr, full_name, country_code, registered) "
            "VALUES (%s, %s, %s, %s, %s)",
            [(c, f"client{c}@example.de", f"Client {c}", COUNTRIES[c % 3], sql_time(start - timedelta(days=30 + c)))
             for c in range(1, CLIENTS + 1)])
        # Every item is kept in one to three warehouses; item 1 has sold out everywhere.
        cursor.executemany(
            "INSERT INTO wh_stock (item_no, wh_code, qty_on_hand, qty_on_order) VALUES (%s, %s, %s, %s)",
            [(n, code, 0 if n == OUT_OF_STOCK_ITEM else int(rng.integers(3, 15)), int(k == 0) * 2)
             for n in range(1, ITEMS + 1) for k, code in enumerate(WAREHOUSES[:1 + n % 3])])

    orders, hdr_id = [], 0
    statuses = [SalesHeader.Status.SHIPPED.value] * 18 + [SalesHeader.Status.CANCELLED.value,
                                                          SalesHeader.Status.RETURNED.value]
    for client in [*range(1, CLIENTS + 1)] * 9 + [None] * 120:  # nine orders per client, 120 walk-ins
        taste = [n for n in range(1, ITEMS + 1) if client is None or item_group(n) == LEAF_GROUPS[client % 3]]
        popular = taste[: max(3, len(taste) // 2)]  # half the group sells most
        picks = rng.choice(popular if rng.random() < 0.7 else taste, size=int(rng.integers(1, 4)), replace=False)
        hdr_id += 1
        orders.append(LegacyOrder(
            hdr_id=hdr_id, doc_no=f"SO-{hdr_id:06d}", client_no=client,
            placed_at=start + timedelta(days=float(rng.uniform(0, DAYS - 1))),
            lines=[(int(n), int(rng.integers(1, 3)), Decimal(20 + 7 * int(n))) for n in picks],
            status=str(rng.choice(statuses)), email=f"client{client}@example.de" if client else "walkin@example.de",
            country=COUNTRIES[(client or 0) % 3], ship_address=f"Hauptstraße {client or 99}, Berlin"))
    write_orders(orders)
    return {"last_hdr_id": hdr_id, "clients": CLIENTS, "items": ITEMS}
