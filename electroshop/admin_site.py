"""The admin as ElectroShop AI: branded, with an overview of the three AI apps above the app list.

``electroshop.apps.ElectroShopAdminConfig`` makes this the default ``admin.site``.
"""
from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.template.response import TemplateResponse

from electroshop.overview import overview


class ElectroShopAdminSite(AdminSite):
    site_header = "ElectroShop AI"
    site_title = "ElectroShop AI"
    index_title = "Overview"
    index_template = "admin/electroshop_index.html"

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        return super().index(request, {**(extra_context or {}), "overview": overview()})
