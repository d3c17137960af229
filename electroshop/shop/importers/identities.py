"""The order identities a generic order file may carry, for fraud scoring: who paid, from where, with what.

Each column is optional; an order takes the values of its first row in the file. A value is bad
(its row reported with its line, the rest of the file imported) when it is too long for its
``Order`` column, an ``email`` that is not an e-mail address, an ``ip_address`` that is not an IPv4
or IPv6 address, a ``card_bin`` that is not 6 to 8 digits, or a payment check (``avs_result``,
``cvc_result``, ``three_ds_result``) that is none of its values (``PAYMENT_SIGNAL_VALUES``).
"""
from __future__ import annotations

import ipaddress

import pandas as pd
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from electroshop.seam.adapter import PAYMENT_SIGNAL_VALUES
from electroshop.shop.models import Order

from .rows import Reasons, flag_too_long

IDENTITY_COLUMNS = [
    "email", "device_id", "ip_address", "ip_country", "card_fingerprint", "card_bin", "card_country",
    "billing_country", "shipping_country", "shipping_address", "payment_method", *PAYMENT_SIGNAL_VALUES,
]


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def order_identities(frame: pd.DataFrame, reasons: Reasons) -> dict[str, pd.Series]:
    """The identity columns of ``frame``, stripped and checked (bad values flag their rows)."""
    out: dict[str, pd.Series] = {}
    for column in IDENTITY_COLUMNS:
        values = frame[column].fillna("").str.strip()
        frame[column] = values  # so the length check and the reported value are the stripped text
        limit = Order._meta.get_field(column).max_length
        if limit:
            flag_too_long(reasons, column, limit)
        given = values != ""
        if column == "email":
            reasons.flag(given & ~values.map(_is_email), "email " + reasons.value(column) + " is not an e-mail address")
        elif column == "ip_address":
            reasons.flag(given & ~values.map(_is_ip), "ip_address " + reasons.value(column) + " is not an IP address")
        elif column in PAYMENT_SIGNAL_VALUES:
            values = values.str.lower()
            allowed = PAYMENT_SIGNAL_VALUES[column]
            reasons.flag(given & ~values.isin(allowed), f"{column} " + reasons.value(column)
                         + f" is not one of {', '.join(allowed)}")
        elif column == "card_bin":
            reasons.flag(given & ~values.str.fullmatch(r"\d{6,8}"), "card_bin " + reasons.value(column)
                         + " is not 6 to 8 digits")
        out[column] = values
    return out


def identity_fields(head) -> dict[str, object]:
    """``Order`` keyword arguments of one order's identities (a row of the grouped order heads);
    an empty ``ip_address`` is NULL (the column is an IP field), the other empty ones blank."""
    fields = {column: getattr(head, column) or "" for column in IDENTITY_COLUMNS}
    fields["ip_address"] = fields["ip_address"] or None
    return fields
