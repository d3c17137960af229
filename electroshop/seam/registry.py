"""Which ShopAdapter this process uses: ``ELECTROSHOP["SHOP_ADAPTER"]``, an alias or a dotted path.

``get_adapter()`` builds the adapter once and then returns the same instance: on the request path
it costs a global lookup, no query. Changing ``ELECTROSHOP`` (tests' ``override_settings``) drops it.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from .adapter import ShopAdapter

# The shops the plugin ships adapters for, named by strings: the seam itself never imports a shop.
ALIASES = {
    "builtin": "electroshop.shop.adapter.BuiltinShopAdapter",
    "oscar": "electroshop.oscar.adapter.OscarShopAdapter",
}

_adapter: ShopAdapter | None = None


def load_adapter(value: str) -> ShopAdapter:
    """A new instance of the adapter that ``value`` (an alias or a dotted path to a class) names."""
    path = ALIASES.get(value, value)
    try:
        adapter_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f'ELECTROSHOP["SHOP_ADAPTER"] = {value!r}: cannot import {path!r} ({exc}). '
            f"Use {' or '.join(repr(alias) for alias in ALIASES)}, or a dotted path to a ShopAdapter subclass."
        ) from exc
    if not (isinstance(adapter_class, type) and issubclass(adapter_class, ShopAdapter)):
        raise ImproperlyConfigured(
            f'ELECTROSHOP["SHOP_ADAPTER"] = {value!r}: {path} is not a subclass of electroshop.seam.ShopAdapter.'
        )
    try:
        return adapter_class()
    except TypeError as exc:  # an abstract method left out
        raise ImproperlyConfigured(f'ELECTROSHOP["SHOP_ADAPTER"] = {value!r}: {exc}') from exc


def get_adapter() -> ShopAdapter:
    """The process's shop adapter."""
    global _adapter
    if _adapter is None:
        from electroshop.conf import electroshop_settings

        _adapter = load_adapter(electroshop_settings.SHOP_ADAPTER)
    return _adapter


def reset_adapter() -> None:
    global _adapter
    _adapter = None


def _reset_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "ELECTROSHOP":
        reset_adapter()


setting_changed.connect(_reset_on_change, dispatch_uid="electroshop-seam-reset-adapter")
