"""The seam between the AI apps and the shop: ``get_adapter()`` is the only way they reach shop data."""
from .adapter import ShopAdapter
from .registry import get_adapter

__all__ = ["ShopAdapter", "get_adapter"]
