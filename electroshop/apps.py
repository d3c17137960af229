from django.contrib.admin.apps import AdminConfig


class ElectroShopAdminConfig(AdminConfig):
    """``django.contrib.admin`` with ``admin.site`` (where every app registers its screens) branded
    ElectroShop AI and opening on the overview (see electroshop.admin_site)."""

    default_site = "electroshop.admin_site.ElectroShopAdminSite"
