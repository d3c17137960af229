"""The site as the lead will wire it: admin plus the demo storefront at the root."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("electroshop.demo.urls")),
]
