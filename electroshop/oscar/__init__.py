"""django-oscar behind the shop seam: ``ELECTROSHOP["SHOP_ADAPTER"] = "oscar"`` (see ``adapter.py``)."""
